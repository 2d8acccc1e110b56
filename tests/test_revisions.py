"""Revisions: one per committed change of what an article holds, from every write path,
credited to whoever acted; none for a write rolled back, a dry run or a write that changes
nothing; restored as new revisions; pruned without ever losing a protected one."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from articles.acting import acting_as
from articles.importing import import_articles
from articles.models import Article, Revision, Tag
from articles.models.revision import SNAPSHOT_FIELDS, digest_of, snapshot_of
from tests.factories import ArticleFactory, small_figure
from tests.test_admin import article_form_data
from tests.test_importing import article_file

pytestmark = pytest.mark.django_db


def history(article):
    """(kind, who, headline) of each of the article's revisions, oldest first."""
    return [
        (revision.kind, revision.who, revision.snapshot["headline"])
        for revision in Revision.objects.filter(article=article).select_related("user")[::-1]
    ]


# The write paths -------------------------------------------------------------------------


def test_a_new_article_and_each_change_are_revisions_holding_what_it_held():
    article = ArticleFactory(headline="First", status=Article.Status.DRAFT, tags=["a", "b"])
    article.headline = "Second"
    article.save()
    article.tags.set(["b", "c"])
    article.publish()
    assert history(article) == [
        ("created", "unknown", "First"),
        ("tags changed", "unknown", "First"),
        ("edited", "unknown", "Second"),
        ("tags changed", "unknown", "Second"),
        ("published", "unknown", "Second"),
    ]
    newest = Revision.objects.filter(article=article).first()
    assert newest.snapshot == snapshot_of(Article.objects.get(), ["b", "c"], [])
    assert set(newest.snapshot) == {*SNAPSHOT_FIELDS, "tags", "authors"}
    assert newest.snapshot["tags"] == ["b", "c"] and newest.was_public
    assert newest.digest == digest_of(newest.snapshot)


def test_a_save_that_changes_nothing_a_revision_holds_records_nothing():
    article = ArticleFactory()
    article.save()
    Article.objects.get().save()
    article.tags.set([])
    article.save(update_fields=["updated_at"])
    assert Revision.objects.count() == 1


def test_a_rolled_back_write_records_nothing():
    article = ArticleFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        article.headline = "Never"
        article.save()
        raise RuntimeError
    assert Revision.objects.count() == 1


def test_one_piece_of_work_writing_an_article_twice_is_one_revision(editor):
    article = ArticleFactory(status=Article.Status.DRAFT, tags=["old"])
    with acting_as(editor):
        article.headline = "New headline"
        article.save()
        article.tags.set(["new"])
    newest = Revision.objects.first()
    assert history(article)[-1] == ("edited", "editor", "New headline")
    assert newest.snapshot["tags"] == ["new"]
    assert Revision.objects.count() == 3  # created, its tags, the work


def test_the_admin_form_is_one_revision_credited_to_the_editor(client, editor):
    client.force_login(editor)
    response = client.post(reverse("admin:articles_article_add"), article_form_data())
    assert response.status_code == 302
    article = Article.objects.get()
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = article_form_data(headline="Bridge reopens at last", tags="floods, bridges")
    data["loaded_revision"] = Revision.objects.get().pk
    assert client.post(url, data).status_code == 302
    assert history(article) == [
        ("created", "editor", "Bridge reopens after the flood"),
        ("edited", "editor", "Bridge reopens at last"),
    ]
    assert Revision.objects.first().snapshot["tags"] == ["floods", "bridges"]


def test_admin_actions_are_revisions_named_by_what_they_did(client, editor):
    draft = ArticleFactory(status=Article.Status.DRAFT, headline="Draft")
    public = ArticleFactory(headline="Public")
    client.force_login(editor)
    changelist = reverse("admin:articles_article_changelist")
    client.post(changelist, {"action": "publish_selected", "_selected_action": [draft.pk]})
    client.post(changelist, {"action": "unpublish_selected", "_selected_action": [public.pk]})
    assert history(draft)[-1] == ("published", "editor (the “Publish” action)", "Draft")
    assert history(public)[-1] == ("withdrawn", "editor (the “Unpublish” action)", "Public")


def test_each_imported_file_is_a_revision_naming_the_file(tmp_path):
    first = article_file(tmp_path, "one.md", {"title": "One", "slug": "one"})
    article_file(tmp_path, "two.md", {"title": "Two", "slug": "two"})
    import_articles([tmp_path], time_zone="UTC")
    assert [r.who for r in Revision.objects.order_by("pk")] == [
        f"import of {first}",
        f"import of {tmp_path / 'two.md'}",
    ]
    article_file(tmp_path, "one.md", {"title": "One, again", "slug": "one"})
    import_articles([tmp_path], time_zone="UTC")
    newest = Revision.objects.first()
    assert (newest.kind, newest.who) == ("edited", f"import of {first}")
    assert newest.snapshot["title"] == "One, again"


def test_a_dry_run_records_nothing(tmp_path):
    article_file(tmp_path, "one.md", {"title": "One", "slug": "one"})
    import_articles([tmp_path], time_zone="UTC", dry_run=True)
    assert not Revision.objects.exists()


def test_deleting_an_article_deletes_its_revisions_too(client, editor):
    kept, deleted = ArticleFactory(), ArticleFactory()
    deleted.headline = "Edited"
    deleted.save()
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_article_delete", args=[deleted.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert list(Revision.objects.values_list("article", flat=True)) == [kept.pk]
    Article.objects.all().delete()
    assert not Revision.objects.exists()


# Public or not --------------------------------------------------------------------------


def test_a_scheduled_revision_whose_time_came_is_marked_public_once_superseded():
    soon = timezone.now() + timedelta(seconds=1)
    article = ArticleFactory(published_at=soon)
    scheduled = Revision.objects.get()
    assert not scheduled.was_public
    article.published_at = timezone.now() - timedelta(minutes=1)
    article.headline = "Edited once public"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: soon + timedelta(minutes=1))
        article.save()
    scheduled.refresh_from_db()
    assert scheduled.was_public


def test_a_draft_revision_was_never_public():
    article = ArticleFactory(status=Article.Status.DRAFT)
    article.headline = "Still a draft"
    article.save()
    assert not Revision.objects.filter(was_public=True).exists()


# Retention ------------------------------------------------------------------------------


def edit(article, times, **fields):
    for n in range(times):
        article.body = f"Version {n} of {article.pk}"
        for name, value in fields.items():
            setattr(article, name, value)
        article.save()


def test_pruning_keeps_the_newest_and_every_protected_revision(settings):
    public = ArticleFactory(headline="Public")  # created: public
    edit(public, 5)  # each edit public too
    draft = ArticleFactory(status=Article.Status.DRAFT)
    edit(draft, 5)
    withdrawn = ArticleFactory(status=Article.Status.DRAFT)
    edit(withdrawn, 3)
    withdrawn.publish()
    edit(withdrawn, 2)  # public edits
    withdrawn.withdraw()
    edit(withdrawn, 3)  # after withdrawal: not public
    ever_public = set(Revision.objects.filter(was_public=True).values_list("pk", flat=True))
    newest = {a.pk: a.revisions.order_by("-pk").first().pk for a in (public, draft, withdrawn)}

    deleted = Revision.objects.prune(2)

    kept = set(Revision.objects.values_list("pk", flat=True))
    assert ever_public <= kept and set(newest.values()) <= kept
    assert Revision.objects.filter(article=public).count() == 6  # all public
    assert Revision.objects.filter(article=draft).count() == 2
    draft_kept = [r.snapshot["body"] for r in draft.revisions.order_by("pk")]
    assert draft_kept == [f"Version 3 of {draft.pk}", f"Version 4 of {draft.pk}"]
    # withdrawn: 1 created + 3 drafts + publish + 2 public edits + withdraw + 3 edits
    assert Revision.objects.filter(article=withdrawn).count() == 2 + 3  # newest 2 + 3 public
    assert deleted == 4 + (11 - 5)


def test_the_prune_command_says_what_it_would_drop_and_then_drops_it(settings):
    settings.REVISIONS_KEEP = 1
    draft = ArticleFactory(status=Article.Status.DRAFT)
    edit(draft, 3)
    out = StringIO()
    call_command("prune_revisions", "--dry-run", stdout=out)
    assert "Would delete 3 revisions" in out.getvalue()
    assert Revision.objects.count() == 4
    call_command("prune_revisions", stdout=out)
    assert "Deleted 3 revisions" in out.getvalue()
    assert list(Revision.objects.values_list("snapshot__body", flat=True)) == [
        f"Version 2 of {draft.pk}"
    ]


# Restore --------------------------------------------------------------------------------


def test_restoring_writes_the_old_content_as_a_new_revision_keeping_status_and_slug(editor):
    figure = small_figure()
    article = ArticleFactory(headline="Original", lead_figure=figure, tags=["one", "two"])
    original = Revision.objects.first()
    article.headline, article.lead_figure, article.slug = "Rewritten", None, "moved"
    article.save()
    article.tags.set(["three"])
    article.withdraw()
    with acting_as(editor):
        assert article.restore(original)
    article = Article.objects.get()
    assert (article.headline, article.lead_figure, article.slug) == ("Original", figure, "moved")
    assert article.status == Article.Status.WITHDRAWN
    assert [tag.name for tag in article.tags.all()] == ["one", "two"]
    newest = Revision.objects.first()
    assert (newest.kind, newest.who) == ("restored", f"editor (restore of revision {original.pk})")
    assert article.restore(original) is False  # holds it already: nothing new
    assert Revision.objects.first() == newest


def test_restoring_a_revision_whose_tag_and_figure_are_gone():
    figure = small_figure()
    article = ArticleFactory(lead_figure=figure, tags=["gone"], status=Article.Status.DRAFT)
    old = Revision.objects.first()
    Tag.objects.all().delete()
    figure.delete()
    assert Article.objects.get().restore(old)
    article = Article.objects.get()
    assert article.lead_figure is None
    assert [tag.name for tag in article.tags.all()] == ["gone"]


# Who acts ---------------------------------------------------------------------------------


def test_acting_as_lasts_its_block_and_nests(editor):
    article = ArticleFactory(status=Article.Status.DRAFT)
    with acting_as(editor):
        with acting_as(origin="a restore"):
            edit(article, 1)
        edit(article, 1, headline="Outer")
    edit(article, 1, headline="After")
    assert [r.who for r in Revision.objects.order_by("pk")] == [
        "unknown",
        "editor (a restore)",
        "editor",
        "unknown",
    ]


def test_a_withdrawn_article_takes_back_content_that_could_not_be_published():
    article = ArticleFactory(status=Article.Status.DRAFT, body="")
    empty = Revision.objects.get()
    article.body = "Written."
    article.publish()
    article.withdraw()
    assert article.restore(empty)
    assert Article.objects.get().body == ""
