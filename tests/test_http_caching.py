"""What browsers, nginx and CDNs are told about public pages: Cache-Control capped by the
next scheduled publication, ETag and Last-Modified answered with 304, Surrogate-Key and
Cache-Tag naming what each page shows, and the CDN purge hook."""

import json
import logging
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from unittest import mock

import pytest
from django.utils import timezone
from django.utils.http import http_date, parse_http_date

from articles.background import wait_for_background_work
from articles.caching import purge
from tests.factories import ArticleFactory, seed_article
from tests.test_page_cache import cache_control
from tests.test_settings import manage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(page_cache_on, settings):
    """The page cache on, on each cache (conftest.py), with short HTTP lifetimes."""
    settings.PAGE_MAX_AGE = 5
    settings.PAGE_SHARED_MAX_AGE = 5
    settings.PAGE_STALE_WHILE_REVALIDATE = 30
    settings.PAGE_STALE_IF_ERROR = 86400


@pytest.fixture
def announced(django_capture_on_commit_callbacks):
    def announced():
        return django_capture_on_commit_callbacks(execute=True)

    return announced


# Cache-Control ----------------------------------------------------------------------------

PUBLIC = {
    "public": None,
    "max-age": "5",
    "s-maxage": "5",
    "stale-while-revalidate": "30",
    "stale-if-error": "86400",
}


def test_public_pages_may_be_kept_briefly_and_served_stale(client):
    article = seed_article()
    for url in [article.get_absolute_url(), "/", "/tags/ukraine/", "/feeds/rss/", "/sitemap.xml"]:
        for _ in range(2):  # made, then from the cache
            assert cache_control(client.get(url)) == PUBLIC, url


def test_no_one_keeps_a_page_past_the_next_publication(client):
    now = timezone.now()
    ArticleFactory(published_at=now + timedelta(seconds=20, milliseconds=500))
    directives = cache_control(client.get("/"))
    assert directives == {**PUBLIC, "stale-while-revalidate": "15"}  # 5 kept + 15 stale = 20
    with mock.patch("django.utils.timezone.now", return_value=now + timedelta(seconds=17)):
        directives = cache_control(client.get("/"))  # the same kept page, told from now
    assert directives == {
        **PUBLIC,
        "max-age": "3",
        "s-maxage": "3",
        "stale-while-revalidate": "0",
    }


# ETag, Last-Modified, 304 -----------------------------------------------------------------


def validators(response):
    return response["ETag"], response["Last-Modified"]


@pytest.mark.parametrize("url", ["article", "/", "/tags/ukraine/", "/feeds/rss/", "/feeds/atom/"])
def test_a_page_the_reader_holds_is_answered_304_without_a_query(
    client, url, django_assert_num_queries
):
    article = seed_article()
    url = article.get_absolute_url() if url == "article" else url
    etag, last_modified = validators(client.get(url))
    assert etag.startswith('"') and parse_http_date(last_modified)
    with django_assert_num_queries(0):
        by_etag = client.get(url, headers={"If-None-Match": etag})
        by_date = client.get(url, headers={"If-Modified-Since": last_modified})
    for response in (by_etag, by_date):
        assert response.status_code == 304 and response.content == b""
        assert response["ETag"] == etag
        assert cache_control(response) == PUBLIC


def test_a_changed_page_is_sent_again_with_new_validators(client, announced):
    article = ArticleFactory(headline="First version")
    url = article.get_absolute_url()
    etag, last_modified = validators(client.get(url))
    with announced():
        article.headline = "Second version"
        article.save()
    for headers in ({"If-None-Match": etag}, {"If-Modified-Since": last_modified}):
        response = client.get(url, headers=headers)
        assert response.status_code == 200 and b"Second version" in response.content
    assert response["ETag"] != etag
    # Dated at least a second later, so that If-Modified-Since alone tells them apart.
    assert parse_http_date(response["Last-Modified"]) > parse_http_date(last_modified)


def test_a_change_elsewhere_leaves_a_page_304(client, announced):
    """The generation moved on and the page was made again, to the same bytes: the reader
    who holds it is told so, by ETag and by date."""
    article, other = ArticleFactory(), ArticleFactory()
    url = article.get_absolute_url()
    etag, last_modified = validators(client.get(url))
    with announced():
        other.headline = "Another article's new headline"
        other.save()
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    response = client.get(url)
    assert validators(response) == (etag, last_modified)
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304


def test_a_date_before_the_page_gets_the_page(client):
    url = ArticleFactory().get_absolute_url()
    last_modified = parse_http_date(client.get(url)["Last-Modified"])
    earlier = http_date(last_modified - 1)
    assert client.get(url, headers={"If-Modified-Since": earlier}).status_code == 200


def test_a_head_request_gets_the_validators_and_a_304(client):
    url = ArticleFactory().get_absolute_url()
    head = client.head(url)
    assert head.status_code == 200 and head["ETag"] == client.get(url)["ETag"]
    assert client.head(url, headers={"If-None-Match": head["ETag"]}).status_code == 304


# Surrogate-Key and Cache-Tag --------------------------------------------------------------


def keys(response):
    surrogate = response["Surrogate-Key"].split(" ")
    assert response["Cache-Tag"].split(",") == surrogate
    return surrogate


def test_each_page_names_the_articles_and_listings_it_shows(client, announced):
    now = timezone.now()
    older = ArticleFactory(tags=["Ukraine"], published_at=now - timedelta(days=1))
    newer = ArticleFactory(tags=["Ukraine"], published_at=now - timedelta(hours=1))
    untagged = ArticleFactory(published_at=now - timedelta(minutes=1))
    tag = older.tags.get()
    shown = [f"article-{a.pk}" for a in (untagged, newer, older)]
    year = older.published_at.year
    expected = {
        # With its related stories (newer shares its tag), which any change may reach.
        older.get_absolute_url(): [f"article-{older.pk}", "listings", f"article-{newer.pk}"],
        "/": ["listings", "home", *shown],
        "/tags/ukraine/": ["listings", f"tag-{tag.pk}", *shown[1:]],
        f"/archive/{year}/": ["listings", "archive"],  # and the year's articles
        f"/search/?q={untagged.title}": ["listings", "search", f"article-{untagged.pk}"],
        "/feeds/rss/": ["listings", "feed", *shown],
        "/feeds/tags/ukraine/atom/": ["listings", "feed", f"tag-{tag.pk}", *shown[1:]],
        "/sitemap.xml": ["listings", "sitemap"],
        "/news-sitemap.xml": ["listings", "sitemap"],
    }
    for url, named in expected.items():
        for _ in range(2):
            if "/archive/" in url:
                assert keys(client.get(url))[:2] == named, url
            else:
                assert keys(client.get(url)) == named, url
    old_address = older.get_absolute_url()
    with announced():
        older.slug = "moved"
        older.save()
    assert keys(client.get(old_address)) == ["listings"]  # a redirect, forgotten on any change
    assert keys(client.get("/articles/moved/")) == [
        f"article-{older.pk}",
        "listings",
        f"article-{newer.pk}",
    ]


# The CDN purge hook -----------------------------------------------------------------------


class PurgeEndpoint(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def purge_endpoint(settings):
    server = HTTPServer(("127.0.0.1", 0), PurgeEndpoint)
    PurgeEndpoint.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CDN_PURGE_URL = f"http://127.0.0.1:{server.server_port}/purge"
    settings.CDN_PURGE_TOKEN = "secret-token"
    yield PurgeEndpoint.received
    server.shutdown()
    server.server_close()


def test_a_change_is_posted_to_the_purge_url_as_the_keys_of_the_pages_it_reaches(
    purge_endpoint, announced
):
    article, other = ArticleFactory(), ArticleFactory()
    with announced():
        article.headline = "Corrected"
        article.save()
        other.withdraw()
    wait_for_background_work()
    posted = sorted(purge_endpoint, key=lambda post: post[1]["tags"])
    assert [body for _headers, body in posted] == [
        {"tags": ["listings", f"article-{article.pk}"]},  # edited
        {"tags": ["listings", f"article-{other.pk}"]},  # withdrawn
    ]
    for headers, body in posted:
        assert headers["Surrogate-Key"] == " ".join(body["tags"])
        assert headers["Authorization"] == "Bearer secret-token"
        assert headers["Content-Type"] == "application/json"


def test_many_keys_are_posted_thirty_at_a_time(purge_endpoint):
    purge(["listings", *(f"article-{n}" for n in range(64))])
    assert [len(body["tags"]) for _headers, body in purge_endpoint] == [30, 30, 5]


def test_a_purge_that_fails_is_logged_and_the_change_stands(settings, announced, caplog):
    settings.CDN_PURGE_URL = "http://127.0.0.1:9/purge"  # the discard port: refused
    article = ArticleFactory()
    with caplog.at_level(logging.ERROR, logger="articles.caching"), announced():
        article.headline = "Saved all the same"
        article.save()
    wait_for_background_work()
    assert [record.getMessage() for record in caplog.records] == [
        f"CDN purge of listings article-{article.pk} failed: "
        "<urlopen error [Errno 111] Connection refused>"
    ]
    article.refresh_from_db()
    assert article.headline == "Saved all the same"


def test_a_purge_url_that_is_not_http_is_refused_at_start():
    result = manage("check", CDN_PURGE_URL="ftp://cdn.example/purge")
    assert result.returncode == 1
    assert "CDN_PURGE_URL must be an http(s) URL, got 'ftp://cdn.example/purge'." in result.stderr
    assert "Traceback" not in result.stderr
