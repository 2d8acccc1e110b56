"""The listing pages, search and the sitemap index at 100,000 articles on PostgreSQL,
timed in-process: bench_http.py's last part alone, with the database kept between runs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_listings.py
    … bench/bench_listings.py --keep            # keep newsroom_bench_listings afterwards
    … bench/bench_listings.py --reuse           # time a kept database again (migrated first)
    … bench/bench_listings.py --reuse --explain # and print each slow page's plans

The articles are generate_articles.py's (bench_http.py's). Each page is asked for RUNS
times through the Django test client with DEBUG=0 and the page cache off; p50/p95 of the
wall-clock time and of this process's CPU time (Python: template, ORM, the test client;
not PostgreSQL's, which is the rest of the wall-clock time on an idle machine), then the
query count. With --explain, EXPLAIN (ANALYZE, BUFFERS) of each page's queries slower
than 2 ms.
"""

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench_http import IN_PROCESS_RUNS, in_process_figures
from bench_import import django_on_a_throwaway_database
from generate_articles import generate

ROOT = Path(__file__).resolve().parent.parent


def pages(large, newest):
    return [
        ("home", "/"),
        (f"home, page {large // 24:,}", f"/?page={large // 24}"),
        ("search: harbour bridge", "/search/?q=harbour+bridge"),
        ("search: glacier retreat", "/search/?q=glacier+retreat"),
        ("search: zeppelin-0042", "/search/?q=zeppelin-0042"),
        ("search: harbour bridge p.3", "/search/?q=harbour+bridge&page=3"),
        ("tag", "/tags/harbour/"),
        (f"tag, page {large // 100:,}", f"/tags/harbour/?page={large // 100}"),
        ("year archive", f"/archive/{newest.published_at.year}/"),
        ("month archive", f"/archive/{newest.published_at:%Y/%m}/"),
        ("sitemap index", "/sitemap.xml"),
        ("articles sitemap p.5", "/sitemap-articles.xml?p=5"),
    ]


def explain_slow_queries(client, url, *, slower_than_ms=2.0):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    for query in captured.captured_queries:
        if float(query["time"]) * 1000 < slower_than_ms:
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            plan = "\n".join(f"      {row[0]}" for row in cursor.fetchall())
        print(f"    {float(query['time']) * 1000:.1f} ms: {query['sql'][:300]}\n{plan}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--large", type=int, default=100_000, help="articles")
    parser.add_argument("--database", default="newsroom_bench_listings")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--reuse", action="store_true", help="time a kept database again")
    parser.add_argument("--explain", action="store_true", help="print the slow queries' plans")
    parser.add_argument("--runs", type=int, default=IN_PROCESS_RUNS)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (the database is made here).")
    tmp = Path(tempfile.mkdtemp(prefix="newsroom-bench-listings-"))
    os.environ.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        SITE_URL="http://127.0.0.1",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        STATIC_ROOT=str(tmp / "static"),
        PAGE_CACHE="off",  # pages as made, not as cached
    )
    os.environ.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT, check=True, timeout=300,
    )  # fmt: skip
    if args.reuse:
        parts = urlsplit(url)
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{args.database}"))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
        os.environ["MEDIA_ROOT"] = str(tmp / "media")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        run(args, generated=False)
    else:
        with django_on_a_throwaway_database(args.database, keep=args.keep or args.reuse):
            run(args, generated=True)
    return 0


def run(args, *, generated):
    from django.db import connection
    from django.test import Client

    from articles.models import Article

    if generated:
        started = time.perf_counter()
        generate(args.large)
        print(f"generated in {time.perf_counter() - started:.0f} s")
    newest = Article.objects.published().first()
    print(
        f"PostgreSQL {connection.cursor().connection.info.server_version}, "
        f"{Article.objects.count():,} articles; load average {os.getloadavg()[0]:.1f}"
    )
    client = Client(HTTP_HOST="127.0.0.1")
    timed = pages(args.large, newest)
    print(
        f"  {'':<28} {'p50 ms':>8} {'p95 ms':>8}   {'CPU p50':>8} {'CPU p95':>8}"
        "  (CPU: this process's, Python; the rest is PostgreSQL and waiting)"
    )
    cpu_started = time.process_time()
    for label, (p50, p95, cpu50, cpu95, queries) in in_process_figures(
        client, timed, runs=args.runs
    ).items():
        print(
            f"  {label:<28} {p50:8.1f} {p95:8.1f}   {cpu50:8.1f} {cpu95:8.1f}"
            f"  {queries:2d} queries"
        )
    print(
        f"  load average {os.getloadavg()[0]:.1f}; "
        f"this process's CPU {time.process_time() - cpu_started:.1f} s"
    )
    if args.explain:
        for label, url in timed:
            print(f"\n  {label} ({url}):")
            explain_slow_queries(client, url)


if __name__ == "__main__":
    sys.exit(main())
