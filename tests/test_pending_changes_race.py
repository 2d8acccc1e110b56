"""Two requests at once find a scheduled change due: PostgreSQL publishes it once. The
first holds its row locked while it writes the article; the second skips the locked row
(SELECT … FOR UPDATE SKIP LOCKED) instead of waiting for it or writing it again."""

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, connections
from django.utils import timezone

from articles.models import Article, ChangeKind, PendingChange, Revision
from articles.models.revision import snapshot_of
from tests.factories import ArticleFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL=postgres://…)"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_requests_at_once_publish_a_due_change_once(editor):
    article = ArticleFactory(headline="Before")
    article.headline = "After"
    pending, _ = PendingChange.objects.keep(Article.objects.get(pk=article.pk), [], editor)
    pending.snapshot = snapshot_of(article, [])
    pending.save()
    pending.schedule(ChangeKind.UPDATE, at=timezone.now() - timedelta(seconds=1), by=editor)

    first_writing, second_done = threading.Event(), threading.Event()
    save_change = Article.save_change
    results = {}

    def slow_save_change(self, *args, **kwargs):
        # The first request, its row locked, waits here until the second has looked.
        first_writing.set()
        assert second_done.wait(timeout=30), "the second request waited for the first"
        return save_change(self, *args, **kwargs)

    def request(name):
        try:
            results[name] = PendingChange.objects.publish_due()
        finally:
            connections.close_all()

    with mock.patch.object(Article, "save_change", slow_save_change):
        first = threading.Thread(target=request, args=("first",))
        first.start()
        assert first_writing.wait(timeout=30)
        with mock.patch.object(Article, "save_change", save_change):
            second = threading.Thread(target=request, args=("second",))
            second.start()
            second.join(timeout=30)
            # Done while the first still holds the row: it skipped it, never waited.
            still_waiting = second.is_alive()
        second_done.set()
        first.join(timeout=30)
    second.join(timeout=30)
    assert not still_waiting
    assert results == {"first": 1, "second": 0}
    assert Article.objects.get(pk=article.pk).headline == "After"
    assert Revision.objects.filter(article=article, snapshot__headline="After").count() == 1
    assert not PendingChange.objects.exists()
