"""KeptPageApplication (articles/kept_pages.py): a kept page answered before Django's
handler, from the WSGI environ, with the very answer the handler gives; anything else, and
any doubt, left to the handler."""

from unittest import mock

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory, override_settings
from django.urls import get_script_prefix, set_script_prefix

from articles import caching
from articles.kept_pages import KeptPageApplication, KeptPageMiddleware
from tests.factories import ArticleFactory, seed_article
from tests.test_kept_pages import requests_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(page_cache_on):
    """The page cache on, on each cache (conftest.py)."""


@pytest.fixture(autouse=True)
def as_the_test_client_calls_the_handler():
    """Django's handler closes database connections after each request, as the test client
    keeps it from doing inside a test's transaction; and sets the script prefix of
    reverse() from each request's SCRIPT_NAME, which must not outlive the test."""
    prefix = get_script_prefix()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    set_script_prefix(prefix)


def application():
    """The site's WSGI application (newsroom/wsgi.py) under the current settings, and a spy
    on its Django handler."""
    app = KeptPageApplication(WSGIHandler())
    app.handler = mock.Mock(wraps=app.handler)
    return app


def call(app, method, url, headers=None, **extra):
    """status, headers in order, body: all a server is given to send."""
    environ = getattr(RequestFactory(), method)(url, headers=headers, **extra).environ
    started = []
    body = app(dict(environ), lambda status, headers: started.append((status, headers)))
    try:
        content = b"".join(body)
    finally:
        getattr(body, "close", lambda: None)()
    ((status, sent_headers),) = started
    return status, sent_headers, content


@pytest.mark.parametrize("secure", [False, True], ids=["http", "https with HSTS"])
def test_a_kept_page_gets_djangos_answer_without_django(settings, secure):
    settings.SECURE_HSTS_SECONDS = 3600
    article = seed_article()
    moved, gone = ArticleFactory(slug="old-name"), ArticleFactory(slug="taken-down")
    moved.slug = "new-name"
    moved.save()
    gone.withdraw()
    app = application()
    first = call(app, "get", article.get_absolute_url(), secure=secure)
    call(app, "get", article.get_absolute_url(), secure=secure)  # the headers recorded
    validators = {name.lower(): value for name, value in first[1]}
    answered = {}
    for method, url, headers in requests_for(article):
        headers = {name: validators.get(value, value) for name, value in headers.items()}
        call(app, method, url, headers, secure=secure)  # kept now, if it may be
        app.handler.reset_mock()
        before_django = call(app, method, url, headers, secure=secure)
        status = int(before_django[0].split()[0])
        answered.setdefault(status, set()).add(app.handler.call_count == 1)
        by_django = call(app.handler, method, url, headers, secure=secure)
        assert before_django == by_django, (method, url, headers)
    # 200, 301 and 304 before Django; a 410 (logged by Django's handler) and the NUL
    # guard's 400 by Django.
    assert answered == {200: {False}, 301: {False}, 304: {False}, 410: {True}, 400: {True}}
    assert any(name == "Strict-Transport-Security" for name, _ in first[1]) == secure


def test_a_host_not_allowed_gets_djangos_400(settings):
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    url = ArticleFactory().get_absolute_url()
    app = application()
    for _ in range(3):
        assert call(app, "get", url, HTTP_HOST="other.example")[0] == "200 OK"
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        app = application()
        call(app, "get", url)
        call(app, "get", url)  # headers recorded for the allowed host
        app.handler.reset_mock()
        status, _, _ = call(app, "get", url, HTTP_HOST="other.example")
    assert status.startswith("400") and app.handler.call_count == 1


def test_whoever_the_cache_does_not_serve_goes_to_django(settings, editor):
    url = ArticleFactory().get_absolute_url()
    app = application()
    for _ in range(3):
        call(app, "get", url)
    app.handler.reset_mock()
    call(app, "get", url)
    assert app.handler.call_count == 0
    call(app, "post", url)
    call(app, "get", "/articles/no-such-thing/")
    call(app, "get", url, HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}=x")
    call(app, "get", url, HTTP_COOKIE=f"{settings.CSRF_COOKIE_NAME}=x")
    call(app, "get", "/admin/")
    call(app, "get", url, SCRIPT_NAME="/site")
    assert app.handler.call_count == 6
    call(app, "get", url, HTTP_COOKIE="theme=dark")  # a reader's own cookie: still a reader
    assert app.handler.call_count == 6


def test_a_change_is_seen_on_the_next_request_by_every_server(
    django_capture_on_commit_callbacks,
):
    article = ArticleFactory(headline="First words")
    url = article.get_absolute_url()
    one, two = application(), application()
    for app in (one, two, one, two, one, two):
        assert b"First words" in call(app, "get", url)[2]
    with django_capture_on_commit_callbacks(execute=True):  # article_changed sent
        article.headline = "Second words"
        article.save()
    two.handler.reset_mock()
    assert b"Second words" in call(two, "get", url)[2]
    assert two.handler.call_count == 1  # the generation moved on: the page made afresh
    assert b"Second words" in call(one, "get", url)[2]


def test_a_look_up_that_finds_nothing_is_not_made_again_by_django():
    url = ArticleFactory().get_absolute_url()
    app = application()
    with mock.patch.object(
        caching.cache, "get_many", side_effect=caching.cache.get_many
    ) as get_many:
        call(app, "get", url)
    assert get_many.call_count == 1 and app.handler.call_count == 1


def test_without_the_middleware_django_answers_everything(settings):
    settings.MIDDLEWARE = settings.MIDDLEWARE[1:]
    url = ArticleFactory().get_absolute_url()
    app = application()
    for _ in range(3):
        call(app, "get", url)
    assert app.kept is None and app.handler.call_count == 3


def test_the_sites_wsgi_application_answers_kept_pages_first():
    """newsroom/wsgi.py's application finds KeptPageMiddleware in its handler's chain (by
    the functools.wraps Django puts around each middleware): without it, no page would
    be answered before Django, silently."""
    from newsroom.wsgi import application

    assert isinstance(application, KeptPageApplication)
    assert isinstance(application.kept, KeptPageMiddleware)
