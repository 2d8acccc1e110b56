"""RSS and Atom feeds, sitemaps and the Google News sitemap: exactly the public articles."""

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as etree  # noqa: N813, S405 - parses our own output

import feedparser
import pytest
from django.contrib.sites.models import Site
from django.core.cache import cache
from django.utils import timezone

from articles.metadata import iso_datetime, modified_time
from articles.models import Article
from articles.sitemaps import ArticleSitemap
from tests.factories import (
    ArticleFactory,
    FigureFactory,
    seed_article,
    small_figure,
    warm_navigation,
)

pytestmark = pytest.mark.django_db

SITEMAP_NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://news.example"


@pytest.fixture
def articles():
    """Two public articles (one with a lead image) and one of each hidden kind."""
    now = timezone.now()
    public = [
        seed_article(published_at=now - timedelta(hours=2)),
        ArticleFactory(published_at=now - timedelta(days=5), tags=["Ukraine"], byline="Ann Lee"),
    ]
    hidden = [
        ArticleFactory(status=Article.Status.DRAFT, tags=["Ukraine"]),
        ArticleFactory(published_at=now + timedelta(hours=3), tags=["Ukraine"]),
        ArticleFactory(status=Article.Status.WITHDRAWN, tags=["Ukraine"]),
    ]
    return public, hidden


def absolute(article):
    return f"https://news.example{article.get_absolute_url()}"


@pytest.mark.parametrize("url", ["/feeds/rss/", "/feeds/atom/"])
def test_feeds_parse_and_list_only_public_articles(client, articles, url):
    (seed, older), _hidden = articles
    response = client.get(url)
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Newsroom"
    assert feed.feed.link == "https://news.example/"
    assert [entry.link for entry in feed.entries] == [absolute(seed), absolute(older)]

    entry = feed.entries[0]
    assert entry.title == seed.headline
    assert entry.summary == seed.description
    assert datetime(*entry.published_parsed[:6], tzinfo=UTC) == (
        seed.published_at.replace(microsecond=0)
    )
    assert sorted(tag.term for tag in entry.tags) == ["Ukraine", "War"]
    (enclosure,) = [link for link in entry.links if link.rel == "enclosure"]
    assert enclosure.type == "image/jpeg"
    assert enclosure.href.startswith("https://news.example/media/renditions/")
    assert feed.entries[1].author == "Ann Lee"
    # Without a lead figure: the site's share card, as in the page's og:image.
    (card,) = [link for link in feed.entries[1].links if link.rel == "enclosure"]
    assert card.href == "https://news.example/static/images/share.png"
    assert card.type == "image/png"


def test_feed_summary_falls_back_to_the_lede_then_the_body(client):
    ArticleFactory(description="", lede="", body="Only the *body* says anything.")
    entry = feedparser.parse(client.get("/feeds/rss/").content).entries[0]
    assert entry.summary == "Only the body says anything."


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_tag_feed_lists_public_articles_with_the_tag(client, articles, kind):
    (seed, older), _hidden = articles
    feed = feedparser.parse(client.get(f"/feeds/tags/ukraine/{kind}/").content)
    assert not feed.bozo
    assert "Ukraine" in feed.feed.title
    assert [entry.link for entry in feed.entries] == [absolute(seed), absolute(older)]
    assert client.get(f"/feeds/tags/no-such-tag/{kind}/").status_code == 404


def test_feed_enclosure_falls_back_to_the_original_image_url(client):
    figure = FigureFactory(image=None, original_url="https://old.example/img/photo.webp")
    ArticleFactory(lead_figure=figure)
    entry = feedparser.parse(client.get("/feeds/rss/").content).entries[0]
    (enclosure,) = [link for link in entry.links if link.rel == "enclosure"]
    assert enclosure.href == "https://old.example/img/photo.webp"
    assert enclosure.type == "image/webp"


def test_feed_queries_do_not_grow_with_the_feed(client, django_assert_max_num_queries):
    client.get("/feeds/rss/")  # the sites framework caches its row after the first request
    counts = []
    for size in (2, 12):
        for _ in range(size):
            ArticleFactory(lead_figure=small_figure(), tags=["A", "B"])
        warm_navigation()  # their fragments made, as after each write
        # The articles, each with its stored item.
        with django_assert_max_num_queries(1) as queries:
            client.get("/feeds/rss/")
        counts.append(len(queries))
    assert counts[0] == counts[1]


def locations(client, url):
    response = client.get(url)
    assert response.status_code == 200
    root = etree.fromstring(response.content)  # noqa: S314
    return root, [loc.text for loc in root.iterfind(".//sm:loc", SITEMAP_NS)]


def test_sitemap_index_names_its_sections(client, articles):
    # The index takes its host from the sites framework, which migrate syncs to SITE_URL.
    Site.objects.filter(pk=1).update(domain="news.example")
    Site.objects.clear_cache()
    _root, children = locations(client, "/sitemap.xml")
    assert children == [
        "https://news.example/sitemap-articles.xml",
        "https://news.example/sitemap-tags.xml",
        "https://news.example/sitemap-listings.xml",
    ]


def test_sitemap_index_leaves_out_empty_sections(client):
    ArticleFactory(tags=[])  # published, and no tag anywhere
    Site.objects.filter(pk=1).update(domain="news.example")
    Site.objects.clear_cache()
    _root, sections = locations(client, "/sitemap.xml")
    assert sections == [
        "https://news.example/sitemap-articles.xml",
        "https://news.example/sitemap-listings.xml",
    ]


def test_sitemap_index_dates_each_section_by_its_latest_change(client):
    now = timezone.now()

    def article(published, updated, **kwargs):
        made = ArticleFactory(published_at=published, **kwargs)
        Article.objects.filter(pk=made.pk).update(updated_publicly_at=updated)

    article(now - timedelta(days=9), now - timedelta(days=9) + timedelta(minutes=1))
    article(now - timedelta(days=3), now - timedelta(hours=1))  # updated an hour ago
    # Saved (a minor fix, an import) just now: its publication time counts.
    article(now - timedelta(hours=2), None)
    article(None, now + timedelta(hours=1), status=Article.Status.DRAFT)

    latest = max(modified_time(a) for a in Article.objects.published())
    assert latest == now - timedelta(hours=1)
    assert ArticleSitemap().get_latest_lastmod() == latest

    root, _children = locations(client, "/sitemap.xml")
    (articles_entry, *_rest) = root.iterfind("sm:sitemap", SITEMAP_NS)
    lastmod = datetime.fromisoformat(articles_entry.findtext("sm:lastmod", namespaces=SITEMAP_NS))
    assert lastmod == latest


def test_sitemap_index_queries_do_not_grow_with_articles(client, django_assert_max_num_queries):
    client.get("/sitemap.xml")  # the sites framework caches its row after the first request
    counts = []
    for size in (2, 20):
        for _ in range(size):
            ArticleFactory(tags=["War"])
        cache.clear()
        warm_navigation()
        # One count for each sitemap's pages (articles, tags, sections, authors, listings).
        with django_assert_max_num_queries(7) as queries:
            assert client.get("/sitemap.xml").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_article_sitemap_lists_exactly_the_published_articles(client, articles):
    public, hidden = articles
    root, urls = locations(client, "/sitemap-articles.xml")
    assert sorted(urls) == sorted(absolute(article) for article in public)
    lastmods = [el.text for el in root.iterfind(".//sm:lastmod", SITEMAP_NS)]
    assert len(lastmods) == 2 and all(len(day) == 10 for day in lastmods)


def test_tag_and_listing_sitemaps(client, articles):
    _root, tags = locations(client, "/sitemap-tags.xml")
    assert tags == ["https://news.example/tags/ukraine/", "https://news.example/tags/war/"]
    ArticleFactory(status=Article.Status.DRAFT, tags=["Only drafts"])
    assert "https://news.example/tags/only-drafts/" not in locations(client, "/sitemap-tags.xml")[1]

    _root, listings = locations(client, "/sitemap-listings.xml")
    year = timezone.localtime(articles[0][0].published_at).year
    assert "https://news.example/" in listings
    assert f"https://news.example/archive/{year}/" in listings


def test_news_sitemap_lists_only_the_last_48_hours(client, settings, articles):
    (seed, _older), _hidden = articles
    ArticleFactory(published_at=timezone.now() - timedelta(hours=49))
    root, urls = locations(client, "/news-sitemap.xml")
    assert urls == [absolute(seed)]
    (news,) = root.iterfind(".//news:news", SITEMAP_NS)
    assert news.findtext("news:publication/news:name", namespaces=SITEMAP_NS) == "Newsroom"
    assert news.findtext("news:publication/news:language", namespaces=SITEMAP_NS) == "en"
    published = news.findtext("news:publication_date", namespaces=SITEMAP_NS)
    assert published == iso_datetime(seed.published_at) and published[-6] in "+-"
    assert news.findtext("news:title", namespaces=SITEMAP_NS) == seed.headline


def test_sitemaps_escape_hostile_titles(client):
    ArticleFactory(headline="Tom & Jerry <script>", slug="tom-and-jerry")
    response = client.get("/news-sitemap.xml")
    assert b"Tom &amp; Jerry &lt;script&gt;" in response.content
    root = etree.fromstring(response.content)  # noqa: S314
    assert root.findtext(".//news:title", namespaces=SITEMAP_NS) == "Tom & Jerry <script>"


@pytest.mark.parametrize("url", ["/feeds/rss/", "/feeds/atom/"])
def test_feeds_carry_hostile_text_as_text(client, url):
    hostile = '</title><script>alert(1)</script> & "quotes" ]]>'
    ArticleFactory(
        headline=f"Headline {hostile}",
        description=f"Summary {hostile}",
        tags=[f"tag {hostile}"],
        byline=f"By {hostile}",
    )
    response = client.get(url)
    assert b"<script>" not in response.content
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    (entry,) = feed.entries
    assert entry.title == f"Headline {hostile}"
    assert [tag.term for tag in entry.tags] == [f"tag {hostile}"]
    assert entry.author == f"By {hostile}"
