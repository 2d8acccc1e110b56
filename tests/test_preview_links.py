"""Reviewer links: each one its own revocable identity with an expiry, made and revoked
in the article's form; a revoked, expired or withdrawn article's link is dead for good."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, PreviewLink
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def draft(**kwargs):
    return ArticleFactory(status=Article.Status.DRAFT, published_at=None, **kwargs)


def set_status(article, status, published_at=None):
    article.status = status
    article.published_at = published_at
    article.save()


# The links themselves ---------------------------------------------------------------------


def test_a_link_shows_the_draft_marked_noindex_and_never_cached(client, editor):
    article = draft(headline="Embargoed budget")
    link = PreviewLink.objects.create_for(article, editor)
    response = client.get(link.get_absolute_url())
    assert response.status_code == 200
    assert "Embargoed budget" in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Cache-Control"] == "private, no-store"


def test_each_link_has_its_own_random_token_and_expiry(editor, settings):
    settings.PREVIEW_LINK_MAX_AGE = 3 * 86400
    article = draft()
    before = timezone.now()
    first = PreviewLink.objects.create_for(article, editor)
    second = PreviewLink.objects.create_for(article, editor)
    assert first.token != second.token and len(first.token) >= 22
    assert first.created_by == editor
    assert before + timedelta(days=3) <= first.expires_at <= timezone.now() + timedelta(days=3)


def test_a_revoked_link_answers_gone_and_the_others_still_work(client, editor):
    article = draft(headline="Embargoed budget")
    revoked, kept = (PreviewLink.objects.create_for(article, editor) for _ in range(2))
    revoked.revoke()
    response = client.get(revoked.get_absolute_url())
    assert response.status_code == 410
    assert "Embargoed budget" not in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Cache-Control"] == "private, no-store"
    assert client.get(kept.get_absolute_url()).status_code == 200


def test_an_expired_link_answers_gone(client, editor):
    link = PreviewLink.objects.create_for(draft(), editor)
    PreviewLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(link.get_absolute_url()).status_code == 410


def test_a_forged_or_old_style_link_is_404(client, editor):
    article = draft()
    link = PreviewLink.objects.create_for(article, editor)
    signed = link.get_absolute_url().split("/")[-2]
    forged = signed[:-2] + ("aa" if not signed.endswith("aa") else "bb")
    assert client.get(reverse("articles:preview", args=[forged])).status_code == 404
    unsigned = signing.Signer(salt="another purpose").sign(link.token)
    assert client.get(reverse("articles:preview", args=[unsigned])).status_code == 404
    # The links made before links had an identity: the article's id, signed and dated.
    old_style = signing.TimestampSigner(salt="articles.preview").sign(str(article.pk))
    assert client.get(reverse("articles:preview", args=[old_style])).status_code == 404


def test_a_link_leads_to_the_page_once_public(client, editor):
    article = draft()
    link = PreviewLink.objects.create_for(article, editor)
    set_status(article, Article.Status.PUBLISHED, timezone.now() - timedelta(minutes=1))
    response = client.get(link.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == article.get_absolute_url()


def test_withdrawing_revokes_every_link_for_good(client, editor):
    article = draft(headline="Recalled story")
    link = PreviewLink.objects.create_for(article, editor)
    set_status(article, Article.Status.PUBLISHED, timezone.now() - timedelta(minutes=1))
    set_status(article, Article.Status.WITHDRAWN, article.published_at)
    assert client.get(link.get_absolute_url()).status_code == 410
    set_status(article, Article.Status.DRAFT)
    response = client.get(link.get_absolute_url())
    assert response.status_code == 410  # an old link never comes back to life
    assert "Recalled story" not in response.content.decode()
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_the_unpublish_action_revokes_them_too(client, editor):
    article = ArticleFactory()
    link = PreviewLink.objects.create(
        article=article, created_by=editor, expires_at=timezone.now() + timedelta(days=1)
    )
    client.force_login(editor)
    client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "unpublish_selected", "_selected_action": [article.pk]},
    )
    assert Article.objects.get().status == Article.Status.WITHDRAWN
    assert not PreviewLink.objects.live().filter(pk=link.pk).exists()


# In the article's form --------------------------------------------------------------------


def change_page(client, article):
    response = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def create_url(article):
    return reverse("admin:articles_article_preview_link_create", args=[article.pk])


def revoke_url(article):
    return reverse("admin:articles_article_preview_link_revoke", args=[article.pk])


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_form_lists_live_links_with_their_expiry_and_buttons(client, editor, settings):
    settings.SITE_URL = "https://news.example"
    article = draft()
    live = PreviewLink.objects.create_for(article, editor)
    PreviewLink.objects.create_for(article, editor).revoke()
    expired = PreviewLink.objects.create_for(article, editor)
    PreviewLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    client.force_login(editor)
    page = change_page(client, article)
    module = page.select_one(".reviewer-links")
    urls = [field["value"] for field in module.select("input[type=url]")]
    assert urls == ["https://news.example" + live.get_absolute_url()]
    expiry = timezone.localtime(live.expires_at)
    assert f"Expires {expiry:%-d %B %Y, %H:%M}" in " ".join(module.get_text().split())
    (revoke,) = module.select("button[form=preview-link-revoke]")
    assert revoke["value"] == str(live.pk)
    assert module.select("button[form=preview-link-create]")
    assert page.select_one("form#preview-link-create")["action"] == create_url(article)
    assert page.select_one("form#preview-link-revoke")["action"] == revoke_url(article)
    # Outside the article's form: HTML forms do not nest.
    assert page.select_one("#article_form form") is None


def test_creating_a_link_in_the_form(client, editor, settings):
    settings.PREVIEW_LINK_MAX_AGE = 2 * 86400
    article = draft()
    client.force_login(editor)
    response = client.post(create_url(article))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:articles_article_change", args=[article.pk])
    (link,) = PreviewLink.objects.live()
    assert link.article == article and link.created_by == editor
    assert any("expires in 2 days" in message for message in messages_of(response))


def test_revoking_a_link_in_the_form(client, editor):
    article = draft()
    link = PreviewLink.objects.create_for(article, editor)
    client.force_login(editor)
    response = client.post(revoke_url(article), {"link": link.pk})
    assert response.status_code == 302
    assert not PreviewLink.objects.live().exists()
    assert any("revoked" in message for message in messages_of(response))
    assert client.get(link.get_absolute_url()).status_code == 410


def test_a_writer_makes_and_revokes_links_for_a_draft(client, writer):
    article = draft()
    client.force_login(writer)
    assert client.post(create_url(article)).status_code == 302
    (link,) = PreviewLink.objects.live()
    assert client.post(revoke_url(article), {"link": link.pk}).status_code == 302
    assert not PreviewLink.objects.live().exists()


def test_a_withdrawn_article_offers_no_usable_link(client, editor):
    article = draft()
    PreviewLink.objects.create_for(article, editor)
    set_status(article, Article.Status.WITHDRAWN, timezone.now() - timedelta(days=1))
    client.force_login(editor)
    page = change_page(client, article)
    module = page.select_one(".reviewer-links")
    assert module.select("input[type=url]") == []
    assert module.select("button") == []
    assert "withdrawn" in module.get_text()


def test_a_public_article_offers_no_link(client, editor):
    article = ArticleFactory()
    client.force_login(editor)
    assert change_page(client, article).select_one(".reviewer-links") is None


def test_the_form_queries_do_not_grow_with_links(client, editor, django_assert_max_num_queries):
    article = draft()
    client.force_login(editor)
    for count in (1, 10):
        while article.preview_links.count() < count:
            PreviewLink.objects.create_for(article, editor)
        # The change form (see test_admin) and its links: a number that does not grow.
        with django_assert_max_num_queries(13):
            change_page(client, article)


# Forged requests --------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["published", "scheduled", "withdrawn"])
def test_a_writer_cannot_make_a_link_for_an_article_past_draft(client, writer, editor, state):
    when = timezone.now() + (timedelta(days=1) if state == "scheduled" else -timedelta(days=1))
    status = Article.Status.WITHDRAWN if state == "withdrawn" else Article.Status.PUBLISHED
    article = ArticleFactory(status=status, published_at=when)
    client.force_login(writer)
    assert client.post(create_url(article)).status_code == 403
    assert not PreviewLink.objects.exists()


def test_a_writer_cannot_revoke_a_link_of_a_published_article(client, writer, editor):
    article = draft()
    link = PreviewLink.objects.create_for(article, editor)
    set_status(article, Article.Status.PUBLISHED, timezone.now() + timedelta(days=1))
    client.force_login(writer)
    assert client.post(revoke_url(article), {"link": link.pk}).status_code == 403
    assert PreviewLink.objects.live().filter(pk=link.pk).exists()


def test_staff_without_article_permissions_can_do_nothing(client, django_user_model, editor):
    intern = django_user_model.objects.create_user("intern", password="pw", is_staff=True)
    intern.user_permissions.add(Permission.objects.get(codename="view_article"))
    article = draft()
    link = PreviewLink.objects.create_for(article, editor)
    client.force_login(intern)
    assert client.post(create_url(article)).status_code == 403
    assert client.post(revoke_url(article), {"link": link.pk}).status_code == 403
    assert PreviewLink.objects.live().count() == 1
    page = change_page(client, article)  # read-only
    assert page.select_one(".reviewer-links") is None


def test_anonymous_requests_go_to_the_login_page(client, editor):
    article = draft()
    link = PreviewLink.objects.create_for(article, editor)
    for response in (
        client.post(create_url(article)),
        client.post(revoke_url(article), {"link": link.pk}),
    ):
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert PreviewLink.objects.live().count() == 1


def test_links_change_only_by_post(client, editor):
    article = draft()
    link = PreviewLink.objects.create_for(article, editor)
    client.force_login(editor)
    assert client.get(create_url(article)).status_code == 405
    assert client.get(revoke_url(article), {"link": link.pk}).status_code == 405
    assert PreviewLink.objects.live().count() == 1


def test_a_post_without_the_csrf_token_is_refused(editor):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    article = draft()
    assert client.post(create_url(article)).status_code == 403
    assert not PreviewLink.objects.exists()


def test_a_link_is_revoked_only_through_its_own_article(client, editor):
    article, other = draft(), draft()
    link = PreviewLink.objects.create_for(other, editor)
    client.force_login(editor)
    for posted in ({"link": link.pk}, {"link": "x"}, {}):
        assert client.post(revoke_url(article), posted).status_code == 404
    assert PreviewLink.objects.live().count() == 1


@pytest.mark.parametrize("state", ["public", "withdrawn"])
def test_no_link_is_made_for_an_article_a_link_cannot_show(client, editor, state):
    status = Article.Status.WITHDRAWN if state == "withdrawn" else Article.Status.PUBLISHED
    article = ArticleFactory(status=status)
    client.force_login(editor)
    response = client.post(create_url(article))
    assert response.status_code == 302
    assert not PreviewLink.objects.exists()
    assert any("No reviewer link" in message for message in messages_of(response))
