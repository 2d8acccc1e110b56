import os
import uuid

import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test writes uploads and renditions to its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def page_cache(settings):
    """Pages are made for every request, as each test's writes are never announced (the
    announcement waits for a commit the test's transaction never makes). The page cache's
    own tests turn it on: tests/test_page_cache.py."""
    settings.PAGE_CACHE = False


@pytest.fixture(params=["locmem", "redis"])
def page_cache_on(request, settings):
    """The page cache on, for each test on each cache: a process's own memory, and Redis.
    The page cache's tests make it their `page_cache` (which turns it off elsewhere)."""
    settings.PAGE_CACHE = True
    if request.param == "redis":
        request.getfixturevalue("redis_cache")


TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


@pytest.fixture
def redis_cache(settings):
    """Django's cache on Redis (TEST_REDIS_URL), under a key prefix of this test's own, so
    that parallel runs never meet; its keys are deleted afterwards (never FLUSHDB). A Redis
    that cannot be reached fails the test, never skips it."""
    import redis

    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(
            f"Redis at {TEST_REDIS_URL} cannot be reached ({error}): start it "
            "(apt-get install redis-server) or point TEST_REDIS_URL at one."
        )
    prefix = f"newsroom-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "newsroom.redis_cache.RedisCache",  # the site's, as REDIS_URL sets
            "LOCATION": TEST_REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    yield prefix
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def empty_cache():
    """Cached pages (the sitemaps) never carry over from one test to the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def background_work_finished():
    """Work a test started in the background (renditions of an upload) ends with that
    test, never in the next one's database or media folder."""
    yield
    from articles.background import wait_for_background_work

    wait_for_background_work()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor(db, django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("editor", password="pw-editor", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def writer(db, django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("writer", password="pw-writer", is_staff=True)
    user.groups.add(Group.objects.get(name="Writers"))
    return user


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Nothing but this machine: a page that reaches out fails fast instead of hanging.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright; a missing browser fails, never skips."""
    import os

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install chromium`.")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make between page actions are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # With that loop running, Django hands this thread new connection objects. When the
    # test database was made before (by earlier tests), they lack its serialized
    # contents, and serialized_rollback would stop restoring the groups migrations made.
    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server, settings):
    """A fresh browser tab; absolute URLs the site makes point at the live server."""
    settings.SITE_URL = live_server.url
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
