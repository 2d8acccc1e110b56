"""Time the search page over N published articles and print milliseconds per query.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_search.py
    .venv/bin/python bench/bench_search.py --n 20000          # SQLite's fallback, for scale

Never touches your data: on PostgreSQL it uses the server of DATABASE_URL but a database
called `newsroom_bench_search` (or --database), dropped and created afresh and dropped
again unless --keep; on SQLite a temporary file. Articles are written with bulk_create, so
PostgreSQL's trigger fills their search vectors as it would for the admin or the importer.
Each query is timed as a reader's request for /search/?q=…: count, ranked first page,
highlighted excerpts and the rendered template. On PostgreSQL the plan of the search
query is printed too, to show the GIN index answering it.
"""

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

from bench_import import django_on_a_throwaway_database

WORDS = [
    "council", "budget", "harbour", "bridge", "school", "election", "court", "police",
    "hospital", "river", "storm", "minister", "parliament", "market", "energy", "price",
    "strike", "train", "airport", "museum", "festival", "club", "match", "farmers", "drought",
    "flood", "vaccine", "research", "university", "mayor", "tax", "housing", "rent",
]  # fmt: skip
# Matched by nearly every article, by one in 300, by one, and by none.
QUERIES = ["council", "glacier retreat", "zeppelin-0042", "no-such-word-anywhere"]
RUNS = 7


def articles(count, rng):
    from articles.models import Article

    start = datetime(2020, 1, 1, tzinfo=UTC)
    for n in range(count):
        words = rng.choices(WORDS, k=40)
        if n % 300 == 0:
            words[rng.randrange(40)] = "glaciers retreating"
        if n == count // 2:
            words[0] = "zeppelin-0042"
        paragraphs = [f"{' '.join(words[:20]).capitalize()}.", f"{' '.join(words[20:])}."]
        headline = " ".join(rng.choices(WORDS, k=7)).capitalize()
        yield Article(
            title=headline,
            headline=headline,
            slug=f"article-{n}",
            description=" ".join(rng.choices(WORDS, k=20)).capitalize(),
            lede=" ".join(rng.choices(WORDS, k=12)).capitalize(),
            body="\n\n".join(paragraphs),
            # What render_markdown makes of plain paragraphs, without its cost per article.
            body_html="\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs),
            status=Article.Status.PUBLISHED,
            published_at=start + timedelta(minutes=30 * n),
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="articles to generate")
    parser.add_argument("--database", default="newsroom_bench_search", help="PostgreSQL only")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()

    with django_on_a_throwaway_database(args.database, keep=args.keep):
        from django.db import connection
        from django.test import Client

        from articles.models import Article

        started = time.perf_counter()
        Article.objects.bulk_create(articles(args.n, random.Random(2025)), batch_size=2000)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE articles_article")
        elapsed = time.perf_counter() - started
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        print(f"wrote {args.n:,} articles in {elapsed:.1f} s")

        client = Client(HTTP_HOST="127.0.0.1")
        for query in QUERIES:
            found = Article.objects.published().search(query).count()
            timings = []
            for _ in range(RUNS):
                started = time.perf_counter()
                response = client.get("/search/", {"q": query})
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
            print(
                f"/search/?q={query}: {found:,} found; median {statistics.median(timings):.0f}"
                f" ms, slowest {max(timings):.0f} ms over {RUNS} requests"
            )
        if connection.vendor == "postgresql":
            plan = Article.objects.published().search(QUERIES[1])[:12].explain()
            index_lines = [line.strip() for line in plan.splitlines() if "Index" in line]
            print("plan of the search query:", "; ".join(index_lines) or plan)
    return 0


if __name__ == "__main__":
    sys.exit(main())
