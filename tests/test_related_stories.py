"""Related stories below an article: the editors' picks in order, then the latest public
articles sharing its section or tags; one query for the whole block."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from articles.changes import Change
from articles.models import Article, RelatedArticle, Section
from articles.models import article as article_module
from articles.models.article import ArticleQuerySet
from tests import test_write_path
from tests.factories import ArticleFactory
from tests.test_admin import article_form_data

pytestmark = pytest.mark.django_db
heard, committed = test_write_path.heard, test_write_path.committed  # fixtures


def ago(hours):
    return timezone.now() - timedelta(hours=hours)


def related(article):
    article = Article.objects.for_detail().get(pk=article.pk)
    return [story.headline for story in Article.objects.related_to(article)]


@pytest.fixture
def europe():
    return Section.objects.create(name="Europe", slug="europe")


def test_shared_section_or_tags_latest_first_public_only(europe):
    article = ArticleFactory(section=europe, tags=["Elections", "Paris"])
    same_section = ArticleFactory(headline="Same section", section=europe, published_at=ago(3))
    same_tag = ArticleFactory(headline="Same tag", tags=["paris"], published_at=ago(2))
    ArticleFactory(headline="Unrelated", tags=["Sport"], published_at=ago(1))
    ArticleFactory(headline="Draft", section=europe, status=Article.Status.DRAFT)
    ArticleFactory(headline="Scheduled", section=europe, published_at=ago(-2))
    ArticleFactory(
        headline="Withdrawn", section=europe, status=Article.Status.WITHDRAWN, published_at=ago(1)
    )
    assert related(article) == [same_tag.headline, same_section.headline]


def test_at_most_four_the_most_recent(europe):
    article = ArticleFactory(section=europe)
    stories = [
        ArticleFactory(headline=f"Story {n}", section=europe, published_at=ago(n + 1))
        for n in range(6)
    ]
    assert related(article) == [story.headline for story in stories[:4]]


def test_editors_picks_come_first_in_their_order_then_the_site_fills_the_rest(europe):
    article = ArticleFactory(section=europe)
    latest = ArticleFactory(headline="Latest in section", section=europe, published_at=ago(1))
    old_pick = ArticleFactory(headline="Old pick", published_at=ago(500))
    other_pick = ArticleFactory(headline="Other pick", published_at=ago(100))
    draft_pick = ArticleFactory(headline="Draft pick", status=Article.Status.DRAFT)
    RelatedArticle.objects.set_picks(article, [other_pick, draft_pick, old_pick])
    assert related(article) == [other_pick.headline, old_pick.headline, latest.headline]
    RelatedArticle.objects.set_picks(article, [old_pick, other_pick])
    assert related(article) == [old_pick.headline, other_pick.headline, latest.headline]


def test_an_article_with_nothing_in_common_has_no_related_stories():
    article = ArticleFactory()
    ArticleFactory(headline="Other")
    assert related(article) == []


def test_the_block_is_one_query_whatever_the_tags(europe, django_assert_num_queries):
    tags = [f"Tag {n}" for n in range(12)]
    article = ArticleFactory(section=europe, tags=tags)
    for n in range(10):
        ArticleFactory(section=europe, tags=tags[n : n + 2])
    RelatedArticle.objects.set_picks(article, [ArticleFactory()])
    article = Article.objects.for_detail().get(pk=article.pk)
    with django_assert_num_queries(1):
        assert len(list(Article.objects.related_to(article))) == 4


def test_the_article_page_shows_them_linked(client, europe):
    article = ArticleFactory(section=europe)
    story = ArticleFactory(headline="Read this next", section=europe)
    page = BeautifulSoup(client.get(article.get_absolute_url()).content, "html.parser")
    block = page.select_one("aside.related")
    assert block.h2.get_text() == "Related stories"
    (link,) = block.select("a")
    assert (link.get_text(), link["href"]) == (story.headline, story.get_absolute_url())


def test_picks_are_announced_as_an_edit_of_the_article(heard, committed):
    article, pick = ArticleFactory(), ArticleFactory()
    heard.clear()
    with committed():
        RelatedArticle.objects.set_picks(article, [pick])
    assert heard == [(Change.EDITED, (article.pk,))]
    heard.clear()
    with committed():
        RelatedArticle.objects.set_picks(article, [pick])
    assert heard == []


def test_editors_pick_related_stories_in_order_in_the_admin(client, editor):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    first, second = ArticleFactory(headline="First"), ArticleFactory(headline="Second")
    client.force_login(editor)
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = article_form_data(slug=article.slug, related_stories=[second.pk, first.pk])
    assert client.post(url, data).status_code == 302
    assert RelatedArticle.objects.picks_of(article) == [second, first]
    form = BeautifulSoup(client.get(url).content, "html.parser")
    chosen = form.select("select[name=related_stories] option[selected]")
    assert [option.get_text() for option in chosen] == ["Second", "First"]
    for refused in ([article.pk], [ArticleFactory().pk for _ in range(5)]):  # itself; five
        response = client.post(url, {**data, "related_stories": refused})
        assert response.status_code == 200
        assert BeautifulSoup(response.content, "html.parser").select(
            ".field-related_stories .errorlist"
        )
    assert RelatedArticle.objects.picks_of(article) == [second, first]


def test_writers_cannot_pick_related_stories_even_by_a_forged_post(client, writer):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    other = ArticleFactory()
    client.force_login(writer)
    url = reverse("admin:articles_article_change", args=[article.pk])
    assert "related_stories" not in client.get(url).content.decode()
    data = article_form_data(slug=article.slug, related_stories=[other.pk])
    assert client.post(url, data).status_code == 302
    assert not RelatedArticle.objects.exists()


def test_the_query_is_made_once_per_shape_and_run_with_each_article_s_values(
    europe, monkeypatch
):
    asia = Section.objects.create(name="Asia", slug="asia")
    first = ArticleFactory(section=europe, tags=["Elections", "Paris"])
    second = ArticleFactory(section=asia, tags=["Trade", "Tokyo"])
    ArticleFactory(headline="In Europe", section=europe, published_at=ago(2))
    ArticleFactory(headline="On Paris", tags=["Paris"], published_at=ago(3))
    ArticleFactory(headline="In Asia", section=asia, published_at=ago(2))
    ArticleFactory(headline="On Tokyo", tags=["Tokyo"], published_at=ago(3))
    RelatedArticle.objects.set_picks(second, [first])
    untagged = ArticleFactory(tags=[])
    monkeypatch.setattr(article_module, "_MADE_SQL", {})  # as in a process just started
    assert related(first) == ["In Europe", "On Paris"]
    assert related(untagged) == []

    built = []
    original = ArticleQuerySet.related_query

    def counted(self, *args, **kwargs):
        built.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ArticleQuerySet, "related_query", counted)
    # The same shape (a section, two tags): the SQL made for the first, with its own values.
    assert related(second) == [first.headline, "In Asia", "On Tokyo"]
    assert built == []
    second.section = None
    second.save()
    assert related(second) == [first.headline, "On Tokyo"]  # a new shape: made once
    assert related(second) == [first.headline, "On Tokyo"]
    assert len(built) == 1
