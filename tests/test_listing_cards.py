"""Listings (home, tag, section, author, archive and search pages) show each article's card
from its stored fragment (articles/fragments.py): the markup made from the article itself,
made again when stale. The page cache is off in these tests (conftest)."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from articles import fragments
from articles.models import Article, ArticleAuthor, ArticleFragments, Author, Section
from articles.views import PAGE_SIZE
from tests.factories import ArticleFactory, seed_article, warm_navigation

pytestmark = pytest.mark.django_db

LISTINGS = [
    "/",
    "/tags/war/",
    "/sections/world/",
    "/authors/jane-doe/",
    "/archive/{year}/",
    "/search/?q=Kursk",
]


@pytest.fixture
def listed():
    """Two articles on every listing, newest first: one with a picture, a lede, two authors
    and a photographer; one with none of them and a headline to escape."""
    world = Section.objects.create(name="World", slug="world")
    jane = Author.objects.create(name="Jane Doe", slug="jane-doe")
    joe = Author.objects.create(name="Joe Roe", slug="joe-roe")
    lens = Author.objects.create(name="Ann Lens", slug="ann-lens")
    rich = seed_article(section=world)
    rich.save(authors=[jane, joe, (lens, ArticleAuthor.Role.PHOTOGRAPHS)])
    plain = ArticleFactory(
        headline="Kursk: <no> picture & no lede",
        lede="",
        section=world,
        tags=["War"],
        published_at=timezone.now() - timedelta(hours=2),
    )
    plain.save(authors=[jane])
    return rich, plain


def address(url, article):
    return url.format(year=timezone.localtime(article.published_at).year)


def get(client, url, article):
    response = client.get(address(url, article))
    assert response.status_code == 200
    return response.content.decode()


def headlines(content):
    return [h.get_text() for h in BeautifulSoup(content, "html.parser").select(".card__headline")]


def is_fresh(article):
    row = ArticleFragments.objects.get(article=article)
    return row.fingerprint == fragments.fingerprint()


def test_a_card_from_its_stored_parts_is_the_card_made_from_the_article(
    listed, django_assert_num_queries
):
    warm_navigation()
    cards = []
    for article in listed:
        with django_assert_num_queries(1):  # the article and its stored card
            (stored,) = fragments.fresh(Article.objects.filter(pk=article.pk).for_cards(), "card")
        live = Article.objects.for_fragments().get(pk=article.pk)
        for loading in ("lazy", "eager"):
            card = fragments.shown_card(stored, loading=loading)
            assert card == fragments.shown_card(live, loading=loading)
            cards.append(card)
    rich_lazy, rich_eager, plain, _ = cards
    assert "By Jane Doe and Joe Roe" in rich_lazy and "Photographs by Ann Lens" in rich_lazy
    assert 'class="card__lede"' in rich_lazy and 'loading="lazy"' in rich_lazy
    assert 'fetchpriority="high"' in rich_eager
    assert "<picture>" not in plain and "card__lede" not in plain
    assert "Kursk: &lt;no&gt; picture &amp; no lede" in plain


@pytest.mark.parametrize("url", [url for url in LISTINGS if "search" not in url])
def test_each_listing_shows_the_cards_made_from_the_articles(client, listed, url):
    """As the cards were made before they were stored: from the article, its figure and
    bylines (search's cards differ by their excerpts: below)."""
    warm_navigation()
    content = get(client, url, listed[0])
    rich, plain = (Article.objects.for_fragments().get(pk=article.pk) for article in listed)
    # The first picture of the page loads eagerly.
    assert fragments.shown_card(rich, loading="eager") in content
    assert fragments.shown_card(plain) in content
    assert headlines(content)[:2] == [rich.headline, plain.headline]


@pytest.mark.parametrize("url", LISTINGS)
def test_a_listing_with_stale_cards_is_the_listing_with_fresh_ones(client, listed, url):
    warm_navigation()
    with_fresh = get(client, url, listed[0])
    ArticleFragments.objects.mark_stale([article.pk for article in listed])
    assert not any(is_fresh(article) for article in listed)
    assert get(client, url, listed[0]) == with_fresh  # made now, and stored
    assert all(is_fresh(article) for article in listed)
    assert headlines(with_fresh)[:2] == [article.headline for article in listed]


def test_a_listing_shows_the_stored_card(client, listed):
    """Nothing but the stored card is read: changed behind the write path's back, the
    listing shows the change."""
    warm_navigation()
    row = ArticleFragments.objects.get(article=listed[1])
    row.card = {**row.card, "headline": "A STORED HEADLINE"}
    row.save()
    for url in LISTINGS:
        assert "A STORED HEADLINE" in headlines(get(client, url, listed[0])), url


def test_the_home_pages_section_groups_show_stored_cards(client, listed):
    ArticleFactory.create_batch(PAGE_SIZE)  # newer, without a section: the top stories
    warm_navigation()

    def group(content):
        (world,) = BeautifulSoup(content, "html.parser").select("section.section-group")
        return world.select(".card__headline")

    with_fresh = get(client, "/", listed[0])
    assert [h.get_text() for h in group(with_fresh)] == [article.headline for article in listed]
    ArticleFragments.objects.mark_stale([article.pk for article in listed])
    assert get(client, "/", listed[0]) == with_fresh
    assert all(is_fresh(article) for article in listed)
    row = ArticleFragments.objects.get(article=listed[1])
    row.card = {**row.card, "headline": "A STORED HEADLINE"}
    row.save()
    assert group(get(client, "/", listed[0]))[1].get_text() == "A STORED HEADLINE"


@pytest.mark.parametrize("made_once_committed", [True, False], ids=["refreshed", "stale"])
def test_an_edit_through_the_write_path_is_on_every_listing_at_once(
    client, listed, made_once_committed, django_capture_on_commit_callbacks
):
    """Made again once the write is committed (refresh()), or, were that missed, by the
    first listing that finds the card stale."""
    rich, plain = listed
    warm_navigation()
    with django_capture_on_commit_callbacks(execute=made_once_committed):
        plain.headline = "Kursk: a corrected headline"
        plain.save()
    with django_capture_on_commit_callbacks(execute=made_once_committed):
        jane = Author.objects.get(slug="jane-doe")
        jane.name = "Jane Doe-Roe"
        jane.save()
    assert is_fresh(plain) is is_fresh(rich) is made_once_committed
    for url in LISTINGS:
        content = get(client, url, rich)
        assert headlines(content)[:2] == [rich.headline, "Kursk: a corrected headline"], url
        bylines = BeautifulSoup(content, "html.parser").select(".card__byline")
        assert [line.get_text() for line in bylines][:3] == [
            "By Jane Doe-Roe and Joe Roe",
            "Photographs by Ann Lens",
            "By Jane Doe-Roe",
        ], url


def test_an_article_loaded_in_bulk_without_a_row_is_listed_with_its_card(client, listed):
    warm_navigation()
    (bulk,) = Article.objects.bulk_create(
        [
            Article(
                headline="Kursk: loaded in bulk",
                slug="loaded-in-bulk",
                section=listed[0].section,
                status=Article.Status.PUBLISHED,
                published_at=timezone.now() - timedelta(minutes=30),
                feed_id="urn:uuid:bulk",
            )
        ]
    )
    assert not ArticleFragments.objects.filter(article=bulk).exists()
    made_from_the_article = fragments.shown_card(Article.objects.for_fragments().get(pk=bulk.pk))
    for url in ("/", "/sections/world/", "/archive/{year}/", "/search/?q=Kursk"):
        content = get(client, url, bulk)
        assert "Kursk: loaded in bulk" in headlines(content), url
        if "search" not in url:  # a search's card has an excerpt of the body
            assert made_from_the_article in content, url
