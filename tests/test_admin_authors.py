"""Authors on the editor's desk: the profiles, who may change which, and an article's
ordered authors, preselected for a Writer who has a profile."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from articles.changes import Change, article_changed
from articles.models import Article, ArticleAuthor, Author
from tests.factories import ArticleFactory
from tests.test_admin import article_form_data

pytestmark = pytest.mark.django_db

ADD = reverse("admin:articles_article_add")


def bylines_data(*rows, initial=0):
    """The inline's POST: rows are (author, role, position, byline id or None, delete)."""
    data = {
        "bylines-TOTAL_FORMS": str(len(rows)),
        "bylines-INITIAL_FORMS": str(initial),
        "bylines-MIN_NUM_FORMS": "0",
        "bylines-MAX_NUM_FORMS": "1000",
    }
    for n, (author, role, position, pk, delete) in enumerate(rows):
        data |= {
            f"bylines-{n}-author": str(author.pk) if author else "",
            f"bylines-{n}-role": role,
            f"bylines-{n}-position": "" if position is None else str(position),
            f"bylines-{n}-id": str(pk or ""),
        }
        if delete:
            data[f"bylines-{n}-DELETE"] = "on"
    return data


def credited(article):
    return [(b.author.name, b.role) for b in ArticleAuthor.objects.filter(article=article)]


@pytest.fixture
def jane():
    return Author.objects.create(name="Jane Doe", job_title="Courts reporter")


@pytest.fixture
def joe():
    return Author.objects.create(name="Joe Roe")


# --- an article's authors ------------------------------------------------------------------


def test_the_author_autocomplete_finds_authors_by_name_for_writers(client, writer, jane, joe):
    client.force_login(writer)
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "articles",
            "model_name": "articleauthor",
            "field_name": "author",
            "term": "jan",
        },
    )
    assert response.status_code == 200
    assert response.json()["results"] == [{"id": str(jane.pk), "text": "Jane Doe"}]


def test_a_writer_with_a_profile_finds_themselves_preselected(client, writer, jane):
    jane.user = writer
    jane.save()
    client.force_login(writer)
    page = BeautifulSoup(client.get(ADD).content, "html.parser")
    select = page.find("select", attrs={"name": "bylines-0-author"})
    assert select.find("option", selected=True)["value"] == str(jane.pk)
    assert select["data-ajax--url"] == reverse("admin:autocomplete")

    # The browser posts what the form shows.
    data = article_form_data() | bylines_data((jane, "author", None, None, False))
    response = client.post(ADD, data)
    assert response.status_code == 302, response.context["errors"]
    assert credited(Article.objects.get(slug="bridge-reopens")) == [("Jane Doe", "author")]


def test_nothing_is_preselected_for_others(client, writer, editor, jane):
    jane.user = editor
    jane.save()
    client.force_login(writer)
    page = BeautifulSoup(client.get(ADD).content, "html.parser")
    select = page.find("select", attrs={"name": "bylines-0-author"})
    assert [option["value"] for option in select.find_all("option", selected=True)] in ([], [""])


def test_a_cleared_preselection_saves_no_author(client, writer, jane):
    jane.user = writer
    jane.save()
    client.force_login(writer)
    data = article_form_data() | bylines_data((None, "author", None, None, False))
    assert client.post(ADD, data).status_code == 302
    assert credited(Article.objects.get(slug="bridge-reopens")) == []


def test_authors_are_saved_in_the_order_given_and_reordered(client, editor, jane, joe):
    client.force_login(editor)
    data = article_form_data() | bylines_data(
        (jane, "author", None, None, False),
        (joe, "author", 0, None, False),
    )
    assert client.post(ADD, data).status_code == 302
    article = Article.objects.get(slug="bridge-reopens")
    assert credited(article) == [("Joe Roe", "author"), ("Jane Doe", "author")]

    rows = list(ArticleAuthor.objects.filter(article=article))
    change = reverse("admin:articles_article_change", args=[article.pk])
    data = article_form_data() | bylines_data(
        (joe, "author", 1, rows[0].pk, False),
        (jane, "photographs", 0, rows[1].pk, False),
        initial=2,
    )
    assert client.post(change, data).status_code == 302
    assert credited(article) == [("Jane Doe", "photographs"), ("Joe Roe", "author")]
    assert [b.position for b in ArticleAuthor.objects.filter(article=article)] == [0, 1]

    rows = list(ArticleAuthor.objects.filter(article=article))
    data = article_form_data() | bylines_data(
        (jane, "photographs", 0, rows[0].pk, True),
        (joe, "author", 1, rows[1].pk, False),
        initial=2,
    )
    assert client.post(change, data).status_code == 302
    assert credited(article) == [("Joe Roe", "author")]


def test_an_author_listed_twice_is_refused_naming_them(client, editor, jane):
    client.force_login(editor)
    data = article_form_data() | bylines_data(
        (jane, "author", None, None, False), (jane, "photographs", None, None, False)
    )
    response = client.post(ADD, data)
    assert response.status_code == 200
    assert "Jane Doe is listed twice." in response.content.decode()
    assert not Article.objects.exists()


def test_a_change_of_authors_in_the_form_is_one_announcement(
    client, editor, jane, django_capture_on_commit_callbacks
):
    article = ArticleFactory(status=Article.Status.DRAFT, slug="bridge-reopens")
    heard = []

    def listener(sender, article_ids, kind, **kwargs):
        heard.append((kind, article_ids))

    article_changed.connect(listener)
    try:
        client.force_login(editor)
        data = article_form_data() | bylines_data((jane, "author", None, None, False))
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("admin:articles_article_change", args=[article.pk]), data
            )
    finally:
        article_changed.disconnect(listener)
    assert response.status_code == 302
    assert heard == [(Change.EDITED, (article.pk,))]
    assert credited(article) == [("Jane Doe", "author")]


def test_a_post_without_the_authors_leaves_them_as_they_are(client, editor, jane):
    article = ArticleFactory(status=Article.Status.DRAFT, slug="bridge-reopens")
    article.save(authors=[jane])
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_article_change", args=[article.pk]), article_form_data()
    )
    assert response.status_code == 302
    assert credited(article) == [("Jane Doe", "author")]


def test_a_writer_cannot_change_the_authors_of_a_published_article(client, writer, jane):
    article = ArticleFactory(slug="bridge-reopens")
    client.force_login(writer)
    data = article_form_data() | bylines_data((jane, "author", None, None, False))
    response = client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    # Saved as the draft of a change (test_pending_changes.py), which holds no authors.
    assert response.status_code == 302
    assert credited(article) == []


# --- author profiles -----------------------------------------------------------------------


def author_data(**overrides):
    return {
        "name": "Jane Doe",
        "slug": "jane-doe",
        "job_title": "Courts reporter",
        "bio": "Covers the courts.",
        "photo": "",
        "links": "https://jane.example/\nhttps://social.example/@jane",
        "user": "",
        **overrides,
    }


def change_url(author):
    return reverse("admin:articles_author_change", args=[author.pk])


def test_editors_add_an_author_with_links_one_a_line_and_a_user(client, editor, writer):
    client.force_login(editor)
    response = client.post(reverse("admin:articles_author_add"), author_data(user=str(writer.pk)))
    assert response.status_code == 302
    author = Author.objects.get()
    assert author.links == ["https://jane.example/", "https://social.example/@jane"]
    assert author.user == writer


def test_the_author_form_refuses_an_address_that_is_not_web(client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_author_add"), author_data(links="javascript:alert(1)")
    )
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["links"]
    assert not Author.objects.exists()


def test_the_author_list_and_search(client, editor, jane, joe):
    client.force_login(editor)
    response = client.get(reverse("admin:articles_author_changelist"), {"q": "courts"})
    assert response.status_code == 200
    assert [a.name for a in response.context["cl"].result_list] == ["Jane Doe"]


def test_a_writer_changes_their_own_profile_but_not_its_account(client, writer, editor, jane):
    jane.user = writer
    jane.save()
    client.force_login(writer)
    # Forged: the field is not in a Writer's form, so the account stays.
    data = author_data(bio="Now also covers the council.", user=str(editor.pk))
    response = client.post(change_url(jane), data)
    assert response.status_code == 302
    jane.refresh_from_db()
    assert jane.bio == "Now also covers the council."
    assert jane.user == writer


def test_a_writer_cannot_change_someone_elses_profile(client, writer, editor, jane):
    jane.user = editor
    jane.save()
    client.force_login(writer)
    page = BeautifulSoup(client.get(change_url(jane)).content, "html.parser")
    assert page.find("input", attrs={"name": "name"}) is None  # shown read-only
    response = client.post(change_url(jane), author_data(name="Hijacked"))
    assert response.status_code == 403
    jane.refresh_from_db()
    assert jane.name == "Jane Doe"


def test_a_writer_cannot_change_a_profile_a_published_article_credits(client, writer, jane):
    ArticleFactory().save(authors=[jane])
    client.force_login(writer)
    response = client.post(change_url(jane), author_data(name="Renamed"))
    assert response.status_code == 403
    jane.refresh_from_db()
    assert jane.name == "Jane Doe"


def test_a_writer_changes_an_unclaimed_profile_only_drafts_credit(client, writer, jane):
    ArticleFactory(status=Article.Status.DRAFT).save(authors=[jane])
    client.force_login(writer)
    response = client.post(change_url(jane), author_data(name="Jane A. Doe"))
    assert response.status_code == 302
    jane.refresh_from_db()
    assert jane.name == "Jane A. Doe"


def test_a_writer_adds_a_profile_but_cannot_claim_an_account_or_delete(client, writer, jane):
    client.force_login(writer)
    response = client.post(
        reverse("admin:articles_author_add"),
        author_data(name="Guest Writer", slug="guest-writer", user=str(writer.pk)),
    )
    assert response.status_code == 302
    assert Author.objects.get(slug="guest-writer").user is None
    response = client.post(reverse("admin:articles_author_delete", args=[jane.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Author.objects.filter(pk=jane.pk).exists()
