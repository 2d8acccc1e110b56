"""The rule "Writers may only touch drafts" (articles/admin/permissions.py), tried with
forged POSTs on each kind of object a page shows: the article, its figure, the figure's
credit, and a tag (renamed). The browser offers none of these forms to a writer; the
server must refuse them anyway."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Figure, ImageCredit, Tag
from tests.factories import ArticleFactory, FigureFactory
from tests.test_admin import article_form_data, figure_form_data

pytestmark = pytest.mark.django_db

PAST_DRAFT = {
    "public": (Article.Status.PUBLISHED, -1),
    "scheduled": (Article.Status.PUBLISHED, +1),
    "withdrawn": (Article.Status.WITHDRAWN, -1),
}


def shown_objects(status, days):
    figure = FigureFactory(alt_text="The real picture")
    article = ArticleFactory(
        lead_figure=figure,
        status=status,
        published_at=timezone.now() + timedelta(days=days),
        tags=["Ukraine"],
    )
    return article, figure, figure.credit, Tag.objects.get(name="Ukraine")


def forged_posts(article, figure, credit, tag):
    """(kind, change URL, POST, what the object says afterwards) for each object."""
    return [
        (
            "article",
            reverse("admin:articles_article_change", args=[article.pk]),
            article_form_data(slug=article.slug, status="draft", headline="Forged"),
            lambda: Article.objects.get(pk=article.pk).headline,
        ),
        (
            "figure",
            reverse("admin:articles_figure_change", args=[figure.pk]),
            figure_form_data(alt_text="Forged", credit=credit.pk),
            lambda: Figure.objects.get(pk=figure.pk).alt_text,
        ),
        (
            "credit",
            reverse("admin:articles_imagecredit_change", args=[credit.pk]),
            {"author": "Forged", "author_url": "", "license": ""},
            lambda: ImageCredit.objects.get(pk=credit.pk).author,
        ),
        (
            "tag",
            reverse("admin:articles_tag_change", args=[tag.pk]),
            {"name": "Forged", "slug": "forged"},
            lambda: Tag.objects.get(pk=tag.pk).name,
        ),
    ]


@pytest.fixture
def writer_who_may_rename_tags(writer):
    """Writers have no tag permission (migration 0004); with it, the rule still holds."""
    writer.user_permissions.add(
        Permission.objects.get(codename="change_tag", content_type__app_label="articles")
    )
    return writer


@pytest.mark.parametrize("past_draft", PAST_DRAFT)
def test_a_writer_cannot_change_anything_an_article_past_draft_shows(
    client, writer_who_may_rename_tags, editor, past_draft
):
    objects = shown_objects(*PAST_DRAFT[past_draft])
    client.force_login(writer_who_may_rename_tags)
    for kind, url, data, now in forged_posts(*objects):
        # A live article takes a Writer's save as the draft of a change, which readers
        # do not see (test_pending_changes.py).
        drafted = kind == "article" and past_draft == "public"
        assert client.post(url, data).status_code == (302 if drafted else 403), kind
        assert now() != "Forged", kind
    client.force_login(editor)
    for kind, url, data, now in forged_posts(*objects):
        assert client.post(url, data).status_code == 302, kind
        assert now() == "Forged", kind


def test_a_writer_may_change_what_only_drafts_show(client, writer_who_may_rename_tags):
    objects = shown_objects(Article.Status.DRAFT, -1)
    client.force_login(writer_who_may_rename_tags)
    for kind, url, data, now in forged_posts(*objects):
        assert client.post(url, data).status_code == 302, kind
        assert now() == "Forged", kind


@pytest.mark.parametrize("status", ["published", "withdrawn"])
def test_a_writer_cannot_take_a_draft_out_of_draft_however_the_post_is_made(
    client, writer, status
):
    draft = ArticleFactory(status=Article.Status.DRAFT)
    client.force_login(writer)
    client.post(
        reverse("admin:articles_article_change", args=[draft.pk]),
        article_form_data(slug=draft.slug, status=status),
    )
    for action in ("publish_selected", "unpublish_selected"):
        client.post(
            reverse("admin:articles_article_changelist"),
            {"action": action, "_selected_action": [draft.pk]},
        )
    assert Article.objects.get(pk=draft.pk).status == Article.Status.DRAFT


def test_a_writer_without_the_tag_permission_renames_no_tag(client, writer):
    objects = shown_objects(Article.Status.DRAFT, -1)
    client.force_login(writer)
    *_, (kind, url, data, now) = forged_posts(*objects)
    assert client.post(url, data).status_code == 403
    assert now() == "Ukraine"
