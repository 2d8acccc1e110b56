"""Revisions on the editor's desk: the History page, the comparison of two revisions, restore
(by whom, how), the audit list, and no lost work when two editors save one article."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.acting import acting_as
from articles.models import Article, Revision
from tests.factories import ArticleFactory
from tests.test_admin import article_form_data, messages_of

pytestmark = pytest.mark.django_db


def history_url(article):
    return reverse("admin:articles_article_history", args=[article.pk])


def compare_url(article, **params):
    query = "&".join(f"{name}={value}" for name, value in params.items())
    return reverse("admin:articles_article_compare", args=[article.pk]) + "?" + query


def restore_url(article, revision):
    return reverse("admin:articles_article_restore", args=[article.pk, revision.pk])


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def edited(article, times, by=None):
    for n in range(times):
        with acting_as(by, origin="" if by else "a script"):
            article.body = f"Paragraph one.\n\nVersion {n} of the second paragraph."
            article.save()
    return article


# History ---------------------------------------------------------------------------------


def test_the_history_lists_each_revision_with_who_when_and_what(client, editor):
    article = ArticleFactory(status=Article.Status.DRAFT, headline="Draft")
    edited(article, 1, by=editor)
    article.publish()
    client.force_login(editor)
    response = client.get(history_url(article))
    assert response.status_code == 200
    rows = [
        [cell.get_text(" ", strip=True) for cell in row.select("th, td")][2:]
        for row in soup(response).select("#change-history tbody tr")
    ]
    assert [(row[2], row[3], row[4]) for row in rows] == [
        ("unknown", "Published", "Yes"),
        ("editor", "Edited", "No"),
        ("unknown", "Created", "No"),
    ]
    assert rows[0][0].endswith("(current)")
    # The change form's History link leads here.
    form = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert soup(form).select_one("a.historylink")["href"] == history_url(article)


@pytest.mark.parametrize("revisions", [3, 120])
def test_the_history_page_queries_do_not_grow_with_revisions(
    client, editor, django_assert_num_queries, revisions
):
    article = edited(ArticleFactory(), revisions - 1, by=editor)
    client.force_login(editor)
    # Session, user, the article, its permissions (groups), the page's count and rows.
    with django_assert_num_queries(7):
        response = client.get(history_url(article))
    assert len(soup(response).select("#change-history tbody tr")) == min(revisions, 100)


def test_the_history_of_an_article_one_cannot_see_is_refused(client, django_user_model):
    article = ArticleFactory()
    staff = django_user_model.objects.create_user("staff", is_staff=True)
    client.force_login(staff)
    assert client.get(history_url(article)).status_code == 403
    assert client.get(compare_url(article)).status_code == 403


# Comparing --------------------------------------------------------------------------------


def test_comparing_shows_words_removed_and_added_escaped(client, editor):
    article = ArticleFactory(
        headline="Bridge reopens",
        body="First paragraph stays.\n\nThe bridge <b>reopened</b> on Monday.",
        tags=["floods", "transport"],
    )
    first = Revision.objects.first()
    article.headline = "Bridge <script>alert(1)</script> reopens"
    article.body = "First paragraph stays.\n\nThe bridge <b>reopened</b> on Tuesday."
    article.save(tags=[])
    article.tags.set(["transport", "<i>roads</i>"])
    client.force_login(editor)
    response = client.get(compare_url(article, **{"from": first.pk}))
    assert response.status_code == 200
    page = soup(response)
    assert not page.select(".revision-diff script, .revision-diff b, .revision-diff i")
    changes = {
        row.th.get_text(): row.select_one(".revision-diff")
        for row in page.select(".revision-changes tbody tr")
    }
    assert set(changes) == {"Headline", "Body", "Tags"}
    headline = changes["Headline"]
    assert "".join(ins.get_text() for ins in headline.select("ins")).strip() == (
        "<script>alert(1)</script>"
    )
    assert not headline.select("del")
    body = changes["Body"]
    assert [d.get_text() for d in body.select("del")] == ["Monday."]
    assert [i.get_text() for i in body.select("ins")] == ["Tuesday."]
    assert "<b>reopened</b>" in body.get_text()  # shown as written, as text
    tags = changes["Tags"]
    assert [d.get_text() for d in tags.select("del")] == ["floods"]
    assert [i.get_text() for i in tags.select("ins")] == ["<i>roads</i>"]


def test_a_long_body_shows_the_change_with_a_little_context(client, editor):
    lines = [f"Line {n} of a long body." for n in range(200)]
    article = ArticleFactory(body="\n".join(lines))
    lines[100] = "Line 100, corrected."
    article.body = "\n".join(lines)
    article.save()
    client.force_login(editor)
    body = soup(client.get(compare_url(article))).select_one(".revision-diff")
    text = body.get_text()
    assert "Line 98" in text and "Line 102" in text and "Line 50 " not in text
    assert [gap.get_text() for gap in body.select(".diff-gap")] == [
        "… 98 unchanged lines …",
        "… 97 unchanged lines …",
    ]


@pytest.mark.parametrize("revisions", [3, 500])
def test_the_compare_page_queries_do_not_grow_with_revisions(
    client, editor, django_assert_num_queries, revisions
):
    article = edited(ArticleFactory(), revisions - 1, by=editor)
    client.force_login(editor)
    # Session, user, the article, permissions (user's, groups'), the newer and the older
    # revision, the newest one's id (to say which is current).
    with django_assert_num_queries(8):
        response = client.get(compare_url(article))
    assert response.status_code == 200
    assert soup(response).select(".revision-diff ins")


@pytest.mark.parametrize("query", ["to=999999", "to=abc", "from=abc", "from=999999"])
def test_comparing_a_revision_of_no_such_kind_is_404(client, editor, query):
    article = ArticleFactory()
    client.force_login(editor)
    assert client.get(compare_url(article) + query).status_code == 404


def test_a_revision_of_another_article_is_not_shown_or_restored(client, editor):
    article, other = ArticleFactory(), ArticleFactory(headline="Other")
    theirs = Revision.objects.get(article=other)
    client.force_login(editor)
    assert client.get(compare_url(article, to=theirs.pk)).status_code == 404
    assert client.post(restore_url(article, theirs)).status_code == 404


# Restoring --------------------------------------------------------------------------------


def test_an_editor_restores_a_revision_of_a_public_article_as_a_new_revision(client, editor):
    article = ArticleFactory(headline="Original")
    original = Revision.objects.get()
    article.headline = "Mistake"
    article.save()
    client.force_login(editor)
    response = client.post(restore_url(article, original))
    assert response.status_code == 302 and response["Location"] == history_url(article)
    assert Article.objects.get().headline == "Original"
    newest = Revision.objects.first()
    assert (newest.kind, newest.who) == ("restored", f"editor (restore of revision {original.pk})")
    assert Revision.objects.count() == 3  # nothing rewritten
    assert any("Restored revision" in m for m in messages_of(response))
    assert client.get(article.get_absolute_url()).status_code == 200


def test_restore_is_post_only_with_a_csrf_token(editor):
    article = ArticleFactory()
    original = Revision.objects.get()
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.get(restore_url(article, original)).status_code == 405
    assert client.post(restore_url(article, original)).status_code == 403
    assert Revision.objects.count() == 1


def test_a_writer_restores_drafts_only(client, writer):
    draft = ArticleFactory(status=Article.Status.DRAFT, headline="Draft one")
    draft_first = Revision.objects.get(article=draft)
    draft.headline = "Draft two"
    draft.save()
    public = ArticleFactory(headline="Public one")
    public_first = Revision.objects.get(article=public)
    public.headline = "Public two"
    public.save()
    client.force_login(writer)
    assert client.post(restore_url(draft, draft_first)).status_code == 302
    assert Article.objects.get(pk=draft.pk).headline == "Draft one"
    assert client.post(restore_url(public, public_first)).status_code == 403
    assert Article.objects.get(pk=public.pk).headline == "Public two"
    # Writers see a public article's history, without a restore button.
    page = soup(client.get(compare_url(public, **{"from": public_first.pk})))
    assert not page.select('form[action*="/restore/"]')


def test_restoring_content_that_cannot_stay_public_is_refused_with_the_reason(client, editor):
    article = ArticleFactory(status=Article.Status.DRAFT, body="")
    empty = Revision.objects.get()
    article.body = "Written at last."
    article.publish()
    client.force_login(editor)
    response = client.post(restore_url(article, empty), follow=True)
    assert any("A published article needs a body" in m for m in messages_of(response))
    assert Article.objects.get().body == "Written at last."


# The audit --------------------------------------------------------------------------------


def test_the_audit_lists_who_did_what_filterable_by_user_and_action(client, editor, writer):
    article = ArticleFactory(status=Article.Status.DRAFT, headline="Audited")
    with acting_as(writer):
        article.headline = "Audited, edited"
        article.save()
    with acting_as(editor):
        article.publish()
    with acting_as(editor):
        article.withdraw()
    client.force_login(editor)
    url = reverse("admin:articles_revision_changelist")

    def listed(**filters):
        response = client.get(url, filters)
        assert response.status_code == 200
        return [
            (
                row.select_one(".field-kind").get_text(),
                row.select_one(".field-who_column").get_text(),
            )
            for row in soup(response).select("#result_list tbody tr")
        ]

    assert listed() == [
        ("Withdrawn", "editor"),
        ("Published", "editor"),
        ("Edited", "writer"),
        ("Created", "unknown"),
    ]
    assert listed(user__id__exact=editor.pk) == [("Withdrawn", "editor"), ("Published", "editor")]
    assert listed(kind__exact="published") == [("Published", "editor")]
    # Read-only: nothing to add, change or delete.
    revision = Revision.objects.first()
    assert client.get(reverse("admin:articles_revision_add")).status_code == 403
    change = reverse("admin:articles_revision_change", args=[revision.pk])
    assert client.post(change, {"origin": "forged"}).status_code == 403
    delete = reverse("admin:articles_revision_delete", args=[revision.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Revision.objects.count() == 4


def test_writers_have_no_audit_list(client, writer):
    client.force_login(writer)
    assert client.get(reverse("admin:articles_revision_changelist")).status_code == 403


def test_the_audit_list_queries_do_not_grow_with_rows(client, editor, django_assert_num_queries):
    for n in range(30):
        edited(ArticleFactory(headline=f"Article {n}"), 2, by=editor)
    client.force_login(editor)
    # Session, user, permissions (2), the users who made revisions (the filter), count,
    # rows, and the date hierarchy's range and days.
    with django_assert_num_queries(9):
        response = client.get(reverse("admin:articles_revision_changelist"))
    assert len(soup(response).select("#result_list tbody tr")) == 90


# No lost work -----------------------------------------------------------------------------


def form_of(client, article):
    response = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    return soup(response).select_one('input[name="loaded_revision"]')["value"]


def test_a_save_over_a_newer_version_is_refused_and_the_text_kept(
    client, editor, django_user_model
):
    article = ArticleFactory(slug="bridge", status=Article.Status.DRAFT)
    other = django_user_model.objects.create_user("other", is_staff=True)
    other.groups.add(*editor.groups.all())
    client.force_login(editor)
    loaded = form_of(client, article)
    url = reverse("admin:articles_article_change", args=[article.pk])
    theirs = article_form_data(slug="bridge", body="Their body, saved first.")
    mine = article_form_data(slug="bridge", body="My body, <em>never</em> lost.")

    second = Client()
    second.force_login(other)
    assert second.post(url, {**theirs, "loaded_revision": loaded}).status_code == 302
    response = client.post(url, {**mine, "loaded_revision": loaded})

    assert response.status_code == 200
    assert Article.objects.get().body == "Their body, saved first."
    page = soup(response)
    error = page.select_one(".errornote + ul.errorlist, ul.errorlist.nonfield").get_text()
    assert "Not saved: other changed this article at" in error
    assert page.select_one("#id_body").get_text().strip() == "My body, <em>never</em> lost."
    newer = page.select_one("#newer-version .revision-diff")
    assert [d.get_text() for d in newer.select("del")] == ["Their", "saved first."]
    assert [i.get_text() for i in newer.select("ins")] == ["My", "<em>never</em> lost."]
    # The form now carries the newer revision: saving again replaces it, knowingly.
    reloaded = page.select_one('input[name="loaded_revision"]')["value"]
    assert reloaded == str(Revision.objects.first().pk)
    assert client.post(url, {**mine, "loaded_revision": reloaded}).status_code == 302
    assert Article.objects.get().body == "My body, <em>never</em> lost."


def test_a_save_over_the_version_loaded_goes_through(client, editor):
    article = ArticleFactory(slug="bridge", status=Article.Status.DRAFT)
    client.force_login(editor)
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = article_form_data(slug="bridge", body="Saved.", loaded_revision=form_of(client, article))
    assert client.post(url, data).status_code == 302
    data = article_form_data(slug="bridge", body="Again.", loaded_revision=form_of(client, article))
    assert client.post(url, data).status_code == 302
    assert Article.objects.get().body == "Again."


def test_a_publish_action_since_the_form_was_loaded_is_a_newer_version(client, editor):
    article = ArticleFactory(slug="bridge", status=Article.Status.DRAFT)
    client.force_login(editor)
    loaded = form_of(client, article)
    client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_selected", "_selected_action": [article.pk]},
    )
    url = reverse("admin:articles_article_change", args=[article.pk])
    response = client.post(url, article_form_data(slug="bridge", loaded_revision=loaded))
    assert response.status_code == 200
    assert "(the “Publish” action)" in soup(response).select_one("ul.errorlist").get_text()
    assert Article.objects.get().status == Article.Status.PUBLISHED


@pytest.mark.parametrize("tags", [3, 30])
def test_the_change_form_queries_stay_few_with_history(
    client, editor, django_assert_num_queries, tags
):
    article = edited(ArticleFactory(tags=[f"tag{n}" for n in range(tags)]), 50, by=editor)
    client.force_login(editor)
    client.get(reverse("admin:articles_article_change", args=[article.pk]))  # caches warm
    # As without revisions (test_admin's bound), plus the newest revision's id and the
    # editor's autosave; with the related-story picks, bylines (the inline's and the
    # article's) and corrections; and the draft of a change to the live article.
    with django_assert_num_queries(13):
        response = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert response.status_code == 200


# Slugs ------------------------------------------------------------------------------------


def test_a_new_slug_from_the_admin_keeps_the_old_address_alive(client, editor):
    article = ArticleFactory(slug="bridge", published_at=timezone.now() - timedelta(days=1))
    client.force_login(editor)
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = article_form_data(
        slug="bridge-reopens",
        status="published",
        loaded_revision=form_of(client, article),
        _publish_change="Publish",
    )
    assert client.post(url, data).status_code == 302
    client.logout()
    response = client.get("/articles/bridge/", follow=True)
    assert response.redirect_chain == [("/articles/bridge-reopens/", 301)]
    assert response.status_code == 200
    assert soup(response).select_one("h1").get_text(strip=True) == "Bridge reopens after the flood"
    assert Revision.objects.first().snapshot["slug"] == "bridge-reopens"


def test_the_audit_needs_the_view_revision_permission():
    editors = Permission.objects.filter(
        content_type__app_label="articles", codename="view_revision", group__name="Editors"
    )
    assert editors.exists()
