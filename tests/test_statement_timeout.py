"""PostgreSQL's statement_timeout on public requests, not on the admin: a reader's query
stuck behind a lock is cancelled by the server and answered with a 503, while an
editor's request runs under the server's own limits. (A stopped or frozen database is
tested against a private server in test_database_outage.py.)"""

import contextlib
import logging
import threading
import time

import psycopg
import pytest
from django.db import connection
from django.urls import reverse

from tests.factories import ArticleFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL=postgres://…)"
    ),
]


def statement_timeout():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_public_requests_have_the_statement_timeout_and_the_admin_the_servers(
    client, admin_client, settings
):
    settings.DATABASE_STATEMENT_TIMEOUT = 4
    assert client.get("/").status_code == 200
    assert statement_timeout() == "4s"
    assert admin_client.get(reverse("admin:articles_article_changelist")).status_code == 200
    assert statement_timeout() == "0"
    assert client.get("/search/?q=news").status_code == 200
    assert statement_timeout() == "4s"
    settings.DATABASE_STATEMENT_TIMEOUT = 0
    assert client.get("/").status_code == 200
    assert statement_timeout() == "0"


@contextlib.contextmanager
def article_table_locked(*, at_most):
    """Another session holds the article table, as a long migration would, for `at_most`
    seconds: without a statement timeout a reader would wait for all of them."""
    params = connection.settings_dict
    with psycopg.connect(
        dbname=params["NAME"],
        user=params["USER"],
        host=params["HOST"],
        port=params["PORT"] or 5432,
        password=params["PASSWORD"] or None,
    ) as other:
        other.execute("LOCK TABLE articles_article IN ACCESS EXCLUSIVE MODE")
        release = threading.Timer(at_most, other.rollback)
        release.start()
        try:
            yield
        finally:
            release.cancel()
            other.rollback()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_public_query_stuck_behind_a_lock_answers_503_then_pages_come_back(
    client, settings, caplog
):
    article = ArticleFactory()
    settings.DATABASE_STATEMENT_TIMEOUT = 0.5
    caplog.set_level(logging.WARNING)
    with article_table_locked(at_most=5):
        started = time.monotonic()
        response = client.get(article.get_absolute_url())
        seconds = time.monotonic() - started
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Temporarily unavailable" in response.content.decode()
    assert 0.5 <= seconds < 2
    (record,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert record.getMessage() == (
        "Service Unavailable (database: canceling statement due to statement timeout): "
        f"{article.get_absolute_url()}"
    )
    assert record.exc_info is None
    # The server cancelled the query and the connection is still good.
    assert client.get(article.get_absolute_url()).status_code == 200


@pytest.fixture(autouse=True)
def fresh_connection():
    """The timeout a public request sets lasts as long as its connection: the test's
    connection is closed after each test, so that flushing the database between tests
    runs without the half-second limit."""
    yield
    connection.close()
