"""Time what readers and crawlers ask for over N published articles: milliseconds and SQL
queries per request, as Django serves it (view, queries, template; no network).

    .venv/bin/python bench/bench_pages.py                    # SQLite, 10,000 articles
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_pages.py

Never touches your data: on PostgreSQL it uses the server of DATABASE_URL but a database
called `newsroom_bench_pages` (or --database), made afresh and dropped again unless
--keep; pages the site caches (the sitemaps) are timed as they are made, not as served from
the cache; on SQLite a temporary file, and media in a temporary folder. Articles are written
with bulk_create, each with three of twelve tags and one of --figures lead figures whose
files and renditions are real, so pages carry their srcset, Open Graph image and credit;
one article in twenty has a correction. Sections: eight top-level sections with two
subsections each; nine articles in ten have one of the 24 (so fronts, breadcrumbs and
related stories have real work). On PostgreSQL
the plans of the related-stories and section-front queries are printed (EXPLAIN ANALYZE).
"""

import argparse
import io
import random
import statistics
import sys
import time
from datetime import timedelta

from bench_import import django_on_a_throwaway_database
from bench_search import articles as generated_articles

RUNS = 15
SECTIONS = ["World", "Politics", "Business", "Science", "Sport", "Culture", "Opinion", "Local"]
TAGS = [
    "council", "budget", "harbour", "schools", "transport", "weather", "courts", "health",
    "culture", "sport", "business", "housing",
]  # fmt: skip


def make_figures(count):
    from django.core.files.base import ContentFile
    from PIL import Image

    from articles.models import Figure, ImageCredit, License

    licence = License.objects.create(
        name="CC BY 4.0", url="https://creativecommons.org/licenses/by/4.0/"
    )
    credit = ImageCredit.objects.create(
        author="Staff photographer", author_url="https://photos.example/", license=licence
    )
    figures = []
    for n in range(count):
        buffer = io.BytesIO()
        Image.new("RGB", (1600, 900), (20 * n % 255, 90, 160)).save(buffer, "JPEG")
        figures.append(
            Figure.objects.create(
                image=ContentFile(buffer.getvalue(), name=f"photo-{n}.jpg"),
                alt_text=f"Photograph number {n}",
                caption=f"Caption of photograph {n}.",
                credit=credit,
            )
        )
    return figures


def make_sections():
    from articles.models import Section

    sections = []
    for position, name in enumerate(SECTIONS):
        top = Section.objects.create(name=name, slug=name.lower(), position=position)
        sections.append(top)
        for child in ("North", "South"):
            sections.append(
                Section.objects.create(
                    name=f"{name} {child}", slug=f"{name.lower()}-{child.lower()}", parent=top
                )
            )
    return sections


def fill(count, figure_count, rng):
    from articles.models import Article, Correction, Tag, TaggedArticle

    figures = make_figures(figure_count)
    sections = make_sections()
    tags = Tag.objects.bulk_create(Tag(name=name, slug=name) for name in TAGS)
    rows = []
    for article in generated_articles(count, rng):
        article.lead_figure = rng.choice(figures)
        article.section = rng.choice(sections) if rng.random() < 0.9 else None
        rows.append(article)
    articles = Article.objects.bulk_create(rows, batch_size=2000)
    TaggedArticle.objects.bulk_create(
        (
            TaggedArticle(content_object=article, tag=tag)
            for article in articles
            for tag in rng.sample(tags, 3)
        ),
        batch_size=5000,
    )
    # One article in twenty corrected, as a busy newsroom's archive might be.
    Correction.objects.bulk_create(
        (
            Correction(
                article=article,
                text="An earlier version of this article misstated the cost of the bridge.",
                published_at=article.published_at + timedelta(hours=6),
            )
            for article in articles[::20]
        ),
        batch_size=2000,
    )
    return articles


def pages(articles):
    """(label, URL) pairs: each kind of page a reader or a crawler requests."""
    newest, middle = articles[-1], articles[len(articles) // 2]
    day = middle.published_at
    return [
        ("home", "/"),
        ("home, page 50", "/?page=50"),
        ("article (newest)", newest.get_absolute_url()),
        ("article (middle)", middle.get_absolute_url()),
        ("tag", "/tags/harbour/"),
        ("tag, page 20", "/tags/harbour/?page=20"),
        ("year archive", f"/archive/{day.year}/"),
        ("month archive", f"/archive/{day.year}/{day.month:02d}/"),
        ("search", "/search/?q=harbour+bridge"),
        ("RSS feed", "/feeds/rss/"),
        ("Atom feed", "/feeds/atom/"),
        ("tag feed", "/feeds/tags/harbour/rss/"),
        ("section front", "/sections/world/"),
        ("section, page 20", "/sections/world/?page=20"),
        ("subsection front", "/sections/world-north/"),
        ("section feed", "/sections/world/feeds/rss/"),
        ("corrections", "/corrections/"),
        ("corrections, p. 10", "/corrections/?page=10"),
        ("corrections feed", "/feeds/corrections/rss/"),
        ("sitemap index", "/sitemap.xml"),
        ("sitemap: articles", "/sitemap-articles.xml"),
        ("sitemap: tags", "/sitemap-tags.xml"),
        ("sitemap: sections", "/sitemap-sections.xml"),
        ("news sitemap", "/news-sitemap.xml"),
    ]


def time_page(client, url):
    """Median and slowest milliseconds of making the page (never from the cache), its
    queries and its size."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    for _ in range(RUNS):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings), max(timings), len(queries), len(response.content)


def time_related(articles, rng):
    """Milliseconds of the related-stories query alone (the article's tags prefetched, as
    on its page), over a sample of articles."""
    from articles.models import Article

    timings = []
    for article in rng.sample(articles, 200):
        article = Article.objects.for_detail().get(pk=article.pk)
        started = time.perf_counter()
        list(Article.objects.related_to(article))
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95)], timings[-1]


def explain(articles):
    """PostgreSQL's plans of the related-stories query, a section front's page and the
    home page's groups."""
    from django.db import connection

    from articles.models import Article, Section

    article = Article.objects.for_detail().get(pk=articles[len(articles) // 2].pk)
    world = Section.objects.get(slug="world")
    front = (
        Article.objects.published()
        .filter(section__in=Section.objects.family_ids([world.pk]))
        .for_listing()[240:252]
    )
    tree = Section.objects.tree()
    groups = Article.objects.published().latest_by_section(
        [tree.family_ids(section.pk) for section in tree.navigation()],
        per_section=4,
        leaving_out=Article.objects.published().values_list("pk", flat=True)[:12],
    )
    for label, queryset in (
        (
            "related stories",
            Article.objects.related_query(
                article.pk, article.section_id, [tag.pk for tag in article.tags.all()][:5]
            ),
        ),
        ("section front, page 21", front),
        ("home page's groups by section", groups),
    ):
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", params)
            plan = "\n    ".join(row[0] for row in cursor.fetchall())
        print(f"  plan of the {label}:\n    {plan}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="articles to generate")
    parser.add_argument("--figures", type=int, default=40, help="distinct lead figures")
    parser.add_argument("--database", default="newsroom_bench_pages", help="PostgreSQL only")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()

    with django_on_a_throwaway_database(args.database, keep=args.keep):
        from django.db import connection
        from django.test import Client

        started = time.perf_counter()
        articles = fill(args.n, args.figures, random.Random(2025))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        print(
            f"wrote {args.n:,} articles, {args.figures} figures with renditions and "
            f"{3 * args.n:,} taggings in {time.perf_counter() - started:.1f} s"
        )
        print(f"median and slowest of {RUNS} requests each:")
        client = Client(HTTP_HOST="127.0.0.1")
        for label, url in pages(articles):
            median, slowest, queries, size = time_page(client, url)
            print(
                f"  {label:<18} {median:7.1f} ms  (slowest {slowest:7.1f})  "
                f"{queries:2d} queries  {size / 1024:7.1f} KB  {url}"
            )
        median, p95, slowest = time_related(articles, random.Random(7))
        print(
            f"  related stories query alone, 200 articles: median {median:.2f} ms, "
            f"95th percentile {p95:.2f} ms, slowest {slowest:.2f} ms"
        )
        if connection.vendor == "postgresql":
            explain(articles)
    return 0


if __name__ == "__main__":
    sys.exit(main())
