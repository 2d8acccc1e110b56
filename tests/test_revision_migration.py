"""The migration that starts history: each article gets a first revision holding what it
holds, as the code would snapshot it, so that a save changing nothing adds none."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from articles.models import Article, Revision
from articles.models.revision import digest_of, snapshot_of

# serialized_rollback: the flush after this transactional test would otherwise delete
# the Editors and Writers groups that migration 0002 created.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def migrations():
    loader = MigrationExecutor(connection).loader
    [target] = [
        key
        for key in loader.disk_migrations
        if key[0] == "articles" and key[1].endswith("_revisions")
    ]
    [before] = [key for key in loader.disk_migrations[target].dependencies if key[0] == "articles"]
    return target, before


def migrate(to):
    executor = MigrationExecutor(connection)
    executor.migrate(to)
    return executor.loader.project_state(to).apps


def test_each_article_gets_a_first_revision_of_what_it_holds():
    target, before = migrations()
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        apps = migrate([before])
        OldArticle = apps.get_model("articles", "Article")
        Tag = apps.get_model("articles", "Tag")
        Tagging = apps.get_model("articles", "TaggedArticle")
        past = timezone.now() - timezone.timedelta(days=1)
        public = OldArticle.objects.create(
            headline="Public", slug="public", status="published", published_at=past, body="B"
        )
        draft = OldArticle.objects.create(headline="Draft", slug="draft", status="draft")
        for position, name in enumerate(["second", "first"]):
            tag = Tag.objects.create(name=name, slug=name)
            Tagging.objects.create(content_object=public, tag=tag, position=1 - position)
        migrate(leaves)

        revisions = {r.article_id: r for r in Revision.objects.all()}
        assert set(revisions) == {public.pk, draft.pk}
        assert revisions[public.pk].was_public and not revisions[draft.pk].was_public
        for pk, revision in revisions.items():
            article = Article.objects.get(pk=pk)
            tags = [tag.name for tag in article.tags.all()]
            assert revision.snapshot == snapshot_of(article, tags)
            assert revision.digest == digest_of(revision.snapshot)
        assert revisions[public.pk].snapshot["tags"] == ["first", "second"]
        Article.objects.get(pk=public.pk).save()
        assert Revision.objects.count() == 2  # nothing changed: no new revision
    finally:
        migrate(leaves)
