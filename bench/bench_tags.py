"""Time what editors do with tags over N articles: the names the article form's tags field
offers as they type (the admin's names endpoint), and merging two of the most used tags.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_tags.py
    .venv/bin/python bench/bench_tags.py --n 20000          # SQLite

Never touches your data: on PostgreSQL it uses the server of DATABASE_URL but a database
called `newsroom_bench_tags` (or --database), made afresh and dropped again unless --keep;
on SQLite a temporary file. The articles and tags are bench_admin's (2-5 of --tags tags
an article, the popular ones far more used).
"""

import argparse
import random
import statistics
import sys
import time

from bench_admin import fill
from bench_import import django_on_a_throwaway_database

RUNS = 7


def time_names(client, term, runs):
    """Median and slowest milliseconds of the names endpoint for `term`, and its answer."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get("/admin/articles/tag/names/", {"term": term})
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (term, response.status_code)
    return statistics.median(timings), max(timings), response.json()["names"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="articles to generate")
    parser.add_argument("--tags", type=int, default=3000, help="distinct tags")
    parser.add_argument("--runs", type=int, default=RUNS, help="requests per term")
    parser.add_argument("--database", default="newsroom_bench_tags", help="PostgreSQL only")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()

    with django_on_a_throwaway_database(args.database, keep=args.keep):
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client

        from articles.models import Tag, TaggedArticle

        tags = fill(args.n, args.tags, random.Random(2025))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        print(
            f"{args.n:,} articles, {len(tags):,} tags, "
            f"{TaggedArticle.objects.count():,} taggings"
        )
        user = get_user_model().objects.create_superuser("bench", "bench@example.com", "pw")
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)

        print(f"names offered while typing, median and slowest of {args.runs}:")
        rare = tags[len(tags) // 2].name
        for label, term in [
            ("one letter", "k"),  # in most names
            ("a popular tag's start", tags[0].name[:4]),
            ("a rare tag, whole", rare),
            ("no match", "zzz"),
        ]:
            median, slowest, names = time_names(client, term, args.runs)
            print(
                f"  {label:<22} {term!r:<16} {median:6.1f} ms  (slowest {slowest:6.1f})  "
                f"{len(names):2d} names"
            )

        first, second = tags[0], tags[1]
        carrying = (
            TaggedArticle.objects.filter(tag__in=[first, second])
            .values("content_object")
            .distinct()
            .count()
        )
        started = time.perf_counter()
        outcome = Tag.objects.filter(pk__in=[first.pk, second.pk]).merge_into(first.name)
        elapsed = time.perf_counter() - started
        print(
            f"merging the two most used tags ({carrying:,} articles carry one or both): "
            f"{elapsed * 1000:.0f} ms, {outcome.articles:,} articles changed"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
