"""Stored fragments of public pages (articles/fragments.py): made once per change, never
shown stale. The page cache is off in these tests (conftest), so what a page shows comes
from the fragments or from the article itself."""

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command

from articles import fragments
from articles.models import (
    Article,
    ArticleFragments,
    Author,
    Correction,
    ImageCredit,
    License,
    Section,
    Tag,
)
from tests.factories import seed_article, warm_navigation

pytestmark = pytest.mark.django_db


def page(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return BeautifulSoup(response.content.decode(), "html.parser")


def stored(article):
    return ArticleFragments.objects.get(article=article)


def is_fresh(article):
    return stored(article).fingerprint == fragments.fingerprint()


# Made once, then read ------------------------------------------------------------------------


def test_the_page_is_made_once_and_then_read_from_its_stored_fragments(client):
    article = seed_article()
    assert not is_fresh(article)  # the write's commit hooks do not run in a test
    first = client.get(article.get_absolute_url()).content
    assert is_fresh(article)
    # The stored body is what the page shows: changed behind the write path's back, the
    # page shows the change, as nothing else is read.
    row = stored(article)
    row.page = {**row.page, "body": row.page["body"].replace("62,400", "SIXTY-TWO THOUSAND")}
    row.save()
    second = client.get(article.get_absolute_url()).content
    assert b"SIXTY-TWO THOUSAND" in second and b"SIXTY-TWO THOUSAND" not in first


def test_a_page_from_stored_fragments_is_the_page_made_from_the_article(client):
    article = seed_article()
    made_now = client.get(article.get_absolute_url()).content  # stale: made and stored
    assert is_fresh(article)
    assert client.get(article.get_absolute_url()).content == made_now


def test_fragments_are_made_at_once_when_the_write_is_committed(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article = seed_article()
    assert is_fresh(article)
    assert set(stored(article).card) >= {"url", "headline", "image", "meta"}


def test_an_article_loaded_in_bulk_without_a_row_is_shown_and_given_one(client):
    (article,) = Article.objects.bulk_create(
        [
            Article(
                headline="Loaded in bulk",
                slug="loaded-in-bulk",
                status=Article.Status.PUBLISHED,
                published_at=seed_article().published_at,
                feed_id="urn:uuid:bulk",
            )
        ]
    )
    assert not ArticleFragments.objects.filter(article=article).exists()
    assert page(client, article).h1.get_text() == "Loaded in bulk"
    row = stored(article)
    assert row.fingerprint == ""  # stored from the next page on: see the version's rule
    page(client, article)
    assert is_fresh(article)


def test_make_fragments_makes_the_stale_ones_then_none():
    articles = [seed_article(slug=f"story-{n}") for n in range(3)]
    call_command("make_fragments", stdout=(out := _Output()))
    assert "3 articles" in out.text
    assert all(is_fresh(article) for article in articles)
    call_command("make_fragments", stdout=(out := _Output()))
    assert "0 articles" in out.text
    call_command("make_fragments", "--all", stdout=(out := _Output()))
    assert "3 articles" in out.text


class _Output:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


# Never shown stale -----------------------------------------------------------------------------


def headline_after(client, article):
    return page(client, article).h1.get_text()


def text_of(client, article):
    return page(client, article).get_text(" ", strip=True)


@pytest.fixture
def shown(client):
    """A seed article with a correction-free page, its fragments made and stored."""
    article = seed_article()
    warm_navigation()
    assert is_fresh(article)
    return article


def test_an_edit_is_shown_at_once(client, shown):
    shown.headline = "A corrected headline"
    shown.save()
    assert headline_after(client, shown) == "A corrected headline"


def test_a_figure_caption_and_alt_text_edit_is_shown_at_once(client, shown):
    figure = shown.lead_figure
    figure.caption = "A new caption"
    figure.alt_text = "A new description of the photo"
    figure.save()
    shown_page = page(client, shown)
    assert shown_page.select_one("figcaption .caption").get_text() == "A new caption"
    assert shown_page.select_one(".article__figure img")["alt"] == figure.alt_text


def test_a_credit_and_licence_edit_is_shown_at_once(client, shown):
    credit = ImageCredit.objects.get()
    credit.author = "Another Photographer"
    credit.save()
    license = License.objects.get()
    license.name = "CC BY 4.0"
    license.save()
    assert page(client, shown).select_one(".credit").get_text() == (
        "Photo: Another Photographer / CC BY 4.0"
    )


def test_a_renamed_tag_is_shown_at_once(client, shown):
    tag = Tag.objects.get(name="Ukraine")
    tag.name = "Ukraine war"
    tag.save()
    tags = [a.get_text() for a in page(client, shown).select(".tag-list a")]
    assert "Ukraine war" in tags


def test_a_renamed_author_is_shown_at_once(client):
    article = seed_article()
    jane = Author.objects.create(name="Jane Doe")
    article.save(authors=[jane])
    warm_navigation()
    jane.name = "Jane Roe"
    jane.save()
    assert "By Jane Roe" in page(client, article).select_one(".article__byline").get_text()


def test_a_renamed_section_is_shown_in_the_breadcrumb_at_once(client):
    world = Section.objects.create(name="World", slug="world")
    article = seed_article(section=world)
    warm_navigation()
    world.name = "International"
    world.save()
    crumbs = [a.get_text() for a in page(client, article).select(".breadcrumb a")]
    assert crumbs == ["Home", "International"]


def test_a_correction_is_shown_at_once(client, shown):
    Correction.objects.create(article=shown, text="We misspelt the name of the oblast.")
    assert "We misspelt the name of the oblast." in text_of(client, shown)


def test_a_write_rolled_back_leaves_the_fragments_as_they_were(shown):
    version = stored(shown).version
    with pytest.raises(RuntimeError), _atomic():
        shown.headline = "Never committed"
        shown.save()
        raise RuntimeError
    row = stored(shown)
    assert (row.version, row.fingerprint) == (version, fragments.fingerprint())


def _atomic():
    from django.db import transaction

    return transaction.atomic()


def test_fragments_made_from_what_was_read_before_a_write_are_not_stored(shown):
    """A reader reads the version, then the article; a write lands in between and is
    committed; what the reader made is of the old article and must not be kept."""
    read_version = stored(shown).version
    old = fragments.make(list(Article.objects.filter(pk=shown.pk).for_fragments()))[shown.pk]
    shown.headline = "Written meanwhile"
    shown.save()
    assert not ArticleFragments.objects.store(
        shown.pk, read_version, fragments.fingerprint(), old
    )
    assert stored(shown).fingerprint == ""


def test_fragments_are_stale_when_what_makes_them_changes(client, settings, shown):
    settings.SITE_NAME = "The Other Paper"
    assert not is_fresh(shown)
    assert page(client, shown).find("meta", property="og:site_name")["content"] == (
        "The Other Paper"
    )
    assert is_fresh(shown)


def test_a_preview_shows_the_article_as_held_never_its_stored_fragments(admin_client, shown):
    Article.objects.filter(pk=shown.pk).update(headline="Held, not yet stored")
    response = admin_client.get(f"/admin/articles/article/{shown.pk}/preview/")
    assert response.status_code == 200
    held = BeautifulSoup(response.content.decode(), "html.parser").h1.get_text()
    assert held == "Held, not yet stored"
    assert "Held, not yet stored" not in str(stored(shown).page)


def test_the_fingerprint_covers_the_article_templates():
    assert any(
        "article_body.html" in str(path)
        for root in fragments.MADE_FROM_FILES
        for path in root.rglob("*.html")
    )


def test_a_new_static_manifest_makes_the_fragments_stale(settings, tmp_path, shown):
    settings.STATIC_ROOT = tmp_path
    made_without = fragments.fingerprint()
    (tmp_path / fragments.STATIC_MANIFEST).write_text('{"paths": {"images/share.png": "a"}}')
    settings.STATIC_ROOT = str(tmp_path)  # a setting changed: the fingerprint is made again
    with_manifest = fragments.fingerprint()
    (tmp_path / fragments.STATIC_MANIFEST).write_text('{"paths": {"images/share.png": "b"}}')
    settings.STATIC_ROOT = tmp_path
    assert len({made_without, with_manifest, fragments.fingerprint()}) == 3
    assert not is_fresh(shown)
