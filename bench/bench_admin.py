"""Time the admin's article list over N articles: milliseconds, SQL queries and bytes of each
way an editor reads it (pages, filters, date hierarchy, searches), as a logged-in superuser.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_admin.py
    .venv/bin/python bench/bench_admin.py --n 20000          # SQLite
    ... bench/bench_admin.py --explain                       # and the plan of each slow query

Never touches your data: on PostgreSQL it uses the server of DATABASE_URL but a database
called `newsroom_bench_admin` (or --database), made afresh and dropped again unless --keep;
on SQLite a temporary file. Articles come from bench_search's generator (so PostgreSQL's
trigger fills their search vectors), with a few drafts, withdrawn and scheduled ones, and
2-5 of --tags tags each, the popular ones far more used, all written with bulk_create.
Django's cache is emptied before every request, so nothing is served from it.
"""

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta

from bench_import import django_on_a_throwaway_database
from bench_search import articles as generated_articles

RUNS = 7
CHANGELIST = "/admin/articles/article/"
SLOW_QUERY_MS = 20
SYLLABLES = ["ka", "lo", "mir", "ven", "dra", "sul", "tor", "bel", "qua", "nix", "rho", "zem"]


def tag_names(count):
    """Distinct made-up place names (Kalomirven…): words no generated body contains."""
    names = []
    for n in range(count):
        syllables = []
        for _ in range(4):
            n, digit = divmod(n, len(SYLLABLES))
            syllables.append(SYLLABLES[digit])
        names.append("".join(syllables).capitalize())
    return names


def fill(count, tag_count, rng):
    """`count` articles, mostly published, tagged; returns the tags, most used first."""
    from django.utils import timezone

    from articles.models import Article, Tag, TaggedArticle

    now = timezone.now()
    rows = []
    for n, article in enumerate(generated_articles(count, rng)):
        # Not n % 50 == 0: the generator puts its rare words in every 300th article.
        if n % 50 == 1:
            article.status = Article.Status.DRAFT
            article.published_at = None if n % 100 == 1 else article.published_at
        elif n % 97 == 2:
            article.status = Article.Status.WITHDRAWN
        elif n >= count - 20:
            article.published_at = now + timedelta(hours=count - n)
        rows.append(article)
    articles = Article.objects.bulk_create(rows, batch_size=2000)
    tags = Tag.objects.bulk_create(
        Tag(name=name, slug=name.lower().replace(" ", "-")) for name in tag_names(tag_count)
    )
    # Zipf-like: the first tags are on thousands of articles, most on a few dozen.
    weights = [1 / (rank + 1) for rank in range(len(tags))]

    def tags_of_one_article():
        chosen = set()
        wanted = rng.randint(2, 5)
        while len(chosen) < wanted:
            chosen.update(rng.choices(tags, weights=weights, k=wanted - len(chosen)))
        return chosen

    TaggedArticle.objects.bulk_create(
        (
            TaggedArticle(content_object=article, tag=tag)
            for article in articles
            for tag in tags_of_one_article()
        ),
        batch_size=5000,
    )
    return tags


def pages(count, tags, year):
    """(label, query string) pairs: what an editor does with the article list."""
    middle_page = max(1, count // 200)  # 100 articles a page
    rare_tag = tags[len(tags) // 10]
    return [
        ("first page", {}),
        (f"page {middle_page}", {"p": middle_page}),
        ("status: published", {"status": "published"}),
        ("status: draft", {"status": "draft"}),
        (f"tag: {tags[0].slug}", {"tag": tags[0].slug}),
        (f"year {year}", {"published_at__year": year}),
        ("search: council", {"q": "council"}),  # in three articles in four
        ("search: glacier", {"q": "glacier"}),  # one in 300 ("glaciers retreating")
        (f"search: {rare_tag.name.lower()}", {"q": rare_tag.name.lower()}),  # a tag's name
        ("search: no match", {"q": "no-such-word-anywhere"}),
    ]


def middle_year():
    """A year in the middle of the archive, as the date hierarchy offers it."""
    from articles.models import Article

    years = list(Article.objects.dates("published_at", "year"))
    return years[len(years) // 2].year


def time_page(client, query, runs):
    """Median and slowest milliseconds, then the queries (SQL, ms) and size of the last run."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    for _ in range(runs):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(CHANGELIST, query)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (query, response.status_code)
    captured = [(q["sql"], float(q["time"]) * 1000) for q in queries.captured_queries]
    return statistics.median(timings), max(timings), captured, len(response.content)


def result_count(user, query):
    """What the list says it found, as the admin's own ChangeList counts it."""
    from django.contrib import admin
    from django.test import RequestFactory

    from articles.models import Article

    request = RequestFactory().get(CHANGELIST, query)
    request.user = user
    return admin.site._registry[Article].get_changelist_instance(request).result_count


def explain(sql):
    from django.db import connection

    postgres = connection.vendor == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        return "\n".join("      " + " ".join(map(str, row)) for row in cursor.fetchall())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="articles to generate")
    parser.add_argument("--tags", type=int, default=3000, help="distinct tags")
    parser.add_argument("--runs", type=int, default=RUNS, help="requests per page")
    parser.add_argument("--database", default="newsroom_bench_admin", help="PostgreSQL only")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument(
        "--explain", action="store_true", help=f"plans of queries over {SLOW_QUERY_MS} ms"
    )
    args = parser.parse_args()

    with django_on_a_throwaway_database(args.database, keep=args.keep):
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client

        from articles.models import TaggedArticle

        started = time.perf_counter()
        tags = fill(args.n, args.tags, random.Random(2025))
        if connection.vendor == "postgresql":
            # What autovacuum does soon after a bulk insert: statistics for the planner,
            # and the visibility map that index-only scans need.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        print(
            f"wrote {args.n:,} articles, {len(tags):,} tags and "
            f"{TaggedArticle.objects.count():,} taggings in "
            f"{time.perf_counter() - started:.1f} s"
        )
        user = get_user_model().objects.create_superuser("bench", "bench@example.com", "pw")
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        print(f"median and slowest of {args.runs} requests each:")
        for label, query in pages(args.n, tags, middle_year()):
            median, slowest, queries, size = time_page(client, query, args.runs)
            print(
                f"  {label:<24} {median:7.1f} ms  (slowest {slowest:7.1f})  "
                f"{len(queries):2d} queries  {size / 1024:6.1f} KB  "
                f"{result_count(user, query):7,} found"
            )
            if args.explain:
                for sql, ms in queries:
                    if ms >= SLOW_QUERY_MS:
                        print(f"    {ms:.1f} ms: {sql}\n{explain(sql)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
