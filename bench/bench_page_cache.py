"""What the page cache saves, in process (view, cache, template; no network): milliseconds
and queries per request for each kind of public page, made afresh (PAGE_CACHE off), served
from the cache in memory (locmem) and from Redis, and answered 304 to a reader who holds it.

    .venv/bin/python bench/bench_page_cache.py                 # SQLite, 2,000 articles
    REDIS_URL=redis://127.0.0.1:6379/1 .venv/bin/python bench/bench_page_cache.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_page_cache.py

Never touches your data (a throwaway database, see bench_import.py); in Redis (REDIS_URL,
else redis://127.0.0.1:6379/1, skipped if unreachable) it writes under a key prefix of its
own and deletes those keys after.
"""

import argparse
import os
import random
import statistics
import sys
import time
import uuid

from bench_import import django_on_a_throwaway_database
from bench_pages import fill

MADE_RUNS = 15
KEPT_RUNS = 300


def median_ms(client, url, runs, **headers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    with CaptureQueriesContext(connection) as queries:
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), len(queries) / runs, response.status_code


def redis_caches():
    import redis

    location = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/1"
    try:
        redis.Redis.from_url(location, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        print(f"Redis at {location} unreachable ({error}): its column is left out")
        return None, None
    prefix = f"newsroom-bench-{uuid.uuid4().hex}"
    backend = "newsroom.redis_cache.RedisCache"
    return {"default": {"BACKEND": backend, "LOCATION": location, "KEY_PREFIX": prefix}}, (
        location,
        prefix,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2_000, help="articles to generate")
    parser.add_argument("--figures", type=int, default=20, help="distinct lead figures")
    parser.add_argument("--database", default="newsroom_bench_page_cache", help="PostgreSQL only")
    args = parser.parse_args()

    with django_on_a_throwaway_database(args.database):
        import redis
        from django.conf import settings
        from django.db import connection
        from django.test import Client
        from django.test.utils import override_settings

        articles = fill(args.n, args.figures, random.Random(2025))
        newest = articles[-1]
        pages = [
            ("article", newest.get_absolute_url()),
            ("home", "/"),
            ("tag", "/tags/harbour/"),
            ("search", "/search/?q=harbour+bridge"),
            ("RSS feed", "/feeds/rss/"),
        ]
        redis_settings, redis_keys = redis_caches()
        locmem = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        client = Client(HTTP_HOST="127.0.0.1")
        print(f"database: {connection.vendor}, {args.n:,} articles")
        print(
            f"median ms (queries per request): made afresh of {MADE_RUNS}, "
            f"kept and 304 of {KEPT_RUNS}"
        )
        print(f"  {'page':<9} {'made':>13} {'locmem':>13} {'redis':>13} {'304':>13}  made/kept")
        try:
            for label, url in pages:
                settings.PAGE_CACHE = False
                made, made_queries, status = median_ms(client, url, MADE_RUNS)
                assert status == 200, (url, status)
                settings.PAGE_CACHE = True
                columns = []
                for caches in (locmem, redis_settings):
                    if caches is None:
                        columns.append("")
                        continue
                    with override_settings(CACHES=caches):
                        etag = client.get(url)["ETag"]
                        kept, kept_queries, _ = median_ms(client, url, KEPT_RUNS)
                        columns.append(f"{kept:7.3f} ({kept_queries:.0f})")
                        if caches is locmem:
                            revalidated, _, status = median_ms(
                                client, url, KEPT_RUNS, **{"If-None-Match": etag}
                            )
                            assert status == 304
                            locmem_kept = kept
                print(
                    f"  {label:<9} {made:7.2f} ({made_queries:.0f})  {columns[0]:>13} "
                    f"{columns[1]:>13} {revalidated:9.3f}      {made / locmem_kept:6.0f}x"
                )
        finally:
            if redis_keys:
                location, prefix = redis_keys
                store = redis.Redis.from_url(location)
                keys = list(store.scan_iter(f"{prefix}:*"))
                if keys:
                    store.delete(*keys)
    return 0


if __name__ == "__main__":
    sys.exit(main())
