"""Tags in the article form: the editor's order and spelling survive, and existing tags
are offered while typing (the names endpoint, and the widget in a real browser)."""

import pytest
import yaml
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.urls import reverse
from playwright.sync_api import expect

from articles.forms import TagNamesField, format_tag_names, parse_tag_names
from articles.importing import Result, import_articles
from articles.importing.exporting import export_articles
from articles.models import Article, Tag
from tests.factories import ArticleFactory
from tests.test_admin import article_form_data
from tests.test_browser import admin_login
from tests.test_importing import article_file

pytestmark = pytest.mark.django_db

NAMES_URL = "admin:articles_tag_names"


# Parsing and showing the list --------------------------------------------------------------


@pytest.mark.parametrize(
    "text, names",
    [
        ("Energy, Climate policy", ["Energy", "Climate policy"]),
        ("Climate policy", ["Climate policy"]),  # one tag of two words, not two tags
        ("  Zebra ,  apple  ,, ", ["Zebra", "apple"]),
        ("War, war, WAR, Kursk", ["War", "Kursk"]),  # one of each, the first spelling
        ('Energy, "Oil, gas and coal", Prices', ["Energy", "Oil, gas and coal", "Prices"]),
        ('The "Troubles", Belfast', ['The "Troubles"', "Belfast"]),
        ('"""Quoted"" start", x', ['"Quoted" start', "x"]),
        ("Lines\npasted\r\nas a list", ["Lines", "pasted", "as a list"]),
        ("Double   space", ["Double space"]),
        ("", []),
        (" , ", []),
    ],
)
def test_tag_names_are_read_in_the_order_and_spelling_typed(text, names):
    assert parse_tag_names(text) == names
    # What the form shows reads back as the same list.
    assert parse_tag_names(format_tag_names(names)) == names


def test_the_form_shows_names_as_typed():
    assert format_tag_names(["Energy", "Climate policy"]) == "Energy, Climate policy"
    assert format_tag_names(["Oil, gas", '"Q" start', 'The "T"']) == (
        '"Oil, gas", """Q"" start", The "T"'
    )


@pytest.mark.parametrize("text", ["a\x00b", "Rain\x07", "x" * 101])
def test_the_field_refuses_what_no_tag_name_can_hold(text):
    with pytest.raises(ValidationError):
        TagNamesField(required=False).clean(text)


# The article form ---------------------------------------------------------------------------


def form_value(client, article):
    response = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    return BeautifulSoup(response.content, "html.parser").find(id="id_tags")["value"]


def test_the_order_and_spelling_typed_survive_save_and_reload(client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_article_add"),
        article_form_data(tags="Energy, Climate policy", status="published"),
    )
    assert response.status_code == 302
    article = Article.objects.get(slug="bridge-reopens")
    assert list(article.tags.names()) == ["Energy", "Climate policy"]
    assert form_value(client, article) == "Energy, Climate policy"

    # The reader's page, its metadata and feeds list them in the same order.
    page = BeautifulSoup(client.get(article.get_absolute_url()).content, "html.parser")
    assert [a.text for a in page.select(".tag-list a")] == ["Energy", "Climate policy"]
    assert [m["content"] for m in page.select("meta[property='article:tag']")] == [
        "Energy",
        "Climate policy",
    ]

    # Reordering is a change, and sticks.
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = article_form_data(
        tags="Climate policy, Zoning, Energy", status="published", _publish_change="Publish"
    )
    assert client.post(url, data).status_code == 302
    assert list(article.tags.names()) == ["Climate policy", "Zoning", "Energy"]
    assert form_value(client, article) == "Climate policy, Zoning, Energy"
    assert client.post(url, {**data, "tags": "Energy"}).status_code == 302
    assert list(article.tags.names()) == ["Energy"]


def test_an_existing_tag_keeps_its_spelling_when_typed_in_another_case(client, editor):
    ArticleFactory(tags=["Climate policy"])
    client.force_login(editor)
    client.post(reverse("admin:articles_article_add"), article_form_data(tags="CLIMATE POLICY"))
    assert list(Article.objects.get(slug="bridge-reopens").tags.names()) == ["Climate policy"]
    assert Tag.objects.count() == 1


def test_tags_added_later_come_after_the_others():
    article = ArticleFactory(tags=["b", "a"])
    article.tags.add("d", "c", "a")
    assert list(article.tags.names()) == ["b", "a", "d", "c"]
    article.tags.set(["c", "b"])
    assert list(article.tags.names()) == ["c", "b"]
    # Prefetched, as pages read them: the same order.
    [fetched] = Article.objects.filter(pk=article.pk).for_listing()
    assert [tag.name for tag in fetched.tags.all()] == ["c", "b"]


def test_the_tags_field_names_the_endpoint_and_its_script(client, writer):
    client.force_login(writer)
    response = client.get(reverse("admin:articles_article_add"))
    field = BeautifulSoup(response.content, "html.parser").find(id="id_tags")
    assert field["data-tag-names-url"] == reverse(NAMES_URL)
    assert field["autocomplete"] == "off"
    assert "admin/articles/tag_names.js" in response.content.decode()


# The names endpoint ---------------------------------------------------------------------------


def names(client, term, status=200):
    response = client.get(reverse(NAMES_URL), {"term": term})
    assert response.status_code == status
    return response.json()["names"] if status == 200 else response


def test_names_that_start_with_the_term_come_first_then_alphabetically(client, writer):
    ArticleFactory.create_batch(3, tags=["Climate policy"])
    ArticleFactory(tags=["climate", "Policy on climate", "Energy", "Anticlimax"])
    client.force_login(writer)
    assert names(client, "clim") == ["climate", "Climate policy", "Anticlimax", "Policy on climate"]
    assert names(client, "  ENERGY ") == ["Energy"]
    assert names(client, "nothing like it") == []
    assert names(client, "") == []


def test_names_are_few(client, writer):
    for n in range(30):
        Tag.objects.create(name=f"Region {n:02}")
    client.force_login(writer)
    assert len(names(client, "region")) == 10


@pytest.mark.parametrize(
    "term", ["\x01", "a\x1fb", "%00", "\ufffe", "x" * 10_000, "%", "_", "\\", "'; --"]
)
def test_names_answer_garbage_without_an_error(client, writer, term):
    Tag.objects.create(name="100% true")
    client.force_login(writer)
    found = names(client, term)
    assert found == (["100% true"] if term == "%" else [])


def test_names_for_raw_bytes_that_are_not_utf8(client, writer):
    client.force_login(writer)
    response = client.get(reverse(NAMES_URL) + "?term=%ff%fe")
    assert response.status_code == 200 and response.json() == {"names": []}


@pytest.mark.parametrize("query", ["term=%00", "term=a%00b", "term=%ff%fe%00"])
def test_names_with_a_nul_byte_are_refused_before_the_endpoint(client, writer, query):
    # The site-wide refusal of what PostgreSQL cannot store (newsroom/middleware.py).
    client.force_login(writer)
    assert client.get(f"{reverse(NAMES_URL)}?{query}").status_code == 400


def test_names_are_for_staff_who_may_tag(client, django_user_model):
    url = reverse(NAMES_URL)
    assert client.get(url, {"term": "a"}).status_code == 302  # to the login page
    django_user_model.objects.create_user("reader", password="pw")
    client.force_login(django_user_model.objects.get(username="reader"))
    assert client.get(url, {"term": "a"}).status_code == 302
    django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(django_user_model.objects.get(username="clerk"))
    assert client.get(url, {"term": "a"}).status_code == 403


def test_names_answer_only_get(client, writer):
    client.force_login(writer)
    assert client.post(reverse(NAMES_URL), {"term": "a"}).status_code == 405


def test_names_take_one_query_beyond_the_session(client, writer, django_assert_num_queries):
    for n in range(20):
        ArticleFactory(tags=[f"Topic {n}", "Topical"])
    client.force_login(writer)
    client.get(reverse(NAMES_URL), {"term": "top"})
    # Session, user, the user's and their groups' permissions, then the names.
    with django_assert_num_queries(5):
        assert len(names(client, "top")) == 10


# In a real browser ---------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_existing_tags_are_offered_while_typing(page, writer):
    ArticleFactory.create_batch(2, tags=["Energy", "Climate policy"])
    ArticleFactory(tags=['<img src=x onerror="window.pwned=1">Climate'])
    admin_login(page, "writer", "pw-writer")
    page.goto("/admin/articles/article/add/")
    page.fill("#id_headline", "Wind farms")

    field = page.locator("#id_tags")
    field.press_sequentially("ene")
    options = page.locator("#id_tags-suggestions [role=option]")
    options.first.wait_for()
    assert options.all_text_contents() == ["Energy"]
    assert field.get_attribute("aria-expanded") == "true"
    field.press("ArrowDown")
    field.press("Enter")  # chooses; the form is not sent
    assert field.input_value() == "Energy, "
    assert page.url.endswith("/admin/articles/article/add/")

    field.press_sequentially("clim")
    expect(options).to_have_count(2)  # a locator, not a script the page's CSP would refuse
    # Markup in a name is shown as text, never run.
    assert options.all_text_contents() == [
        "Climate policy",
        '<img src=x onerror="window.pwned=1">Climate',
    ]
    options.first.click()
    assert field.input_value() == "Energy, Climate policy, "
    field.press_sequentially("Offshore")
    field.press("Escape")
    assert page.locator("#id_tags-suggestions").is_hidden()
    assert page.evaluate("window.pwned") is None

    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    article = Article.objects.get(headline="Wind farms")
    assert list(article.tags.names()) == ["Energy", "Climate policy", "Offshore"]
    assert page.input_value("#id_tags") == "Energy, Climate policy, Offshore"


# Imports and exports ---------------------------------------------------------------------------


def test_imports_and_exports_keep_the_order_of_the_file(tmp_path):
    source = tmp_path / "in"
    article_file(source, "a.md", {"title": "A", "tags": ["Zebra", "apple", "Mango"]})
    assert import_articles([source], time_zone="UTC").count(Result.CREATED) == 1
    article = Article.objects.get()
    assert list(article.tags.names()) == ["Zebra", "apple", "Mango"]

    # A new order in the file is the article's new order.
    article_file(source, "a.md", {"title": "A", "tags": ["Mango", "Kiwi", "Zebra"]})
    assert import_articles([source], time_zone="UTC").count(Result.UPDATED) == 1
    assert list(article.tags.names()) == ["Mango", "Kiwi", "Zebra"]

    export_articles(tmp_path / "out")
    exported = (tmp_path / "out" / f"{article.slug}.md").read_text(encoding="utf-8")
    assert yaml.safe_load(exported.split("---\n")[1])["tags"] == ["Mango", "Kiwi", "Zebra"]
