"""Listings that stay fast at 100,000 articles (bench/bench_listings.py times them): the
sitemap index without counting every article's tags and years, sitemap pages without a
count, the search's candidates looked up by primary key, and the indexes these use."""

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as etree  # noqa: N813, S405 - parses our own output
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.contrib.sites.models import Site
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import pagination, sitemaps
from articles.metadata import modified_time
from articles.models import Article, Author, Section
from articles.views import PAGE_SIZE
from tests.factories import ArticleFactory, small_figure, warm_navigation

pytestmark = pytest.mark.django_db

SM = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://news.example"
    Site.objects.filter(pk=1).update(domain="news.example")
    Site.objects.clear_cache()


def index(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = etree.fromstring(response.content)  # noqa: S314
    return {
        entry.findtext("sm:loc", namespaces=SM).removeprefix("https://news.example"): (
            entry.findtext("sm:lastmod", namespaces=SM)
        )
        for entry in root.iterfind("sm:sitemap", SM)
    }


def urls(client, address):
    response = client.get(address)
    assert response.status_code == 200, address
    root = etree.fromstring(response.content)  # noqa: S314
    return [loc.text.removeprefix("https://news.example") for loc in root.iterfind(".//sm:loc", SM)]


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def test_the_index_dates_tags_sections_and_authors_by_the_newest_article_showing_one(client):
    world, _empty = Section.objects.create(name="World", slug="world"), Section.objects.create(
        name="Empty", slug="empty"
    )
    jane = Author.objects.create(name="Jane Doe")
    ArticleFactory(published_at=ago(hours=1), tags=[])  # shows none of them
    tagged = ArticleFactory(published_at=ago(hours=2), tags=["War"])
    in_world = ArticleFactory(published_at=ago(hours=3), section=world, tags=[])
    credited = ArticleFactory(published_at=ago(hours=4), tags=[])
    credited.save(authors=[jane])
    # Newer, but not public: a draft and a scheduled article show all three.
    for hidden in (
        ArticleFactory(status=Article.Status.DRAFT, section=world, tags=["War"]),
        ArticleFactory(published_at=ago(hours=-1), section=world, tags=["War"]),
    ):
        hidden.save(authors=[jane])

    listed = index(client)

    def day_of(article):
        return datetime.fromisoformat(listed[f"/sitemap-{article}.xml"])

    assert day_of("tags") == tagged.published_at
    # An empty section is listed but has no date: the sitemap's is still its newest.
    assert day_of("sections") == in_world.published_at
    assert day_of("authors") == credited.published_at
    assert "/sitemap-listings.xml" in listed


def test_a_sitemap_longer_than_a_page_is_listed_page_by_page(client, monkeypatch):
    monkeypatch.setattr(sitemaps.TagSitemap, "limit", 2)
    monkeypatch.setattr(sitemaps.ArticleSitemap, "limit", 2)
    ArticleFactory(tags=["Alpha", "Beta", "Gamma"], published_at=ago(hours=3))
    ArticleFactory(tags=["Delta", "Epsilon"], published_at=ago(hours=2))
    ArticleFactory(tags=[], published_at=ago(hours=1))
    ArticleFactory(tags=["Only drafts"], status=Article.Status.DRAFT)

    listed = index(client)
    # Five tags with a public article, two a page; three articles, two a page.
    assert [loc for loc in listed if "tags" in loc] == [
        "/sitemap-tags.xml",
        "/sitemap-tags.xml?p=2",
        "/sitemap-tags.xml?p=3",
    ]
    assert [loc for loc in listed if "articles" in loc] == [
        "/sitemap-articles.xml",
        "/sitemap-articles.xml?p=2",
    ]
    tags = [urls(client, f"/sitemap-tags.xml?p={page}") for page in (1, 2, 3)]
    assert tags == [
        ["/tags/alpha/", "/tags/beta/"],
        ["/tags/delta/", "/tags/epsilon/"],
        ["/tags/gamma/"],
    ]
    assert client.get("/sitemap-tags.xml?p=4").status_code == 404
    newest_first = [a.get_absolute_url() for a in Article.objects.published()]
    assert urls(client, "/sitemap-articles.xml") + urls(
        client, "/sitemap-articles.xml?p=2"
    ) == newest_first
    assert client.get("/sitemap-articles.xml?p=3").status_code == 404
    assert client.get("/sitemap-articles.xml?p=0").status_code == 404
    assert client.get("/sitemap-articles.xml?p=two").status_code == 404


def test_the_index_does_not_read_the_years_and_its_queries_do_not_grow(
    client, django_assert_max_num_queries
):
    client.get("/sitemap.xml")  # the sites framework caches its row after the first request
    world = Section.objects.create(name="World", slug="world")
    counts = []
    for size in (1, 6):
        for n in range(size):
            article = ArticleFactory(
                section=world, tags=[f"Tag {size}-{n}"], published_at=ago(days=400 * n + 1)
            )
            article.save(authors=[Author.objects.create(name=f"Author {size}-{n}")])
        cache.clear()
        warm_navigation()
        # The articles' count and latest change; per tags and authors their table's count
        # and newest public article; the sections' count and newest article.
        with django_assert_max_num_queries(8) as queries:
            assert len(index(client)) == 5
        assert not [q for q in queries if "DISTINCT" in q["sql"].upper()]
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_listings_sitemap_lists_each_year_with_articles_in_the_sites_time_zone(
    client, settings
):
    settings.TIME_ZONE = "Europe/Kyiv"
    timezone.deactivate()  # the new default zone from now on
    # 22:30 UTC on New Year's Eve is already the new year in Kyiv.
    ArticleFactory(published_at=datetime(2021, 12, 31, 22, 30, tzinfo=UTC))
    ArticleFactory(published_at=datetime(2019, 6, 1, tzinfo=UTC))  # 2020 has none
    ArticleFactory(published_at=datetime(2018, 12, 31, 22, 30, tzinfo=UTC))
    ArticleFactory(published_at=datetime(2017, 6, 1, tzinfo=UTC), status=Article.Status.DRAFT)
    ArticleFactory(published_at=ago(hours=-2))  # scheduled: its year is not listed for it
    assert Article.objects.published().years() == [2022, 2019]
    expected = ["/", "/archive/2022/", "/archive/2019/"]
    assert urls(client, "/sitemap-listings.xml") == expected
    assert Article.objects.none().years() == []
    with timezone.override(ZoneInfo("UTC")):
        assert Article.objects.published().years() == [2021, 2019, 2018]


def test_latest_change_is_the_later_of_publication_and_public_update():
    def article(published, updated, **fields):
        made = ArticleFactory(published_at=published, **fields)
        Article.objects.filter(pk=made.pk).update(updated_publicly_at=updated)
        made.refresh_from_db()
        return made

    assert Article.objects.published().latest_change() is None
    article(ago(days=3), ago(hours=5))
    newest = article(ago(hours=4), None)
    article(None, ago(minutes=1), status=Article.Status.DRAFT)
    article(ago(hours=-1), ago(minutes=2))  # scheduled, updated: not public yet
    expected = max(modified_time(a) for a in Article.objects.published())
    assert Article.objects.published().latest_change() == expected == newest.published_at
    later = article(ago(days=2), ago(minutes=30))
    assert Article.objects.published().latest_change() == later.updated_publicly_at


def explain_captured(run):
    with CaptureQueriesContext(connection) as captured:
        run()
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute(f"EXPLAIN {query['sql']}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


def plan_as_at_scale():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")
        # A small table, which PostgreSQL would rather read whole: make it plan as it
        # does at scale (SET LOCAL: until the test's transaction ends; pg_class statistics
        # other tests leave behind are not rolled back).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's planner: run with DATABASE_URL"
)


@pytest.mark.postgres
@postgresql_only
def test_the_latest_public_update_is_read_from_its_index():
    for n in range(30):
        made = ArticleFactory(published_at=ago(hours=n + 1))
        Article.objects.filter(pk=made.pk).update(updated_publicly_at=ago(minutes=n))
    plan_as_at_scale()
    (plan,) = explain_captured(lambda: Article.objects.published().latest_change())
    assert "article_public_update_idx" in plan


@pytest.mark.postgres
@postgresql_only
def test_search_counts_its_candidates_alone_and_looks_them_up_by_primary_key(client):
    for n in range(30):
        ArticleFactory(headline=f"Harbour bridge {n}", published_at=ago(hours=n + 1))
    warm_navigation()  # the cards stored: the page only reads
    plan_as_at_scale()
    plans = explain_captured(lambda: client.get("/search/?q=harbour+bridge"))
    counted = [plan for plan in plans if plan.startswith("Aggregate")]
    ranked = [plan for plan in plans if "ts_rank" in plan]
    assert len(counted) == len(ranked) == 1
    # The count reads the candidates once, from one scan: no second look at the table.
    (count,) = counted
    assert count.count("on articles_article") == 1, count
    # The ranked page asks for the candidates' rows by id (at scale, from the primary key;
    # on a test's few rows, statistics other tests leave behind may have the planner read
    # another index first and filter by id, so the plan's choice is not asserted here).
    assert "id = ANY ($" in ranked[0], ranked[0]


def test_the_search_page_counts_the_candidates_it_ranks(client, monkeypatch):
    monkeypatch.setattr("articles.views.SEARCH_CANDIDATES", 3)
    monkeypatch.setattr("articles.models.article.SEARCH_CANDIDATES", 3)
    for n in range(2):
        ArticleFactory(headline=f"Harbour story {n}", body="Harbour.")
    ArticleFactory(headline="Harbour draft", status=Article.Status.DRAFT, body="Harbour.")
    page = BeautifulSoup(client.get("/search/?q=harbour").content, "html.parser")
    assert page.select_one(".result-count").get_text() == "2 articles found."
    for n in range(2, 5):
        ArticleFactory(headline=f"Harbour story {n}", body="Harbour.")
    cache.clear()
    page = BeautifulSoup(client.get("/search/?q=harbour").content, "html.parser")
    assert page.select_one(".result-count").get_text().startswith("3 or more articles found")
    assert len(page.select("h2.card__headline")) == 3
    page = BeautifulSoup(client.get("/search/?q=").content, "html.parser")
    assert not page.select("h2.card__headline")

def cards(response):
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    return [h.get_text() for h in page.select("h2.card__headline")]


def links(response):
    nav = BeautifulSoup(response.content, "html.parser").select_one("nav.pagination")
    return {a["rel"][0]: a["href"] for a in nav.find_all("a")} if nav else {}


@pytest.fixture
def keyset_from_page_3(monkeypatch):
    monkeypatch.setattr(pagination, "KEYSET_FROM", 3)


def stories(count, **fields):
    return [
        ArticleFactory(headline=f"Story {n}", published_at=ago(hours=n + 1), **fields)
        for n in range(count)
    ]


def test_deep_pages_read_on_from_the_last_article_shown_and_back(client, keyset_from_page_3):
    made = stories(4 * PAGE_SIZE + 3, tags=["Harbour"])
    for start in ("/", "/tags/harbour/"):
        shown, address, addresses = [], start, []
        while address:
            response = client.get(address if address.startswith("/") else start + address)
            shown += cards(response)
            addresses.append(address)
            address = links(response).get("next")
        assert shown == [article.headline for article in made]
        # Pages 1 and 2 by number, from page 3 on the last article of the page before.
        last_of = {n: made[n * PAGE_SIZE - 1].pk for n in range(1, 5)}
        assert addresses[1:] == [
            "?page=2",
            f"?page=3&after={last_of[2]}",
            f"?page=4&after={last_of[3]}",
            f"?page=5&after={last_of[4]}",
        ]
        # And back: the Newer links lead to the same pages.
        back = []
        while address := links(response).get("prev"):
            response = client.get(start + address)
            back = cards(response) + back
        assert back == shown[: 4 * PAGE_SIZE]
        assert address is None and cards(response) == shown[:PAGE_SIZE]


def test_a_keyset_page_keeps_its_articles_and_says_so_in_its_canonical(
    client, keyset_from_page_3
):
    made = stories(3 * PAGE_SIZE + 1)
    address = f"/?page=3&after={made[2 * PAGE_SIZE - 1].pk}"
    before = cards(client.get(address))
    numbered = cards(client.get("/?page=3"))
    assert before == numbered == [a.headline for a in made[2 * PAGE_SIZE : 3 * PAGE_SIZE]]
    ArticleFactory(headline="Breaking", published_at=ago(minutes=1))
    cache.clear()
    assert cards(client.get(address)) == before  # the same address, the same stories
    assert cards(client.get("/?page=3")) != before  # a number moves on with the news
    page = BeautifulSoup(client.get(address).content, "html.parser")
    canonical = page.select_one('link[rel="canonical"]')["href"]
    assert canonical.endswith(f"/?page=3&after={made[2 * PAGE_SIZE - 1].pk}")


@pytest.mark.parametrize(
    "query", ["after=abc", "after=-1", "after=0", "after=99999999999999999999", "after=1&before=1",
              "after=١٢", "after=424242"],
)  # fmt: skip
def test_a_cursor_that_is_not_ours_is_404(client, query):
    stories(PAGE_SIZE + 1, tags=["Harbour"])
    assert client.get(f"/?page=3&{query}").status_code == 404
    assert client.get(f"/tags/harbour/?page=3&{query}").status_code == 404


def test_a_keyset_page_takes_the_queries_of_any_other(client, django_assert_num_queries):
    made = stories(3 * PAGE_SIZE, lead_figure=small_figure())
    warm_navigation()
    client.get("/?page=2")
    with CaptureQueriesContext(connection) as numbered:
        cards(client.get("/?page=3"))
    assert len(numbered) == 1  # as PAGE_QUERIES pins "/?page=2"
    with django_assert_num_queries(1):
        cards(client.get(f"/?page=3&after={made[2 * PAGE_SIZE - 1].pk}"))
    with django_assert_num_queries(1):
        cards(client.get(f"/?page=2&before={made[2 * PAGE_SIZE].pk}"))


@pytest.mark.postgres
@postgresql_only
def test_a_keyset_page_reads_the_listing_index_from_its_article():
    made = stories(40)
    ArticleFactory.create_batch(3, status=Article.Status.DRAFT)
    plan_as_at_scale()
    paginator = pagination.UncountedPaginator(
        Article.objects.published().for_cards(), PAGE_SIZE, after=str(made[20].pk)
    )
    plans = explain_captured(lambda: paginator.page(3))
    (articles,) = [plan for plan in plans if "articles_articlefragments" in plan]
    assert "Index Only Scan Backward using article_published_order_idx" in articles
    assert "published_at <= $" in articles  # the scan starts at the article
    assert "Sort Key: u0" not in articles  # and needs no sort of its own


def test_the_year_archive_lists_the_months_as_django_would_in_the_sites_time_zone(
    client, settings
):
    settings.TIME_ZONE = "Europe/Kyiv"
    timezone.deactivate()
    for moment in (
        datetime(2023, 1, 31, 22, 30, tzinfo=UTC),  # February in Kyiv
        datetime(2023, 3, 15, tzinfo=UTC),
        datetime(2023, 3, 16, tzinfo=UTC),
        datetime(2023, 12, 31, 22, 30, tzinfo=UTC),  # 2024 in Kyiv
        datetime(2022, 12, 31, 22, 30, tzinfo=UTC),  # January 2023 in Kyiv
    ):
        ArticleFactory(published_at=moment)
    ArticleFactory(published_at=datetime(2023, 7, 1, tzinfo=UTC), status=Article.Status.DRAFT)
    response = client.get("/archive/2023/")
    in_2023 = Article.objects.published().filter(published_at__year=2023)
    expected = list(in_2023.datetimes("published_at", "month"))
    assert response.context["date_list"] == expected
    assert [m.month for m in expected] == [1, 2, 3]
    months = BeautifulSoup(response.content, "html.parser").select(".archive-nav a")
    assert [a["href"] for a in months] == [f"/archive/2023/{m:02d}/" for m in (1, 2, 3)]
    assert Article.objects.none().months(2023) == []
    assert client.get("/archive/2021/").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/?page=99999999999999999999",
        "/?page=768614336404564651",  # times 12, past a bigint
        "/tags/war/?page=768614336404564651",
        "/sitemap-articles.xml?p=99999999999999999999",
        "/sitemap-tags.xml?p=768614336404564651",
    ],
)
def test_a_page_past_any_database_integer_is_404_not_an_error(client, url):
    ArticleFactory(tags=["War"])
    assert client.get(url).status_code == 404
