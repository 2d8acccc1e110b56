"""An article's addresses outlive a change of slug: every former one answers 301 to the
current one (once the article is public), the old site's paths follow it, and its feed id
never changes, so feed readers do not show it again as a new item."""

from datetime import timedelta

import feedparser
import pytest
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.contrib.redirects.models import Redirect
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, FormerSlug
from articles.models.addresses import FormerSlugQuerySet
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def rename(article, slug):
    article.slug = slug
    article.save()
    return article


def moved_to(client, path):
    response = client.get(path)
    assert response.status_code == 301, (path, response.status_code)
    return response["Location"]


# Former slugs -----------------------------------------------------------------------------


def test_a_published_article_answers_at_its_old_address_with_a_301(client):
    rename(ArticleFactory(slug="first"), "second")
    assert moved_to(client, "/articles/first/") == "/articles/second/"
    assert client.get("/articles/second/").status_code == 200


def test_chains_collapse_every_old_address_leads_straight_to_the_current_one(client):
    article = ArticleFactory(slug="a")
    rename(article, "b")
    rename(article, "c")
    assert moved_to(client, "/articles/a/") == "/articles/c/"
    assert moved_to(client, "/articles/b/") == "/articles/c/"


def test_going_back_to_an_old_slug_makes_no_loop(client):
    article = ArticleFactory(slug="a")
    rename(article, "b")
    rename(article, "a")
    assert client.get("/articles/a/").status_code == 200
    assert moved_to(client, "/articles/b/") == "/articles/a/"
    assert set(FormerSlug.objects.values_list("slug", flat=True)) == {"b"}


def test_a_renamed_article_read_afresh_is_renamed_too(client):
    ArticleFactory(slug="a")
    article = Article.objects.get(slug="a")  # loaded from the database, not the factory's
    rename(article, "b")
    assert moved_to(client, "/articles/a/") == "/articles/b/"


def test_saving_without_renaming_records_nothing():
    article = ArticleFactory(slug="a")
    article.headline = "Changed"
    article.save()
    Article.objects.get().save()
    assert not FormerSlug.objects.exists()


def test_a_draft_old_address_reveals_nothing_until_the_article_is_public(client):
    article = rename(ArticleFactory(slug="a", status=Article.Status.DRAFT), "b")
    assert client.get("/articles/a/").status_code == 404  # the new slug is not given away
    article.status = Article.Status.PUBLISHED
    article.save()
    assert moved_to(client, "/articles/a/") == "/articles/b/"


def test_a_scheduled_article_old_address_is_404_like_its_page(client):
    later = timezone.now() + timedelta(days=1)
    rename(ArticleFactory(slug="a", published_at=later), "b")
    assert client.get("/articles/a/").status_code == 404


def test_a_withdrawn_article_old_address_answers_gone(client):
    rename(ArticleFactory(slug="a", status=Article.Status.WITHDRAWN), "b")
    assert client.get("/articles/a/").status_code == 410


def test_a_former_slug_taken_by_another_article_is_that_article(client):
    rename(ArticleFactory(slug="a", headline="First"), "b")
    ArticleFactory(slug="a", headline="Second")
    response = client.get("/articles/a/")
    assert response.status_code == 200
    assert response.context["article"].headline == "Second"


def test_renaming_into_another_article_former_slug_keeps_its_redirect_for_later(client):
    rename(ArticleFactory(slug="a", headline="First"), "first")
    second = rename(ArticleFactory(slug="b", status=Article.Status.DRAFT), "a")
    assert moved_to(client, "/articles/a/") == "/articles/first/"  # the draft is not out
    second.status = Article.Status.PUBLISHED
    second.published_at = timezone.now() - timedelta(minutes=1)
    second.save()
    assert client.get("/articles/a/").context["article"] == second


def test_an_article_that_leaves_a_slug_another_left_before_takes_it_over(client):
    first = rename(ArticleFactory(slug="a"), "first")
    second = rename(ArticleFactory(slug="a"), "second")
    assert dict(FormerSlug.objects.values_list("slug", "article")) == {"a": second.pk}
    assert moved_to(client, "/articles/a/") == "/articles/second/"
    first.delete()
    assert moved_to(client, "/articles/a/") == "/articles/second/"


def test_an_unknown_address_is_still_404(client):
    assert client.get("/articles/never-was/").status_code == 404


def test_the_old_site_paths_follow_the_article_without_chains(client):
    article = ArticleFactory(slug="a")
    Redirect.objects.create(site_id=1, old_path="/2024/01/story.html", new_path="/articles/a/")
    rename(article, "b")
    assert moved_to(client, "/2024/01/story.html") == "/articles/b/"


def test_an_old_redirect_between_article_addresses_cannot_make_a_loop(client):
    # As imports wrote them before: /articles/a/ -> /articles/b/ after a change of slug.
    article = ArticleFactory(slug="b", status=Article.Status.DRAFT)
    Redirect.objects.create(site_id=1, old_path="/articles/a/", new_path="/articles/b/")
    rename(article, "a")
    assert not Redirect.objects.filter(old_path="/articles/a/").exists()
    assert client.get("/articles/a/").status_code == 404  # a draft, not a redirect to itself


# serialized_rollback, as every transactional test here: after a plain flush, post_migrate
# makes the content types again under new ids, which the next serialized test collides with.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rename_is_one_transaction_with_its_redirects(monkeypatch):
    article = ArticleFactory(slug="a")

    def failing(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(FormerSlugQuerySet, "record_move", failing)
    with pytest.raises(RuntimeError):
        rename(article, "b")
    assert Article.objects.get().slug == "a"


# In the admin -----------------------------------------------------------------------------


def article_form_data(article, **overrides):
    when = timezone.localtime(article.published_at)
    data = {
        "headline": article.headline,
        "byline": "",
        "lede": article.lede,
        "body": article.body,
        "lead_figure": "",
        "title": article.title,
        "description": article.description,
        "social_title": "",
        "social_description": "",
        "status": article.status,
        "published_at_0": when.strftime("%Y-%m-%d"),
        "published_at_1": when.strftime("%H:%M:%S"),
        "slug": article.slug,
        "tags": "",
        "source_url": "",
        "extra_metadata": "{}",
        "change_kind": "minor",  # asked when the article is public
    }
    return {**data, **overrides}


def test_the_form_of_a_public_article_warns_that_a_new_slug_redirects(client, editor):
    article = ArticleFactory(slug="bridge")
    client.force_login(editor)
    response = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    slug = BeautifulSoup(response.content, "html.parser").select_one("#id_slug")
    assert "/articles/bridge/ will redirect to the new one" in slug["data-change-warning"]


@pytest.mark.parametrize("status", ["draft", "scheduled"])
def test_the_form_of_an_article_readers_cannot_see_gives_no_warning(client, editor, status):
    if status == "draft":
        article = ArticleFactory(status=Article.Status.DRAFT)
    else:
        article = ArticleFactory(published_at=timezone.now() + timedelta(days=1))
    client.force_login(editor)
    response = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    slug = BeautifulSoup(response.content, "html.parser").select_one("#id_slug")
    assert not slug.has_attr("data-change-warning")


def test_renaming_in_the_admin_keeps_the_old_address_and_says_so(client, editor):
    article = ArticleFactory(slug="bridge")
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        article_form_data(article, slug="bridge-reopens") | {"_publish_change": "Publish"},
    )
    assert response.status_code == 302
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(
        "The old address /articles/bridge/ now redirects to /articles/bridge-reopens/" in m
        for m in messages
    ), messages
    assert moved_to(client, "/articles/bridge/") == "/articles/bridge-reopens/"


# Feed ids ---------------------------------------------------------------------------------


@pytest.fixture
def site_url(settings):
    settings.SITE_URL = "https://news.example"


def feed_ids(client, url):
    feed = feedparser.parse(client.get(url).content)
    assert not feed.bozo, feed.bozo_exception
    return {entry.link: entry.id for entry in feed.entries}


@pytest.mark.parametrize("url", ["/feeds/rss/", "/feeds/atom/", "/feeds/tags/floods/rss/"])
def test_a_feed_id_survives_a_change_of_slug(client, site_url, url):
    article = ArticleFactory(slug="a", tags=["floods"])
    (before,) = feed_ids(client, url).values()
    rename(article, "b")
    assert feed_ids(client, url) == {"https://news.example/articles/b/": before}
    assert before.startswith("urn:uuid:")


def test_feed_ids_are_unique_and_not_permalinks(client, site_url):
    ArticleFactory.create_batch(3)
    response = client.get("/feeds/rss/")
    ids = feed_ids(client, "/feeds/rss/")
    assert len(set(ids.values())) == 3
    assert response.content.count(b'<guid isPermaLink="false">') == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_articles_that_were_in_feeds_before_keep_the_ids_they_had(site_url):
    """The ids readers already hold were the article's address: the migration that adds
    stable ids keeps those (as the address, resolved against SITE_URL as before)."""
    executor = MigrationExecutor(connection)
    adding = next(
        key
        for key in executor.loader.graph.nodes
        if key[0] == "articles" and "_article_feed_id" in key[1]
    )
    parents = executor.loader.graph.node_map[adding].parents
    (before,) = (parent.key for parent in parents if parent.key[0] == "articles")
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([before])
    old_apps = executor.loader.project_state([before]).apps
    OldArticle = old_apps.get_model("articles", "Article")  # noqa: N806
    for slug in ("old-one", "old-two"):
        OldArticle.objects.create(
            title=slug,
            slug=slug,
            body="Text.",
            status="published",
            published_at=timezone.now() - timedelta(days=1),
        )
    executor = MigrationExecutor(connection)
    executor.migrate(leaves)

    from django.test import Client

    ids = feed_ids(Client(), "/feeds/rss/")
    assert ids == {
        "https://news.example/articles/old-one/": "https://news.example/articles/old-one/",
        "https://news.example/articles/old-two/": "https://news.example/articles/old-two/",
    }
    rename(Article.objects.get(slug="old-one"), "renamed")
    assert feed_ids(Client(), "/feeds/rss/")["https://news.example/articles/renamed/"] == (
        "https://news.example/articles/old-one/"
    )
