"""The listing pages, search and the sitemap index at 100,000 articles on PostgreSQL,
timed in-process: bench_http.py's last part alone, with the database kept between runs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_listings.py
    … bench/bench_listings.py --keep            # keep newsroom_bench_listings afterwards
    … bench/bench_listings.py --reuse           # time a kept database again (migrated first)
    … bench/bench_listings.py --reuse --explain # and print each slow page's plans

The articles are generate_articles.py's (bench_http.py's). Each page is asked for RUNS
times through the Django test client with DEBUG=0 and the page cache off; p50/p95 of the
wall-clock time, of this process's CPU time (Python: template, ORM, the test client; not
PostgreSQL's) and of the time spent in database calls (PostgreSQL and the socket), then
the query count. On a busy machine wall-clock time also holds the wait for a core.
With --explain, EXPLAIN (ANALYZE, BUFFERS) of each page's queries slower than 2 ms.
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

from bench_http import IN_PROCESS_RUNS, _p50_p95
from bench_import import django_on_a_throwaway_database
from generate_articles import generate

ROOT = Path(__file__).resolve().parent.parent


def pages(large, newest):
    from articles.models import Article
    from articles.views import PAGE_SIZE

    def read_on_from(number, articles):
        """The link that leads to page `number` (pagination.KEYSET_FROM): the last
        article of the page before."""
        before = articles.values_list("pk", flat=True)[(number - 1) * PAGE_SIZE - 1]
        return f"?page={number}&after={before}"

    public = Article.objects.published()
    home_deep, tag_deep = large // 24, large // 100
    return [
        ("home", "/"),
        (f"home, page {home_deep:,}", f"/?page={home_deep}"),
        (f"home, page {home_deep:,} by its link", "/" + read_on_from(home_deep, public)),
        ("search: harbour bridge", "/search/?q=harbour+bridge"),
        ("search: glacier retreat", "/search/?q=glacier+retreat"),
        ("search: zeppelin-0042", "/search/?q=zeppelin-0042"),
        ("search: harbour bridge p.3", "/search/?q=harbour+bridge&page=3"),
        ("tag", "/tags/harbour/"),
        (f"tag, page {tag_deep:,}", f"/tags/harbour/?page={tag_deep}"),
        (
            f"tag, page {tag_deep:,} by its link",
            "/tags/harbour/" + read_on_from(tag_deep, public.filter(tags__slug="harbour")),
        ),
        ("year archive", f"/archive/{newest.published_at.year}/"),
        ("month archive", f"/archive/{newest.published_at:%Y/%m}/"),
        ("sitemap index", "/sitemap.xml"),
        ("articles sitemap p.5", "/sitemap-articles.xml?p=5"),
        ("news sitemap", "/news-sitemap.xml"),
    ]


def figures(client, pages, *, runs):
    """{label: (wall p50, p95, CPU p50, p95, database p50, p95, queries)} in ms: bench_http's
    in_process_figures() plus the time spent in the database calls (PostgreSQL, the
    socket and psycopg: what this process waited for)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    found = {}
    for label, url in pages:
        client.get(url)  # templates compiled, connection open
        wall, cpu, database = [], [], []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.get(url)
                wall.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            database.append(sum(float(query["time"]) for query in queries) * 1000)
        found[label] = (*_p50_p95(wall), *_p50_p95(cpu), *_p50_p95(database), len(queries))
    return found


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
        f"  {'':<30} {'p50 ms':>7} {'p95 ms':>7}  {'CPU p50':>7} {'CPU p95':>7}"
        f"  {'DB p50':>7} {'DB p95':>7}"
    )
    cpu_started = time.process_time()
    for label, (p50, p95, cpu50, cpu95, db50, db95, queries) in figures(
        client, timed, runs=args.runs
    ).items():
        print(
            f"  {label:<30} {p50:7.1f} {p95:7.1f}  {cpu50:7.1f} {cpu95:7.1f}"
            f"  {db50:7.1f} {db95:7.1f}  {queries:2d} queries"
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
