"""The shipped nginx configuration (deploy/nginx/newsroom.conf): nginx accepts it, and in
front of the site it keeps public pages as long as they say, serves the kept copy while it
fetches a new one, and keeps nothing for the desk."""

import os
import time
import urllib.error
import urllib.request

import pytest
from bs4 import BeautifulSoup

from articles.models import Article, PreviewLink
from tests import nginx
from tests.factories import ArticleFactory

transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="module")
def nginx_installed():
    if not os.path.exists(nginx.NGINX):
        pytest.fail(f"{nginx.NGINX} is missing: install it with `apt-get install nginx`.")


def test_nginx_accepts_the_shipped_configuration(nginx_installed, tmp_path):
    main = nginx.configuration(tmp_path, site="127.0.0.1:8000", port=8080, media_root=tmp_path)
    result = nginx.check(main)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


@pytest.fixture
def proxy(nginx_installed, live_server, settings, tmp_path, media_root):
    settings.PAGE_CACHE = True
    settings.PAGE_SHARED_MAX_AGE = 1
    site = live_server.url.removeprefix("http://")
    with nginx.running(tmp_path / "nginx", site=site, media_root=media_root) as url:
        yield url


def fetch(url, cookie=None):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def headline(html):
    return BeautifulSoup(html, "html.parser").select_one("h1").get_text(strip=True)


@transactional
def test_a_page_is_kept_as_long_as_it_says_then_fetched_anew_behind_the_kept_copy(proxy):
    article = ArticleFactory(headline="First version")
    url = proxy + article.get_absolute_url()
    statuses = []
    for _ in range(2):
        status, headers, html = fetch(url)
        statuses.append(headers["X-Cache-Status"])
        assert (status, headline(html)) == (200, "First version")
    assert statuses == ["MISS", "HIT"]

    article.headline = "Second version"
    article.save()  # committed and announced: the site's own cache has forgotten the page
    _status, headers, html = fetch(url)
    assert (headers["X-Cache-Status"], headline(html)) == ("HIT", "First version")

    # Once its second is over, the kept copy is served while nginx fetches the new one in
    # the background; the next readers get the new one.
    seen = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        _status, headers, html = fetch(url)
        seen.append((headers["X-Cache-Status"], headline(html)))
        if seen[-1] == ("HIT", "Second version"):
            break
        time.sleep(0.1)
    assert seen[-1] == ("HIT", "Second version"), seen
    assert ("STALE", "First version") in seen or ("UPDATING", "First version") in seen, seen


@transactional
def test_nothing_is_kept_for_the_desk(proxy, editor):
    article = ArticleFactory()
    url = proxy + article.get_absolute_url()
    fetch(url)
    assert fetch(url)[1]["X-Cache-Status"] == "HIT"
    for cookie in ("sessionid=abc", "theme=dark; csrftoken=abc"):
        _status, headers, _html = fetch(url, cookie=cookie)
        assert headers["X-Cache-Status"] == "BYPASS", cookie
        assert "no-store" in headers["Cache-Control"], cookie
    # The site's private answers are not kept either, nor is the desk ever cached.
    draft = ArticleFactory(status=Article.Status.DRAFT)
    preview = proxy + PreviewLink.objects.create_for(draft, editor).get_absolute_url()
    assert [fetch(preview)[1]["X-Cache-Status"] for _ in range(2)] == ["MISS", "MISS"]
    for _ in range(2):
        _status, headers, _html = fetch(proxy + "/admin/login/")
        assert headers["X-Cache-Status"] is None and "no-store" in headers["Cache-Control"]
