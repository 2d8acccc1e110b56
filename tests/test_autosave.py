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


# A new article's form ------------------------------------------------------------------

ADD_URL = "/admin/articles/article/add/"
KEY, OTHER_KEY = "a" * 32, "b" * 32


def add_autosave_url():
    return reverse("admin:articles_article_add_autosave")


def test_a_new_articles_text_is_kept_under_its_forms_key_and_offered_back(client, editor, writer):
    client.force_login(editor)
    page = soup(client.get(ADD_URL))
    status = page.select_one("[data-autosave-url]")
    assert status["data-autosave-url"] == add_autosave_url()
    key = page.select_one("input[name=autosave_form_key]")["value"]
    assert len(key) == 32 and not page.select("[data-autosave-restore]")
    assert soup(client.get(ADD_URL)).select_one("input[name=autosave_form_key]")["value"] != key

    response = client.post(
        add_autosave_url(), {"form_key": key, "headline": "Storm", "body": "Rain."}
    )
    assert response.status_code == 200
    assert response.json()["message"].startswith("Unsaved text kept for you at")
    kept = Autosave.objects.get()
    assert (kept.article, kept.user, kept.form_key) == (None, editor, key)
    assert kept.fields == {"headline": "Storm", "body": "Rain."}
    assert not Article.objects.exists() and not Revision.objects.exists()

    restore = soup(client.get(ADD_URL)).select_one("[data-autosave-restore]")
    assert json.loads(restore["data-autosave-restore"]) == {"headline": "Storm", "body": "Rain."}
    assert restore["data-autosave-form-key"] == key
    other = Client()
    other.force_login(writer)
    assert not soup(other.get(ADD_URL)).select("[data-autosave-restore]")


def test_two_new_articles_keep_two_texts_offered_newest_first(client, editor):
    client.force_login(editor)
    client.post(add_autosave_url(), {"form_key": KEY, "body": "First tab."})
    client.post(add_autosave_url(), {"form_key": OTHER_KEY, "body": "Second tab."})
    client.post(add_autosave_url(), {"form_key": OTHER_KEY, "body": "Second tab, more."})
    assert Autosave.objects.count() == 2
    restore = soup(client.get(ADD_URL)).select_one("[data-autosave-restore]")
    assert json.loads(restore["data-autosave-restore"]) == {"body": "Second tab, more."}
    # Discarding one offers the other.
    response = client.post(add_autosave_url(), {"form_key": OTHER_KEY, "discard": "1"})
    assert response.status_code == 302 and response["Location"] == ADD_URL
    restore = soup(client.get(ADD_URL)).select_one("[data-autosave-restore]")
    assert json.loads(restore["data-autosave-restore"]) == {"body": "First tab."}


def test_saving_the_new_article_deletes_its_text_alone(client, editor):
    client.force_login(editor)
    client.post(add_autosave_url(), {"form_key": KEY, "body": "This one."})
    client.post(add_autosave_url(), {"form_key": OTHER_KEY, "body": "Another tab."})
    data = article_form_data(slug="storm", autosave_form_key=KEY)
    data.update({f"bylines-{k}": v for k, v in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()})
    response = client.post(ADD_URL, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Article.objects.get().slug == "storm"
    assert list(Autosave.objects.values_list("form_key", flat=True)) == [OTHER_KEY]


def test_a_new_article_form_shown_again_with_its_errors_keeps_its_key(client, editor):
    client.force_login(editor)
    data = article_form_data(slug="not a slug!", autosave_form_key=KEY)
    page = soup(client.post(ADD_URL, data))
    assert page.select(".errorlist")
    assert page.select_one("input[name=autosave_form_key]")["value"] == KEY
    forged = article_form_data(slug="not a slug!", autosave_form_key="<b>")
    assert soup(client.post(ADD_URL, forged)).select_one("input[name=autosave_form_key]")[
        "value"
    ] not in ("<b>", KEY)


def test_an_editor_keeps_at_most_ten_new_articles_texts(client, editor):
    client.force_login(editor)
    for number in range(12):
        client.post(add_autosave_url(), {"form_key": f"{number:032x}", "body": f"Tab {number}."})
    kept = Autosave.objects.new_articles(editor)
    assert kept.count() == 10 and kept.first().fields == {"body": "Tab 11."}
    assert not kept.filter(form_key__in=[f"{0:032x}", f"{1:032x}"]).exists()


def test_a_new_articles_autosave_needs_a_key_and_the_right_to_add(
    client, editor, django_user_model
):
    client.force_login(editor)
    for key in ("", "not-hex", "A" * 32, "a" * 33):
        response = client.post(add_autosave_url(), {"form_key": key, "body": "Typed."})
        assert response.status_code == 400, key
        assert "form_key must be 32 hexadecimal digits" in response.json()["message"]
    assert client.get(add_autosave_url()).status_code == 405
    stranger = django_user_model.objects.create_user("stranger", password="pw", is_staff=True)
    forged = Client()
    forged.force_login(stranger)
    assert forged.post(add_autosave_url(), {"form_key": KEY, "body": "Forged."}).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    assert strict.post(add_autosave_url(), {"form_key": KEY, "body": "Forged."}).status_code == 403
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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_new_articles_text_survives_a_crash_and_comes_back_with_one_click(page, editor):
    from playwright.sync_api import expect

    from tests.test_browser import admin_login

    admin_login(page, "editor", "pw-editor")
    page.goto(ADD_URL)
    page.fill("#id_headline", "Storm closes the harbour")
    page.fill("#id_body", "A new article typed before the crash.")
    expect(page.locator(".autosave-status")).to_contain_text(
        "Unsaved text kept for you", timeout=15_000
    )
    assert Autosave.objects.get().fields["body"] == "A new article typed before the crash."

    page.context.close()  # the crash: the article was never saved
    fresh = page.context.browser.new_context(base_url=page.url.split("/admin/")[0])
    again = fresh.new_page()
    admin_login(again, "editor", "pw-editor")
    again.goto(ADD_URL)
    assert again.input_value("#id_body") == ""
    again.click("text=Put it back in the form")
    expect(again.locator("#id_body")).to_have_value("A new article typed before the crash.")
    expect(again.locator("#id_headline")).to_have_value("Storm closes the harbour")
    expect(again.locator("#id_slug")).to_have_value("storm-closes-the-harbour")
    again.click("input[name=_save]")
    expect(again.locator(".messagelist .success")).to_be_visible()
    article = Article.objects.get()
    assert article.body == "A new article typed before the crash."
    assert not Autosave.objects.exists()
    fresh.close()
