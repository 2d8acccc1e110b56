"""KeptPageMiddleware (articles/kept_pages.py): a reader's kept page answered before the
middleware stack, with the very response the whole stack gives, in one look-up."""

import re
from unittest import mock

import pytest
from django.contrib.redirects.models import Redirect
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse, HttpResponseNotFound
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.test import Client, RequestFactory, override_settings

from articles import caching
from articles.kept_pages import MIDDLEWARE_PATH, KeptPageMiddleware
from tests.factories import ArticleFactory, seed_article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(page_cache_on):
    """The page cache on, on each cache (conftest.py)."""


@pytest.fixture
def stack_ran():
    """How many requests went through the middleware stack (SessionMiddleware, which the
    early answer leaves out)."""
    with mock.patch.object(
        SessionMiddleware,
        "process_request",
        autospec=True,
        side_effect=SessionMiddleware.process_request,
    ) as process_request:
        yield process_request


def whole_stack_client(settings, **defaults):
    """A client whose handler has every middleware but KeptPageMiddleware: kept pages
    answered by the view's wrapper, as before it."""
    assert settings.MIDDLEWARE[0] == MIDDLEWARE_PATH
    with override_settings(MIDDLEWARE=settings.MIDDLEWARE[1:]):
        client = Client(**defaults)
        client.get("/")  # the handler's middleware is loaded now, under these settings
    return client


def exchange(response):
    """All a client is told: status, every header in order, body."""
    return response.status_code, list(response.items()), response.content


def requests_for(article):
    """Requests for kept pages; the second article was moved from old-name, the third
    withdrawn (see below)."""
    url = article.get_absolute_url()
    return [
        ("get", url, {}),
        ("head", url, {}),
        ("get", "/", {}),
        ("get", "/feeds/rss/", {}),
        ("get", "/sitemap.xml", {}),
        ("get", "/tags/ukraine/?page=1", {}),
        ("get", "/articles/old-name/", {}),  # a 301
        ("get", "/articles/taken-down/", {}),  # a 410
        ("get", url, {"If-None-Match": "etag"}),  # replaced by the page's own below
        ("get", url, {"If-Modified-Since": "last-modified"}),
        ("head", url, {"If-None-Match": "etag"}),
        ("get", url, {"X-Strange": "a\x00b"}),  # refused by the NUL guard: 400
    ]


@pytest.mark.parametrize("secure", [False, True], ids=["http", "https with HSTS"])
@pytest.mark.parametrize("replayed", [True, False], ids=["headers replayed", "middleware run"])
def test_a_kept_page_gets_the_whole_stacks_answer_without_the_stack(
    settings, secure, replayed, stack_ran
):
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    if not replayed:  # CommonMiddleware may refuse some readers: it is called for each
        settings.DISALLOWED_USER_AGENTS = [re.compile(r"^no reader's agent$")]
    article = seed_article()
    moved, gone = ArticleFactory(slug="old-name"), ArticleFactory(slug="taken-down")
    moved.slug = "new-name"
    moved.save()
    gone.withdraw()
    early, whole = Client(), whole_stack_client(settings)
    first = early.get(article.get_absolute_url(), secure=secure)
    validators = {"etag": first["ETag"], "last-modified": first["Last-Modified"]}
    statuses = set()
    for method, url, headers in requests_for(article):
        headers = {name: validators.get(value, value) for name, value in headers.items()}
        getattr(early, method)(url, secure=secure)  # kept now, if it may be
        stack_ran.reset_mock()
        answered_early = getattr(early, method)(url, headers=headers, secure=secure)
        assert stack_ran.call_count == 0, (method, url, headers)
        answered_by_stack = getattr(whole, method)(url, headers=headers, secure=secure)
        # The NUL guard refuses the request before the session is looked at.
        assert stack_ran.call_count == (answered_by_stack.status_code != 400)
        assert exchange(answered_early) == exchange(answered_by_stack), (method, url, headers)
        statuses.add(answered_early.status_code)
    assert sorted(statuses) == [200, 301, 304, 400, 410]
    assert ("Strict-Transport-Security" in first) == secure


def test_the_headers_around_a_kept_page_are_recorded_once_then_added(client):
    url = ArticleFactory().get_absolute_url()
    client.get(url)
    with mock.patch.object(
        XFrameOptionsMiddleware,
        "process_response",
        autospec=True,
        side_effect=XFrameOptionsMiddleware.process_response,
    ) as process_response:
        answers = [client.get(url) for _ in range(3)]
    assert process_response.call_count == 1  # on the blank answer that records them
    assert {answer["X-Frame-Options"] for answer in answers} == {"DENY"}
    assert {answer["Content-Length"] for answer in answers} == {str(len(answers[0].content))}


def test_the_whole_stack_answers_whoever_the_cache_does_not_serve(client, editor, stack_ran):
    url = ArticleFactory().get_absolute_url()
    client.get(url)
    stack_ran.reset_mock()
    client.get(url)
    client.post(url)
    client.get("/articles/no-such-thing/")
    assert stack_ran.call_count == 2  # the POST and the missing page
    client.force_login(editor)
    client.get(url)
    client.get("/admin/")
    assert stack_ran.call_count == 4


def test_a_kept_404_is_left_to_the_stack_whose_redirects_may_answer(client, stack_ran):
    """CommonMiddleware (APPEND_SLASH) and the redirects app turn a 404 into a redirect:
    a kept 404 goes through them."""
    view = caching.cached_public_page(lambda request: HttpResponseNotFound("not here"))
    view(RequestFactory().get("/was-here/"))
    Redirect.objects.create(site_id=1, old_path="/was-here/", new_path="/is-here/")
    response = client.get("/was-here/")
    assert (response.status_code, response["Location"]) == (301, "/is-here/")


class SaysHello:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["X-Hello"] = "hello"
        return response


def test_a_middleware_added_later_runs_around_kept_pages_too(settings, stack_ran):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.SaysHello"]
    url = ArticleFactory().get_absolute_url()
    client = Client()
    client.get(url)
    stack_ran.reset_mock()
    response = client.get(url)
    assert stack_ran.call_count == 0 and response["X-Hello"] == "hello"


def test_it_must_come_first(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[1:], MIDDLEWARE_PATH]
    with pytest.raises(ImproperlyConfigured, match="must come first"):
        KeptPageMiddleware(lambda request: HttpResponse())


def test_a_feed_is_kept_in_one_piece(client):
    """Django's feeds are written an XML element at a time, and a WSGI server sends each
    piece of an answer in a system call of its own."""
    ArticleFactory()
    made = client.get("/feeds/rss/")
    kept = client.get("/feeds/rss/")
    assert kept.content == made.content and len(kept._container) == 1
