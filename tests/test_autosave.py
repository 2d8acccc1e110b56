"""Autosave: the article form's unsaved text kept on the server for its editor alone,
offered back after a crash, gone once the form is saved; in a real browser too."""

import json

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from articles.models import Article, Autosave, Revision
from tests.factories import ArticleFactory
from tests.test_admin import article_form_data

pytestmark = pytest.mark.django_db


def autosave_url(article):
    return reverse("admin:articles_article_autosave", args=[article.pk])


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def test_unsaved_text_is_kept_for_its_editor_alone_and_offered_back(client, editor, writer):
    article = ArticleFactory(status=Article.Status.DRAFT, body="Saved body.")
    client.force_login(editor)
    response = client.post(autosave_url(article), {"body": "Typed, <b>not saved</b>.", "x": "1"})
    assert response.status_code == 200
    assert response.json()["message"].startswith("Unsaved text kept for you at")
    kept = Autosave.objects.get()
    assert (kept.user, kept.fields) == (editor, {"body": "Typed, <b>not saved</b>."})
    assert Article.objects.get().body == "Saved body."  # nothing public, no revision
    assert Revision.objects.count() == 1

    restore = soup(client.get(change_url(article))).select_one("[data-autosave-restore]")
    assert json.loads(restore["data-autosave-restore"]) == {"body": "Typed, <b>not saved</b>."}
    other = Client()
    other.force_login(writer)
    assert not soup(other.get(change_url(article))).select("[data-autosave-restore]")


def test_a_second_autosave_replaces_the_first(client, editor):
    article = ArticleFactory(status=Article.Status.DRAFT)
    client.force_login(editor)
    client.post(autosave_url(article), {"body": "One"})
    client.post(autosave_url(article), {"body": "Two", "headline": "H"})
    assert Autosave.objects.get().fields == {"body": "Two", "headline": "H"}


def test_text_the_form_holds_already_is_not_offered(client, editor):
    article = ArticleFactory(status=Article.Status.DRAFT, body="Same body.", tags=["a", "b"])
    client.force_login(editor)
    client.post(autosave_url(article), {"body": "Same body.", "tags": "a, b"})
    page = soup(client.get(change_url(article)))
    assert not page.select("[data-autosave-restore]")
    assert page.select_one("[data-autosave-url]")["data-autosave-url"] == autosave_url(article)


def test_saving_the_form_or_discarding_deletes_the_autosave(client, editor):
    article = ArticleFactory(status=Article.Status.DRAFT, slug="bridge")
    client.force_login(editor)
    client.post(autosave_url(article), {"body": "Typed."})
    assert client.post(change_url(article), article_form_data(slug="bridge")).status_code == 302
    assert not Autosave.objects.exists()
    client.post(autosave_url(article), {"body": "Typed again."})
    response = client.post(autosave_url(article), {"discard": "1"})
    assert response.status_code == 302 and response["Location"] == change_url(article)
    assert not Autosave.objects.exists()


def test_deleting_the_article_deletes_its_autosaves(client, editor):
    article = ArticleFactory(status=Article.Status.DRAFT)
    client.force_login(editor)
    client.post(autosave_url(article), {"body": "Typed."})
    delete = reverse("admin:articles_article_delete", args=[article.pk])
    assert "Autosave" not in client.get(delete).content.decode()
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not Autosave.objects.exists() and not Article.objects.exists()


def test_autosave_is_refused_to_who_may_not_change_the_article(client, writer):
    # A Writer may draft a change to a live article (test_pending_changes.py), not this.
    public = ArticleFactory(status="withdrawn")
    client.force_login(writer)
    assert client.post(autosave_url(public), {"body": "Forged."}).status_code == 403
    assert client.get(autosave_url(public)).status_code == 405
    assert not Autosave.objects.exists()
    assert not soup(client.get(change_url(public))).select("[data-autosave-url]")


def test_autosave_needs_a_csrf_token(editor):
    article = ArticleFactory(status=Article.Status.DRAFT)
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post(autosave_url(article), {"body": "Forged."}).status_code == 403
    assert not Autosave.objects.exists()


# In a browser ---------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_typed_text_survives_a_crash_and_comes_back_with_one_click(page, editor):
    from playwright.sync_api import expect

    from tests.test_browser import admin_login

    article = ArticleFactory(status=Article.Status.DRAFT, body="Saved body.", headline="Budget")
    admin_login(page, "editor", "pw-editor")
    page.goto(change_url(article))
    page.fill("#id_body", "A paragraph typed before the crash.")
    page.fill("#id_headline", "Budget, revised")
    expect(page.locator(".autosave-status")).to_contain_text(
        "Unsaved text kept for you", timeout=15_000
    )
    assert Autosave.objects.get().fields["body"] == "A paragraph typed before the crash."

    page.context.close()  # the crash: the page never saved
    fresh = page.context.browser.new_context(base_url=page.url.split("/admin/")[0])
    again = fresh.new_page()
    admin_login(again, "editor", "pw-editor")
    again.goto(change_url(article))
    assert again.input_value("#id_body") == "Saved body."
    again.click("text=Put it back in the form")
    assert again.input_value("#id_body") == "A paragraph typed before the crash."
    assert again.input_value("#id_headline") == "Budget, revised"
    again.click("input[name=_save]")
    again.wait_for_selector(".messagelist .success")
    assert Article.objects.get().body == "A paragraph typed before the crash."
    assert not Autosave.objects.exists()
    fresh.close()
