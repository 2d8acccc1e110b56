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
        if key[0] == "articles" and key[1].split("_", 1)[1] == "revisions"
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
            assert revision.snapshot == snapshot_of(article, tags, [])
            assert revision.digest == digest_of(revision.snapshot)
        assert revisions[public.pk].snapshot["tags"] == ["first", "second"]
        Article.objects.get(pk=public.pk).save()
        assert Revision.objects.count() == 2  # nothing changed: no new revision
    finally:
        migrate(leaves)


def test_each_articles_newest_revision_gets_its_authors_and_older_ones_none():
    loader = MigrationExecutor(connection).loader
    [target] = [
        key
        for key in loader.disk_migrations
        if key[0] == "articles" and key[1].endswith("_authors_in_revisions")
    ]
    [before] = [key for key in loader.disk_migrations[target].dependencies if key[0] == "articles"]
    leaves = loader.graph.leaf_nodes()
    try:
        apps = migrate([before])
        OldArticle = apps.get_model("articles", "Article")
        OldAuthor = apps.get_model("articles", "Author")
        Byline = apps.get_model("articles", "ArticleAuthor")
        OldRevision = apps.get_model("articles", "Revision")
        article = OldArticle.objects.create(headline="Credited", slug="credited", status="draft")
        bare = OldArticle.objects.create(headline="Bare", slug="bare", status="draft")
        ana = OldAuthor.objects.create(name="Ana", slug="ana")
        bo = OldAuthor.objects.create(name="Bo", slug="bo")
        Byline.objects.create(article=article, author=bo, role="author", position=0)
        Byline.objects.create(article=article, author=ana, role="photographs", position=1)
        # As the code of then wrote them: everything but authors.
        for old in (article, article, bare):
            snapshot = snapshot_of(old, [])
            OldRevision.objects.create(
                article_id=old.pk, snapshot=snapshot, digest=digest_of(snapshot), kind="edited"
            )
        migrate(leaves)

        older, newest = Revision.objects.filter(article_id=article.pk).order_by("pk")
        assert "authors" not in older.snapshot
        assert newest.snapshot["authors"] == [
            {"author": bo.pk, "role": "author"},
            {"author": ana.pk, "role": "photographs"},
        ]
        assert newest.digest == digest_of(newest.snapshot)
        assert Revision.objects.get(article_id=bare.pk).snapshot["authors"] == []
        count = Revision.objects.count()
        Article.objects.get(pk=article.pk).save()
        Article.objects.get(pk=bare.pk).save()
        assert Revision.objects.count() == count  # nothing changed: no new revision
    finally:
        migrate(leaves)
