"""Every tag has a slug a URL can carry, and no page fails because of a tag."""

import re
from contextlib import contextmanager
from xml.etree import ElementTree as etree  # noqa: N813, S405 - parses our own output

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from articles.importing import Result, import_articles
from articles.importing.exporting import export_articles
from articles.models import Article, PreviewLink, Tag
from tests.factories import ArticleFactory
from tests.test_admin import article_form_data
from tests.test_exporting import empty_database
from tests.test_importing import article_file

pytestmark = pytest.mark.django_db

# What taggit's slugify() makes nothing of: flags, emoji, punctuation alone.
SYMBOLS = ["🇺🇦", "🙂", "!!!", ","]
URL_SAFE = re.compile(r"[-\w]+")
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://news.example"


def sitemap_locations(client):
    response = client.get("/sitemap-tags.xml")
    assert response.status_code == 200
    return [loc.text for loc in etree.fromstring(response.content).iter(SITEMAP)]  # noqa: S314


def assert_every_tag_page_answers(client, tags):
    for tag in tags:
        assert URL_SAFE.fullmatch(tag.slug), tag.name
        for name in ("articles:tag", "articles:tag_feed_rss", "articles:tag_feed_atom"):
            url = reverse(name, kwargs={"slug": tag.slug})
            assert client.get(url).status_code == 200, url


# The slug itself ------------------------------------------------------------------------


@pytest.mark.parametrize("name", SYMBOLS)
def test_a_tag_without_a_letter_or_digit_gets_a_slug_a_url_can_carry(name):
    tag = Tag.objects.create(name=name)
    assert URL_SAFE.fullmatch(tag.slug)
    assert reverse("articles:tag", kwargs={"slug": tag.slug}) == f"/tags/{tag.slug}/"


def test_symbols_are_transliterated_else_given_a_stable_generated_slug():
    assert Tag.objects.create(name="🇺🇦").slug == "ua"
    assert Tag.objects.create(name="🙂").slug == "slight_smile"
    punctuation = Tag.objects.create(name="!!!")
    assert re.fullmatch(r"tag-[0-9a-f]{8}", punctuation.slug)
    other = Tag.objects.create(name="???")
    assert re.fullmatch(r"tag-[0-9a-f]{8}", other.slug) and other.slug != punctuation.slug
    slug = punctuation.slug
    punctuation.delete()
    assert Tag.objects.create(name="!!!").slug == slug  # the same name, the same slug


def test_letters_of_every_script_keep_their_slug():
    assert Tag.objects.create(name="Україна").slug == "україна"
    assert Tag.objects.create(name="Climate policy").slug == "climate-policy"


def test_names_that_make_the_same_slug_get_distinct_ones():
    slugs = [Tag.objects.create(name=name).slug for name in ("UA", "🇺🇦", "ua!", "Ua?")]
    assert len(set(slugs)) == 4 and all(URL_SAFE.fullmatch(slug) for slug in slugs)


def test_a_long_transliterated_name_fits_the_slug_column():
    limit = Tag._meta.get_field("slug").max_length
    # The same slug up to the limit, and well past it.
    names = ["🙂" * 100, "🙂" * 99 + "😀", "🙂" * 98 + "😀😀", "🙂" * 97 + "!!!"]
    slugs = [Tag.objects.create(name=name).slug for name in names]
    assert len(set(slugs)) == len(names)
    assert all(len(slug) <= limit and URL_SAFE.fullmatch(slug) for slug in slugs)


def test_the_database_refuses_an_empty_tag_slug():
    tag = Tag.objects.create(name="Floods")
    with pytest.raises(IntegrityError, match="tag_slug_not_empty"), transaction.atomic():
        Tag.objects.filter(pk=tag.pk).update(slug="")
    with pytest.raises(IntegrityError, match="tag_slug_not_empty"), transaction.atomic():
        Tag.objects.bulk_create([Tag(name="Rain", slug="")])


# Every way a tag is made -----------------------------------------------------------------


def test_a_writer_tagging_a_draft_with_symbols_breaks_no_page(client, writer, editor):
    client.force_login(writer)
    response = client.post(
        reverse("admin:articles_article_add"), article_form_data(tags='🇺🇦, 🙂, !!!, ","')
    )
    assert response.status_code == 302
    article = Article.objects.get(slug="bridge-reopens")
    assert sorted(article.tags.names()) == sorted(SYMBOLS)
    assert (
        client.get(reverse("admin:articles_article_preview", args=[article.pk])).status_code == 200
    )
    assert (
        client.get(reverse("admin:articles_article_change", args=[article.pk])).status_code == 200
    )
    reviewer_link = PreviewLink.objects.create_for(article, writer)
    assert client.get(reviewer_link.get_absolute_url()).status_code == 200

    Article.objects.filter(pk=article.pk).update(status=Article.Status.PUBLISHED)
    page = client.get(article.get_absolute_url())
    assert page.status_code == 200
    tags = list(article.tags.all())
    for tag in tags:
        assert (
            f'href="{reverse("articles:tag", kwargs={"slug": tag.slug})}"' in page.content.decode()
        )
    assert_every_tag_page_answers(client, tags)
    locations = sitemap_locations(client)
    assert sorted(locations) == sorted(f"https://news.example/tags/{tag.slug}/" for tag in tags)


def test_the_tag_admin_makes_a_slug_for_a_name_without_letters(client, editor):
    client.force_login(editor)
    response = client.post(reverse(f"admin:{_tag_admin()}_add"), {"name": "🙂", "slug": ""})
    assert response.status_code == 302
    assert Tag.objects.get(name="🙂").slug == "slight_smile"


def test_imported_and_round_tripped_tags_get_slugs(client, tmp_path):
    meta = {"title": "Flags", "page_date": "2025-04-26", "tags": ["🇺🇦", "!!!", "🙂", "Kyiv"]}
    report = import_articles([article_file(tmp_path / "in", "a.md", meta)], time_zone="UTC")
    assert report.count(Result.CREATED) == 1
    article = Article.objects.get()
    assert client.get(article.get_absolute_url()).status_code == 200
    assert_every_tag_page_answers(client, article.tags.all())
    before = {tag.name: tag.slug for tag in Tag.objects.all()}

    export_articles(tmp_path / "out")
    empty_database()
    report = import_articles([tmp_path / "out"], time_zone="UTC")
    assert report.count(Result.CREATED) == 1
    assert {tag.name: tag.slug for tag in Tag.objects.all()} == before
    article = Article.objects.get()
    assert client.get(article.get_absolute_url()).status_code == 200
    assert_every_tag_page_answers(client, article.tags.all())
    assert len(sitemap_locations(client)) == 4


def test_the_importer_batch_path_gives_every_new_tag_a_slug(tmp_path):
    directory = tmp_path / "in"
    for n in range(5):
        article_file(directory, f"{n}.md", {"title": f"T{n}", "tags": ["🙂", f"!{n}!"]})
    assert import_articles([directory], time_zone="UTC").count(Result.CREATED) == 5
    assert Tag.objects.count() == 6
    assert all(URL_SAFE.fullmatch(slug) for slug in Tag.objects.values_list("slug", flat=True))


# A slug that is empty all the same --------------------------------------------------------


@contextmanager
def check_constraints_off():
    """Write past the database's check, as a careless restore or a shell might."""
    table = Tag._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = ON")
            try:
                yield
            finally:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
        else:
            # Undone with the test's transaction.
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS tag_slug_not_empty")
            yield


def test_a_tag_whose_slug_is_empty_all_the_same_breaks_no_page(client, editor):
    article = ArticleFactory(tags=["Kept", "Emptied"])
    with check_constraints_off():
        Tag.objects.filter(name="Emptied").update(slug="")
    page = client.get(article.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="/tags/kept/">Kept</a>' in html and "Emptied" in html
    assert sitemap_locations(client) == ["https://news.example/tags/kept/"]
    client.force_login(editor)
    assert (
        client.get(reverse("admin:articles_article_preview", args=[article.pk])).status_code == 200
    )
    assert client.get(reverse("admin:articles_article_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{_tag_admin()}_changelist")).status_code == 200


def _tag_admin():
    return f"{Tag._meta.app_label}_{Tag._meta.model_name}"
