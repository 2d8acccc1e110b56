"""Every public page in a fixed number of queries, whatever the number of articles, tags
and figures; pages told apart without counting the articles; the listing index used."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.sites.models import Site
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from articles.models.article import FRAGMENTED_PAGE_COLUMNS
from articles.views import PAGE_SIZE
from tests.factories import ArticleFactory, small_figure, warm_navigation

pytestmark = pytest.mark.django_db

# Each public page and its queries (the sections of the navigation are in the cache): the
# article (with its stored fragments; its related stories); the listings (a page of articles,
# one more row telling whether a next page exists, each joined with its stored card: no
# figures or bylines read); the feeds (their articles, each with its stored item; a tag
# feed its tag first); sitemaps, as made before they are cached (the index: a count of the
# listing index for the articles' pages and their latest change; the newest tagged article
# and the number of tags; the number of sections; the newest credited article, there none;
# a sitemap's page: its items, counted nowhere).
PAGE_QUERIES = {
    "/articles/{slug}/": 2,
    "/": 1,  # no section in the navigation here: no groups of the latest by section
    "/?page=2": 1,
    "/tags/harbour/": 2,  # the tag, the page of articles (none: a 404)
    # Whether the year has an article, its months, the page of articles.
    "/archive/{year}/": 3,
    # Whether the month has an article, the nearest months before and after, the page.
    "/archive/{year}/{month:02d}/": 4,
    "/search/?q=harbour": 2,  # a count of the bounded matches, the page of articles
    "/feeds/rss/": 1,
    "/feeds/atom/": 1,
    "/feeds/tags/harbour/rss/": 2,
    "/feeds/tags/harbour/atom/": 2,
    "/sitemap.xml": 6,
    "/sitemap-articles.xml": 1,
    "/sitemap-tags.xml": 1,
    "/news-sitemap.xml": 1,
    "/robots.txt": 0,
}


def make_articles(count, start):
    for n in range(count):
        ArticleFactory(
            headline=f"Harbour story {start + n}",
            tags=["Harbour", f"Tag {start + n}"],
            lead_figure=small_figure(),
            published_at=timezone.now() - timedelta(hours=start + n + 1),
        )


@pytest.mark.parametrize("url", PAGE_QUERIES)
def test_each_public_page_takes_a_fixed_number_of_queries(client, url, django_assert_num_queries):
    Site.objects.get_current()  # cached by the sites framework after the first request
    counts = []
    for count, start in ((PAGE_SIZE + 1, 0), (PAGE_SIZE + 5, PAGE_SIZE + 1)):
        make_articles(count, start)
        newest = Article.objects.published().first()
        address = url.format(
            slug=newest.slug, year=newest.published_at.year, month=newest.published_at.month
        )
        cache.clear()  # sitemaps are cached: count the queries that make them
        warm_navigation()
        with django_assert_num_queries(PAGE_QUERIES[url]) as queries:
            assert client.get(address).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def selected_columns(sql):
    """The columns of the article table a query selects: ["id", "published_at"…]."""
    selected = sql.split(" FROM ", 1)[0]
    return [column for table, column in COLUMN.findall(selected) if table == "articles_article"]


COLUMN = re.compile(r'"(\w+)"\."(\w+)"')


def test_the_month_archive_reads_only_the_dates_of_its_nearest_months(client):
    """Django's date-based views look up the nearest dates with an article before and
    after (the month page links them): they read those articles' dates, not their rows."""
    for year, month in ((2024, 3), (2024, 5), (2024, 7)):
        ArticleFactory(published_at=datetime(year, month, 10, 12, tzinfo=UTC))
    warm_navigation()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/archive/2024/05/")
    links = BeautifulSoup(response.content, "html.parser").select("a[rel]")
    assert {a["rel"][0]: a["href"] for a in links} == {
        "prev": "/archive/2024/03/",
        "next": "/archive/2024/07/",
    }
    columns = [selected_columns(query["sql"]) for query in queries]
    assert columns.count(["id", "published_at"]) == 2  # the months before and after
    # The listed articles, with their cards (for_cards()): no body either.
    assert set(columns[-1]) == {"id", *FRAGMENTED_PAGE_COLUMNS}
    assert not {"body", "body_html", "search_vector"} & {c for cs in columns for c in cs}


def page_links(response):
    nav = BeautifulSoup(response.content, "html.parser").select_one("nav.pagination")
    if nav is None:
        return None
    return {a["rel"][0]: a["href"] for a in nav.find_all("a")}, " ".join(
        nav.span.get_text().split()
    )


def test_pages_are_linked_without_counting_and_past_the_last_is_404(client):
    make_articles(2 * PAGE_SIZE + 1, 0)

    with CaptureQueriesContext(connection) as queries:
        first = client.get("/")
    assert not [q for q in queries if "COUNT(" in q["sql"].upper()]
    assert page_links(first) == ({"next": "?page=2"}, "Page 1")

    assert page_links(client.get("/?page=2")) == ({"prev": "?page=1", "next": "?page=3"}, "Page 2")
    last = client.get("/?page=3")
    assert page_links(last) == ({"prev": "?page=2"}, "Page 3")
    cards = BeautifulSoup(last.content, "html.parser").select("article.card")
    assert len(cards) == 1

    assert client.get("/?page=4").status_code == 404
    assert client.get("/?page=0").status_code == 404
    assert client.get("/?page=two").status_code == 404
    # Django's "last" counts, once asked for.
    assert page_links(client.get("/?page=last")) == ({"prev": "?page=2"}, "Page 3")


def test_a_full_last_page_has_no_next_link(client):
    make_articles(PAGE_SIZE, 0)
    assert client.get("/").status_code == 200
    assert page_links(client.get("/")) is None  # one page: no navigation
    assert client.get("/?page=2").status_code == 404


def test_the_tag_pages_list_only_the_tags_articles_and_end_in_404(client):
    make_articles(PAGE_SIZE + 1, 0)
    ArticleFactory(headline="Not tagged harbour", tags=["Other"])
    second = client.get("/tags/harbour/?page=2")
    assert [h.get_text() for h in BeautifulSoup(second.content, "html.parser").select("h2")] == [
        f"Harbour story {PAGE_SIZE}"
    ]
    assert client.get("/tags/harbour/?page=3").status_code == 404
    assert client.get("/tags/other/?page=2").status_code == 404


def test_a_page_shows_the_articles_in_order_across_pages(client):
    make_articles(PAGE_SIZE + 2, 0)
    shown = []
    for number in (1, 2):
        page = BeautifulSoup(client.get(f"/?page={number}").content, "html.parser")
        shown += [h.get_text() for h in page.select("h2.card__headline")]
    assert shown == [f"Harbour story {n}" for n in range(PAGE_SIZE + 2)]


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's planner: run with DATABASE_URL"
)
def test_the_home_page_reads_the_listing_index(client):
    make_articles(30, 0)
    ArticleFactory.create_batch(5, status=Article.Status.DRAFT)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")
        # A small table, which PostgreSQL would rather read whole: make it plan as it
        # does at scale (SET LOCAL: until the test's transaction ends).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        # Nor sort, whose cost the statistics other tests leave behind (pg_class is not
        # rolled back) can make look cheap: without the index a Sort is still the only way.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
    shown = Article.objects.published().order_by("-published_at", "-pk").values("pk")
    plan = shown[PAGE_SIZE : 2 * PAGE_SIZE].explain()
    assert "Index Only Scan Backward using article_published_order_idx" in plan
    assert "Sort" not in plan
