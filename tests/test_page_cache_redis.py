"""Processes sharing Redis share the page cache: a page one made, another serves (without a
database); a change another process announces, this one sees at the next request. A kept
page costs one round trip to Redis."""

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from bs4 import BeautifulSoup

from articles import caching
from articles.models import Article, ArticleFragments
from tests.conftest import TEST_REDIS_URL
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def page_cache(settings, redis_cache):
    settings.PAGE_CACHE = True
    return redis_cache


def another_process(code, prefix, database):
    """Run `code` in a new Python process with the site's settings, on the same Redis
    and key prefix, and the SQLite `database` file."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        REDIS_URL=TEST_REDIS_URL,
        CACHE_KEY_PREFIX=prefix,
        DATABASE_URL=f"sqlite:///{database}",
        ALLOWED_HOSTS="testserver",
        PAGE_CACHE="on",
    )
    script = f"import django\ndjango.setup()\n{code}"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def headline(html):
    return BeautifulSoup(html, "html.parser").select_one("h1").get_text(strip=True)


def test_a_page_made_here_is_served_by_another_process_without_a_database(
    client, page_cache, tmp_path
):
    url = ArticleFactory(headline="Made in one process").get_absolute_url()
    client.get(url)
    served = another_process(
        "from django.test import Client\n"
        f"response = Client().get({url!r})\n"
        "print(response.status_code)\n"
        "print(response.content.decode())\n",
        page_cache,
        database=tmp_path / "missing" / "no.sqlite3",  # any query would fail
    )
    status, html = served.split("\n", 1)
    assert status == "200"
    assert headline(html) == "Made in one process"


def test_a_change_announced_by_another_process_is_seen_here_at_once(client, page_cache, tmp_path):
    article = ArticleFactory(headline="Before the change")
    url = article.get_absolute_url()
    assert headline(client.get(url).content) == "Before the change"
    # The row changes unannounced (its stored fragments stale, as the write path makes them
    # in its transaction): the page kept in Redis is still served.
    Article.objects.filter(pk=article.pk).update(headline="After the change")
    ArticleFragments.objects.mark_stale([article.pk])
    assert headline(client.get(url).content) == "Before the change"
    # Another server, its change committed, tells the pages (with a database of its own,
    # which telling them does not read).
    another_process(
        "from articles.caching import forget_pages\nforget_pages()\n",
        page_cache,
        database=tmp_path / "other.sqlite3",
    )
    assert headline(client.get(url).content) == "After the change"


def test_a_redis_that_fails_costs_the_cache_not_the_page(client, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "newsroom.redis_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    article = ArticleFactory(headline="Still served")
    with caplog.at_level("WARNING", logger="articles.caching"):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200 and headline(response.content) == "Still served"
    assert not response.has_header("Cache-Control")
    (record,) = caplog.records
    assert record.getMessage().startswith(
        f"Page cache unavailable, {article.get_absolute_url()} made afresh: Error 111"
    )


# Round trips ------------------------------------------------------------------------------


def test_one_look_up_in_the_cache_answers_a_kept_page(client):
    url = ArticleFactory().get_absolute_url()
    client.get(url)
    with (
        mock.patch.object(caching.cache, "get_many", wraps=caching.cache.get_many) as get_many,
        mock.patch.object(caching.cache, "get", wraps=caching.cache.get) as get,
    ):
        assert client.get(url).status_code == 200
    assert (get_many.call_count, get.call_count) == (1, 0)


def test_a_page_made_afresh_looks_the_cache_up_once_too(client):
    """The middleware's look-up that found nothing serves the view's wrapper as well."""
    url = ArticleFactory().get_absolute_url()
    with mock.patch.object(
        caching.cache, "get_many", wraps=caching.cache.get_many
    ) as get_many:
        client.get(url)
    assert get_many.call_count == 1


def test_one_redis_client_serves_every_command_and_works():
    """newsroom/redis_cache.py: Django's backend made a redis.Redis for each command."""
    from django.core.cache import cache

    backend = cache._cache
    assert backend.get_client() is backend.get_client(write=True) is backend.get_client("k")
    cache.set("a", {"x": 1})
    cache.set_many({"b": 2, "c": 3})
    assert cache.get("a") == {"x": 1} and cache.get_many(["a", "b", "z"]) == {"a": {"x": 1}, "b": 2}
    assert cache.incr("b") == 3 and cache.add("a", 0) is False and cache.delete("c")
    assert cache.get("c") is None
