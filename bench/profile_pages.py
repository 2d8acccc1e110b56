"""Where the CPU of each public page goes, made uncached in-process (Django test client,
production settings: DEBUG=0, the page cache off), with cProfile.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/profile_pages.py
    … bench/profile_pages.py --n 3000 --runs 30 --top 25 --only article,feed

A PostgreSQL database of its own (`newsroom_bench_profile`, or --database; made afresh,
dropped at the end unless --keep; --reuse takes a kept one as it is), with --n articles
of bench_pages.py (sections, tags, real figures, a correction in twenty), authors on
every third one (two in the byline, a photographer on some), related picks on a few, the
sample articles imported, and every article's stored fragments made. For each page: this
process's CPU per request (median of --runs), its queries, then the share of the CPU
spent under a few functions that say where it goes (templates, the ORM's SQL and rows,
metadata, middleware, the feed's XML), and the --top functions by their own time.
"""

import argparse
import cProfile
import inspect
import os
import pstats
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (label, function): a page's CPU under each, counted once however deep it recurses
# (cProfile's cumulative time); functions are found by their code, after django.setup().
WHERE = [
    ("whole request", "django.test.client.ClientHandler.__call__"),
    ("view (class-based)", "django.views.generic.base.View.dispatch"),
    ("view (feed)", "django.contrib.syndication.views.Feed.__call__"),
    ("  feed: items and per-item methods", "django.contrib.syndication.views.Feed.get_feed"),
    ("  feed: RSS XML", "django.utils.feedgenerator.Rss201rev2Feed.write"),
    ("  feed: Atom XML", "django.utils.feedgenerator.Atom1Feed.write"),
    ("templates (rendering)", "django.template.base.Template.render"),
    ("  {% article_card %}", "articles.templatetags.articles_tags.article_card"),
    ("  {% picture %}", "articles.markup.picture"),
    ("SQL: compile", "django.db.models.sql.compiler.SQLCompiler.as_sql"),
    ("SQL: execute (cursor)", "django.db.backends.utils.CursorWrapper._execute_with_wrappers"),
    ("rows to models (from_db)", "django.db.models.base.Model.from_db"),
    ("prefetch_related", "django.db.models.query.prefetch_related_objects"),
    ("article_metadata()", "articles.metadata.article_metadata"),
    ("related_to()", "articles.models.article.ArticleQuerySet.related_to"),
    ("reverse()", "django.urls.base.reverse"),
]


def code_key(dotted):
    """cProfile's key of a function named by its dotted path, or None."""
    import importlib

    parts = dotted.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for name in parts[split:]:
            target = getattr(target, name, None)
        if target is None:
            return None  # not in this version of the code
        code = inspect.unwrap(target).__code__
        return code.co_filename, code.co_firstlineno, code.co_name
    return None


def prepare(args):
    """Django on the bench database, filled unless reused. Returns a dict of addresses."""
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (the database is made here).")
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [args.database]
        ).fetchone()
        fresh = not (args.reuse and exists)
        if fresh:
            connection.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
            connection.execute(f'CREATE DATABASE "{args.database}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{args.database}"))
    media = Path(tempfile.gettempdir()) / f"{args.database}-media"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        SITE_URL="http://127.0.0.1:8240",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        STATIC_ROOT=str(media.parent / f"{args.database}-static"),
        MEDIA_ROOT=str(media),
        PAGE_CACHE="off",
    )
    os.environ.pop("REDIS_URL", None)
    if fresh or not Path(os.environ["STATIC_ROOT"]).exists():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT, check=True, timeout=300,
        )  # fmt: skip
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    if fresh:
        call_command("migrate", verbosity=0)
        fill_database(args.n)
    return admin_url


def fill_database(count):
    from bench_pages import fill
    from django.db import connection

    from articles.fragments import make_all
    from articles.importing import import_articles
    from articles.models import Article, ArticleAuthor, Author

    rng = random.Random(2025)
    articles = fill(count, 40, rng)
    authors = Author.objects.bulk_create(
        Author(name=f"Reporter {n}", slug=f"reporter-{n}", job_title="Reporter",
               bio=f"Reporter {n} covers the harbour and the council.")
        for n in range(12)
    )  # fmt: skip
    bylines = []
    for article in articles[::3]:
        first, second, third = rng.sample(authors, 3)
        bylines += [
            ArticleAuthor(article=article, author=first, position=0),
            ArticleAuthor(article=article, author=second, position=1),
        ]
        if rng.random() < 0.3:
            bylines.append(
                ArticleAuthor(
                    article=article, author=third, role=ArticleAuthor.Role.PHOTOGRAPHS, position=2
                )
            )
    ArticleAuthor.objects.bulk_create(bylines, batch_size=5000)
    picks = Article.related_picks.through
    picks.objects.bulk_create(
        picks(from_article=article, to_article=rng.choice(articles), position=0)
        for article in articles[::10]
    )
    import_articles(
        [ROOT / "sample_content" / "articles"],
        time_zone="Europe/Kyiv",
        images_root=ROOT / "sample_content",
    )
    # Rows loaded in bulk have no stored fragments: made as a running site has them.
    make_all()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def pages():
    from django.utils import timezone

    from articles.models import Article, Author, Section

    public = Article.objects.published()
    # bench_http.py's article: an imported one with a figure.
    seed = public.filter(lead_figure__isnull=False, source_url__gt="").order_by("pk").first()
    # The richest generated one: authors, a section, a correction, related stories.
    rich = (
        public.filter(bylines__isnull=False, corrections__isnull=False, section__isnull=False)
        .order_by("-published_at")
        .first()
    )
    author = Author.objects.order_by("pk").first()
    section = Section.objects.filter(parent=None).order_by("position").first()
    latest = timezone.localtime(public.order_by("-published_at").first().published_at)
    return [
        ("article (seed)", seed.get_absolute_url()),
        ("article (rich)", rich.get_absolute_url()),
        ("home", "/"),
        ("tag", "/tags/harbour/"),
        ("archive (year)", f"/archive/{latest.year}/"),
        ("archive (month)", f"/archive/{latest.year}/{latest.month:02d}/"),
        ("section", section.get_absolute_url()),
        ("author", author.get_absolute_url()),
        ("feed", "/feeds/rss/"),
        ("atom feed", "/feeds/atom/"),
        ("tag feed", "/feeds/tags/harbour/rss/"),
        ("section feed", f"{section.get_absolute_url()}feeds/rss/"),
        ("author feed", f"{author.get_absolute_url()}feeds/rss/"),
    ]


def profile_page(client, url, *, runs, top):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        response = client.get(url)  # templates compiled, connection open, caches warm
        assert response.status_code == 200, (url, response.status_code)
    cpu = []
    for _ in range(runs):
        started = time.process_time()
        client.get(url)
        cpu.append((time.process_time() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    query_count = len(queries)
    # CPU time only: waiting for PostgreSQL is not the page's CPU.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(runs):
        client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = None
    shares = []
    for label, dotted in WHERE:
        row = stats.stats.get(code_key(dotted))
        cumulative = row[3] if row else 0
        if total is None:
            total = cumulative or 1
        if cumulative:
            shares.append((label, cumulative / runs * 1000, cumulative / total))
    own = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:top]
    return statistics.median(cpu), query_count, len(response.content), shares, own, runs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=3000, help="articles to generate")
    parser.add_argument("--runs", type=int, default=20, help="requests per page")
    parser.add_argument("--top", type=int, default=15, help="functions listed by own time")
    parser.add_argument("--only", default="", help="comma-separated labels (prefixes)")
    parser.add_argument("--database", default="newsroom_bench_profile")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--reuse", action="store_true", help="use a kept database as it is")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    admin_url = prepare(args)
    try:
        from django.template import engines
        from django.test import Client

        loaders = engines["django"].engine.loaders
        print(f"template loaders: {loaders}; load average {os.getloadavg()[0]:.1f}")
        client = Client(HTTP_HOST="127.0.0.1")
        wanted = [label.strip() for label in args.only.split(",") if label.strip()]
        for label, url in pages():
            if wanted and not any(label.startswith(w) for w in wanted):
                continue
            cpu, queries, size, shares, own, runs = profile_page(
                client, url, runs=args.runs, top=args.top
            )
            print(f"\n== {label} {url}: CPU {cpu:.2f} ms, {queries} queries, {size / 1024:.1f} KB")
            for name, ms, share in shares:
                print(f"   {name:<44} {ms:7.2f} ms  {share:6.1%}  (profiled)")
            print("   by own time:")
            for (file, line, function), row in own:
                short = "/".join(Path(file).parts[-3:])
                own_ms = row[2] / runs * 1000
                print(f"   {own_ms:7.3f} ms {row[1]:6d} calls  {short}:{line}({function})")
        print(f"\nload average {os.getloadavg()[0]:.1f}")
    finally:
        if not args.keep and not args.reuse:
            from bench_import import drop_database

            drop_database(admin_url, args.database)
    return 0


if __name__ == "__main__":
    sys.exit(main())
