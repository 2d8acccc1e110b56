"""Feeds and the news sitemap hand readers exactly the text the editor wrote.

RSS readers read <description> as HTML, and Atom's <summary type="html"> says so: plain
text put there unescaped turns `"><svg onload=…>` into markup and `a < b` or `AT&T` into
something else. What a feed reader (feedparser) gets must equal what was typed.
"""

import json
from xml.etree import ElementTree as etree  # noqa: N813, S405 - parses our own output

import feedparser
import pytest
from bs4 import BeautifulSoup

from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

# Markup, entities written out, a lone ampersand and both comparison signs.
TRICKY = '"><svg onload=alert(1)> <b>bold</b> a < b & c > d AT&T &amp; ‘quotes’ \'s\''
FEEDS = ["/feeds/rss/", "/feeds/atom/", "/feeds/tags/tricky/rss/", "/feeds/tags/tricky/atom/"]


@pytest.fixture
def tricky_article(settings):
    settings.SITE_URL = "https://news.example"
    settings.SITE_NAME = f"Site {TRICKY}"
    article = ArticleFactory(
        headline=f"Headline {TRICKY}",
        description=f"Description {TRICKY}",
        byline=f"Byline {TRICKY}",
        tags=[f"Tag {TRICKY}"],
    )
    tag = article.tags.get()
    tag.slug = "tricky"
    tag.save()
    return article


def shown(detail):
    """The text a feed reader shows for an element: HTML is rendered, and must hold no
    markup of its own."""
    if detail.type != "text/html":
        return detail.value
    page = BeautifulSoup(detail.value, "html.parser")
    assert page.find(True) is None, detail.value
    return page.get_text()


def parsed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    return feed


@pytest.mark.parametrize("url", FEEDS)
def test_every_text_of_a_feed_reaches_the_reader_as_written(client, tricky_article, url):
    feed = parsed(client, url)
    tag_name = f"Tag {TRICKY}"
    site = f"Site {TRICKY}"
    assert feed.feed.title == (f"{site}: {tag_name}" if "/tags/" in url else site)
    assert shown(feed.feed.subtitle_detail) == (
        f"The latest articles tagged “{tag_name}” on {site}."
        if "/tags/" in url
        else f"The latest articles from {site}."
    )
    (entry,) = feed.entries
    assert entry.title == f"Headline {TRICKY}"
    assert shown(entry.summary_detail) == f"Description {TRICKY}"
    assert entry.author == f"Byline {TRICKY}"
    assert [tag.term for tag in entry.tags] == [tag_name]


BODY_TEXT = "Profits at AT&T rose as 5 < 7 and <svg> stays code; bold is just bold."


@pytest.mark.parametrize("url", ["/feeds/rss/", "/feeds/atom/"])
def test_a_summary_made_from_the_body_is_its_text(client, url):
    ArticleFactory(
        description="",
        lede="",
        body="Profits at AT&T rose as 5 < 7 and `<svg>` stays code; **bold** is just bold.",
    )
    (entry,) = parsed(client, url).entries
    assert shown(entry.summary_detail) == BODY_TEXT


def test_the_page_describes_itself_with_the_same_text(client):
    article = ArticleFactory(description="", lede="", social_description="", body="AT&T & 5 < 7")
    page = BeautifulSoup(client.get(article.get_absolute_url()).content, "html.parser")
    for selector in ('meta[name="description"]', 'meta[property="og:description"]'):
        assert page.select_one(selector)["content"] == "AT&T & 5 < 7", selector
    ld = json.loads(page.select_one('script[type="application/ld+json"]').string)
    assert {node.get("description") for node in ld["@graph"]} >= {"AT&T & 5 < 7"}


def test_the_news_sitemap_carries_titles_and_the_site_name_as_written(
    client, settings, tricky_article
):
    response = client.get("/news-sitemap.xml")
    root = etree.fromstring(response.content)  # noqa: S314
    ns = {"news": "http://www.google.com/schemas/sitemap-news/0.9"}
    assert root.findtext(".//news:title", namespaces=ns) == f"Headline {TRICKY}"
    assert root.findtext(".//news:name", namespaces=ns) == f"Site {TRICKY}"
