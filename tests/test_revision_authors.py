"""Revisions record the authors an article credits, in order with their roles: a change
of authors is a revision, a restore brings them back, and the comparison shows them."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from articles.models import Article, ArticleAuthor, ArticleWrite, Author, Revision, write_articles
from tests.factories import ArticleFactory
from tests.test_admin import article_form_data

pytestmark = pytest.mark.django_db
PHOTOGRAPHS = ArticleAuthor.Role.PHOTOGRAPHS


@pytest.fixture
def ana():
    return Author.objects.create(name="Ana Kovac")


@pytest.fixture
def bo():
    return Author.objects.create(name="Bo <b>Lind</b>")


def credited(article):
    return [
        (line.author.name, line.role)
        for line in ArticleAuthor.objects.filter(article=article).select_related("author")
    ]


def test_a_change_of_authors_order_or_role_is_a_revision_holding_them(ana, bo):
    article = ArticleFactory(status=Article.Status.DRAFT)
    assert Revision.objects.first().snapshot["authors"] == []
    # The authors alone (as the admin form's authors are written), an author repeated:
    # it stands at its first place.
    write_articles([ArticleWrite(article, authors=[ana, bo, ana], tags_only=True)])
    newest = Revision.objects.first()
    assert newest.kind == "authors changed"
    assert newest.snapshot["authors"] == [
        {"author": ana.pk, "role": "author"},
        {"author": bo.pk, "role": "author"},
    ]
    article.save(authors=[bo, (ana, PHOTOGRAPHS)])
    assert Revision.objects.first().snapshot["authors"] == [
        {"author": bo.pk, "role": "author"},
        {"author": ana.pk, "role": "photographs"},
    ]
    count = Revision.objects.count()
    Article.objects.get().save()  # read back from the database: the same authors
    article.save(authors=[bo, (ana, PHOTOGRAPHS)])
    assert Revision.objects.count() == count == 3


def test_an_edit_that_does_not_name_the_authors_keeps_them_in_its_revision(ana, bo):
    article = ArticleFactory(status=Article.Status.DRAFT)
    article.save(authors=[(bo, PHOTOGRAPHS), ana])
    article = Article.objects.get()
    article.headline = "Changed"
    article.save()
    assert Revision.objects.first().snapshot["authors"] == [
        {"author": bo.pk, "role": "photographs"},
        {"author": ana.pk, "role": "author"},
    ]


def test_restoring_brings_the_authors_back_in_order_with_their_roles(ana, bo):
    gone = Author.objects.create(name="Gone")
    article = ArticleFactory(status=Article.Status.DRAFT)
    article.save(authors=[bo, gone, (ana, PHOTOGRAPHS)])
    old = Revision.objects.first()
    article.save(authors=[ana])
    gone.delete()  # no longer credited: it may go, and the restore leaves it out
    assert Article.objects.get().restore(old)
    assert credited(article) == [("Bo <b>Lind</b>", "author"), ("Ana Kovac", "photographs")]
    assert Revision.objects.first().kind == "restored"


def test_a_revision_from_before_authors_were_recorded_leaves_them_as_they_are(ana):
    article = ArticleFactory(status=Article.Status.DRAFT, headline="Old")
    old = Revision.objects.first()
    del old.snapshot["authors"]
    old.save()
    article.headline = "New"
    article.save(authors=[ana])
    assert Article.objects.get().restore(old)
    assert Article.objects.get().headline == "Old"
    assert credited(article) == [("Ana Kovac", "author")]


def test_the_comparison_shows_authors_removed_and_added_by_name(client, editor, ana, bo):
    article = ArticleFactory(status=Article.Status.DRAFT)
    article.save(authors=[ana])
    first = Revision.objects.first()
    article.save(authors=[(ana, PHOTOGRAPHS), bo])
    client.force_login(editor)
    url = reverse("admin:articles_article_compare", args=[article.pk])
    page = BeautifulSoup(client.get(f"{url}?from={first.pk}").content, "html.parser")
    rows = {row.th.get_text(): row for row in page.select(".revision-changes tbody tr")}
    assert set(rows) == {"Authors"}
    diff = rows["Authors"].select_one(".revision-diff")
    assert [d.get_text() for d in diff.select("del")] == ["Ana Kovac"]
    assert [i.get_text() for i in diff.select("ins")] == [
        "Ana Kovac (photographs)",
        "Bo <b>Lind</b>",
    ]
    assert not diff.select("b")  # a name is text, escaped

    # A revision that says nothing of authors shows no difference in them.
    del first.snapshot["authors"]
    first.save()
    page = BeautifulSoup(client.get(f"{url}?from={first.pk}").content, "html.parser")
    assert not page.select(".revision-changes tbody tr")


def test_the_admin_form_records_its_authors_in_the_one_revision_it_makes(client, editor, ana, bo):
    article = ArticleFactory(status=Article.Status.DRAFT, slug="bridge")
    before = Revision.objects.count()
    data = article_form_data(slug="bridge", headline="With authors")
    data.update(
        {
            "bylines-TOTAL_FORMS": "2",
            "bylines-INITIAL_FORMS": "0",
            "bylines-0-author": str(bo.pk),
            "bylines-0-role": "author",
            "bylines-0-position": "",
            "bylines-1-author": str(ana.pk),
            "bylines-1-role": "photographs",
            "bylines-1-position": "",
        }
    )
    client.force_login(editor)
    response = client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    assert response.status_code == 302
    assert Revision.objects.count() == before + 1
    newest = Revision.objects.first()
    assert newest.snapshot["headline"] == "With authors"
    assert newest.snapshot["authors"] == [
        {"author": bo.pk, "role": "author"},
        {"author": ana.pk, "role": "photographs"},
    ]
