"""Time an article's revisions in the admin: its History page, the comparison of two of its
revisions, its change form (loaded and saved), for an article with --revisions revisions
among --others articles with --each revisions each.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_revisions.py
    .venv/bin/python bench/bench_revisions.py                       # SQLite

Never touches your data: on PostgreSQL it uses the server of DATABASE_URL but a database
called `newsroom_bench_revisions` (or --database), made afresh and dropped again unless
--keep; on SQLite a temporary file. Prints the median and slowest of --runs requests, and
the queries of each.
"""

import argparse
import random
import statistics
import sys
import time

from bench_import import django_on_a_throwaway_database

RUNS = 9
WORDS = [
    "the",
    "council",
    "said",
    "bridge",
    "flood",
    "river",
    "water",
    "road",
    "traffic",
    "minister",
    "report",
    "week",
    "city",
    "residents",
    "reopened",
    "closed",
    "engineers",
    "repairs",
    "damage",
    "season",
    "rain",
    "storm",
    "warning",
]


def paragraphs(rng, count, words=60):
    return "\n\n".join(
        " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "." for _ in range(count)
    )


def timed(client, method, url, data=None, runs=RUNS, expect=200):
    """(median ms, slowest ms, queries of the last request)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = getattr(client, method)(url, data or {})
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == expect, (url, response.status_code)
    return statistics.median(timings), max(timings), len(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--revisions", type=int, default=500, help="revisions of the article")
    parser.add_argument("--others", type=int, default=2000, help="other articles")
    parser.add_argument("--each", type=int, default=20, help="revisions of each other article")
    parser.add_argument("--runs", type=int, default=RUNS, help="requests per page")
    parser.add_argument("--database", default="newsroom_bench_revisions", help="PostgreSQL only")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()

    with django_on_a_throwaway_database(args.database, keep=args.keep):
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client
        from django.urls import reverse
        from django.utils import timezone

        from articles.acting import acting_as
        from articles.models import Article, Revision

        rng = random.Random(2025)
        user = get_user_model().objects.create_superuser("bench", "bench@example.com", "pw")
        now = timezone.now()

        # Other articles' revisions, inserted directly: only their number matters here.
        started = time.perf_counter()
        others = Article.objects.bulk_create(
            Article(headline=f"Other {n}", slug=f"other-{n}", status="draft")
            for n in range(args.others)
        )
        snapshot = {"headline": "Other", "body": paragraphs(rng, 8), "tags": []}
        for start in range(0, len(others), 500):
            Revision.objects.bulk_create(
                Revision(
                    article=article,
                    snapshot=snapshot,
                    digest="0" * 64,
                    kind="edited",
                    created_at=now,
                )
                for article in others[start : start + 500]
                for _ in range(args.each)
            )
        filled = time.perf_counter() - started

        # The article, written revision by revision through the write path.
        body = paragraphs(rng, 25).split("\n\n")
        article = Article(
            headline="Bridge reopens after the flood",
            slug="bridge",
            body="\n\n".join(body),
            status=Article.Status.PUBLISHED,
            published_at=now,
        )
        started = time.perf_counter()
        with acting_as(user):
            article.save(tags=[])
        for n in range(args.revisions - 1):
            body[rng.randrange(len(body))] = paragraphs(rng, 1)
            article.body = "\n\n".join(body)
            article.headline = f"Bridge reopens after the flood ({n})"
            with acting_as(user):
                article.save()
        saving = (time.perf_counter() - started) * 1000 / args.revisions
        # The same saves without recording revisions, for the ratio.
        from articles.models import writing

        recording, writing.record_revisions = writing.record_revisions, lambda *a, **k: None
        started = time.perf_counter()
        for _ in range(100):
            body[rng.randrange(len(body))] = paragraphs(rng, 1)
            article.body = "\n\n".join(body)
            with acting_as(user):
                article.save()
        bare = (time.perf_counter() - started) * 1000 / 100
        writing.record_revisions = recording
        article.save()  # its current content as the newest revision again
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")

        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        print(
            f"{Revision.objects.count():,} revisions in all ({filled:.1f} s to insert the "
            f"others'); the article has {article.revisions.count()}, body "
            f"{len(article.body):,} characters"
        )
        print(
            f"  a save through the write path: {saving:6.1f} ms with its revision, "
            f"{bare:6.1f} ms without (x{saving / bare:.2f}), on average"
        )

        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        history = reverse("admin:articles_article_history", args=[article.pk])
        compare = reverse("admin:articles_article_compare", args=[article.pk])
        change = reverse("admin:articles_article_change", args=[article.pk])
        first = article.revisions.order_by("pk").first().pk
        pages = (args.revisions + 99) // 100
        print(f"median and slowest of {args.runs} requests, and queries:")
        for label, method, url, data in [
            ("History, first page", "get", history, None),
            (f"History, page {pages}", "get", history, {"page": pages}),
            ("compare newest with previous", "get", compare, None),
            ("compare first with newest", "get", compare, {"from": first}),
            ("change form", "get", change, None),
        ]:
            median, slowest, queries = timed(client, method, url, data, runs=args.runs)
            print(f"  {label:<30} {median:7.1f} ms  (slowest {slowest:7.1f})  {queries:3d} queries")


if __name__ == "__main__":
    sys.exit(main())
