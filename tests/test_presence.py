"""Who else has an article's form open: recorded by the form's poll in Django's cache (on
Redis too), answered to whoever may change the article alone, forgotten when the form
closes or falls silent; two browsers seeing each other."""

import re
from datetime import datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import presence
from articles.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def presence_url(article_or_pk):
    return reverse(
        "admin:articles_article_presence", args=[getattr(article_or_pk, "pk", article_or_pk)]
    )


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ana(editor):
    editor.first_name, editor.last_name = "Ana", "Editor"
    editor.save()
    return editor


def test_two_editors_see_each_other_and_not_themselves(ana, writer, django_user_model):
    article = ArticleFactory(status=Article.Status.DRAFT)
    first = signed_in(ana).post(presence_url(article))
    assert first.status_code == 200 and first.json() == {"others": [], "message": ""}

    second = signed_in(writer).post(presence_url(article)).json()
    (other,) = second["others"]
    assert other["name"] == "Ana Editor"
    since = datetime.fromisoformat(other["since"]).strftime("%H:%M")
    assert second["message"] == f"Ana Editor has this article open (since {since})."

    again = signed_in(ana).post(presence_url(article)).json()
    assert [o["name"] for o in again["others"]] == ["writer"]
    since = datetime.fromisoformat(again["others"][0]["since"]).strftime("%H:%M")
    assert again["message"] == f"writer has this article open (since {since})."
    # Several: earliest first.
    chief = django_user_model.objects.create_user("chief", is_staff=True, is_superuser=True)
    third = signed_in(chief).post(presence_url(article)).json()
    assert [o["name"] for o in third["others"]] == ["Ana Editor", "writer"]
    assert re.fullmatch(
        r"Ana Editor \(since \d\d:\d\d\) and writer \(since \d\d:\d\d\) have this "
        r"article open\.",
        third["message"],
    )
    # Another article's form is another matter.
    elsewhere = ArticleFactory(status=Article.Status.DRAFT)
    assert signed_in(writer).post(presence_url(elsewhere)).json()["others"] == []


def test_presence_is_kept_in_redis_with_an_expiry(redis_cache, ana, writer):
    import redis

    from tests.conftest import TEST_REDIS_URL

    article = ArticleFactory(status=Article.Status.DRAFT)
    signed_in(ana).post(presence_url(article))
    answer = signed_in(writer).post(presence_url(article)).json()
    assert [other["name"] for other in answer["others"]] == ["Ana Editor"]
    client = redis.Redis.from_url(TEST_REDIS_URL)
    mine = client.keys(f"{redis_cache}:*:presence:{article.pk}:{ana.pk}")
    assert len(mine) == 1 and 0 < client.ttl(mine[0]) <= presence.PRESENCE_TTL


def test_an_editor_who_falls_silent_is_forgotten_and_since_is_kept_while_present(ana, writer):
    article = ArticleFactory(status=Article.Status.DRAFT)
    start = timezone.now()
    presence.is_open(article.pk, ana, now=start)
    later = start + timedelta(seconds=presence.PRESENCE_TTL - 1)
    (other,) = presence.is_open(article.pk, writer, now=later)
    assert other.name == "Ana Editor" and other.since.timestamp() == start.timestamp()
    presence.is_open(article.pk, ana, now=later)  # a word in time: still there since start
    (other,) = presence.is_open(article.pk, writer, now=later + timedelta(seconds=60))
    assert other.since.timestamp() == start.timestamp()
    silent = later + timedelta(seconds=presence.PRESENCE_TTL + 1)
    assert presence.is_open(article.pk, writer, now=silent) == []
    # Back after falling silent: present since coming back.
    presence.is_open(article.pk, ana, now=silent)
    (other,) = presence.is_open(article.pk, writer, now=silent)
    assert other.since.timestamp() == silent.timestamp()


def test_a_closed_form_is_forgotten_at_once(ana, writer):
    article = ArticleFactory(status=Article.Status.DRAFT)
    editor_client = signed_in(ana)
    editor_client.post(presence_url(article))
    assert editor_client.post(presence_url(article), {"left": "1"}).status_code == 204
    assert signed_in(writer).post(presence_url(article)).json()["others"] == []


def test_who_may_not_change_the_article_is_refused_and_not_counted(
    ana, writer, django_assert_num_queries
):
    withdrawn = ArticleFactory(status=Article.Status.WITHDRAWN)
    forged = signed_in(writer).post(presence_url(withdrawn))
    assert forged.status_code == 403
    assert forged.json() == {"message": "You may not change this article."}
    assert signed_in(ana).post(presence_url(withdrawn)).json()["others"] == []
    # A live article's change form drafts a change, which Writers may prepare.
    public = ArticleFactory()
    assert signed_in(writer).post(presence_url(public)).status_code == 200
    assert signed_in(ana).post(presence_url(public)).json()["others"][0]["name"]
    # A draft is theirs to change: one query more (whether it is past draft).
    draft = ArticleFactory(status=Article.Status.DRAFT)
    writer_client = signed_in(writer)
    with django_assert_num_queries(6):
        assert writer_client.post(presence_url(draft)).status_code == 200
    # The form of an article they may only look at does not ask.
    page = BeautifulSoup(signed_in(writer).get(change_url(withdrawn)).content, "html.parser")
    assert not page.select("[data-presence-url]")


def test_no_answer_without_staff_sign_in_post_or_csrf_token(ana, django_user_model):
    article = ArticleFactory(status=Article.Status.DRAFT)
    assert Client().post(presence_url(article)).status_code == 302  # to the sign-in page
    reader = django_user_model.objects.create_user("reader", password="pw")
    assert signed_in(reader).post(presence_url(article)).status_code == 302
    assert signed_in(ana).get(presence_url(article)).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(ana)
    assert strict.post(presence_url(article)).status_code == 403
    assert presence.is_open(article.pk, django_user_model(pk=999, username="x")) == []


def test_a_missing_or_deleted_article_is_a_404_not_an_error(ana):
    article = ArticleFactory(status=Article.Status.DRAFT)
    client = signed_in(ana)
    client.post(presence_url(article))
    article.delete()
    for url in (presence_url(article), presence_url(987654), "/admin/articles/article/x/presence/"):
        response = client.post(url)
        assert response.status_code == 404, url
        assert response.json() == {"message": "This article no longer exists."}


def test_the_form_hands_its_script_the_address_and_the_interval(ana, django_assert_num_queries):
    article = ArticleFactory(status=Article.Status.DRAFT)
    client = signed_in(ana)
    page = BeautifulSoup(client.get(change_url(article)).content, "html.parser")
    status = page.select_one(".presence-status[data-presence-url]")
    assert status["data-presence-url"] == presence_url(article)
    assert status["data-presence-seconds"] == str(presence.PRESENCE_SECONDS)
    assert page.select_one("script[src$='admin/articles/presence.js']")
    assert not page.select_one("#article_form script:not([src])")
    # Session, user, the article's id, the user's own and groups' permissions.
    with django_assert_num_queries(5):
        assert client.post(presence_url(article)).status_code == 200


# In a browser ---------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_browsers_see_each_other_and_a_closed_one_goes(page, ana, writer, monkeypatch):
    from playwright.sync_api import expect

    from tests.test_browser import admin_login

    # The server hands the interval to the script: a second keeps the test short.
    monkeypatch.setattr(presence, "PRESENCE_SECONDS", 1)
    article = ArticleFactory(status=Article.Status.DRAFT, headline="Budget")
    admin_login(page, "editor", "pw-editor")
    page.goto(change_url(article))
    status = page.locator(".presence-status")
    expect(status).to_be_hidden()

    other = page.context.browser.new_context(base_url=page.url.split("/admin/")[0])
    writer_page = other.new_page()
    admin_login(writer_page, "writer", "pw-writer")
    writer_page.goto(change_url(article))
    expect(writer_page.locator(".presence-status")).to_have_text(
        re.compile(r"^Ana Editor has this article open \(since \d\d:\d\d\)\.$")
    )
    expect(status).to_contain_text("writer has this article open (since")
    expect(status).to_be_visible()

    writer_page.close()  # the tab says it leaves
    expect(status).to_be_hidden()
    other.close()
