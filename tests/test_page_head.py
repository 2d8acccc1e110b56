"""Every page's head, built once by base.html from the blocks pages fill: one <title>
(with "(page N)" past the first page), and a description, robots rule and canonical
link where the page has one, never two."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.conf import settings

from articles.metadata import article_metadata
from articles.models import Article, PreviewLink
from articles.views import PAGE_SIZE
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db
SITE = "https://news.example"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE
    settings.SITE_NAME = "Newsroom"
    settings.TIME_ZONE = "UTC"


@pytest.fixture
def articles():
    """Two pages of April 2025 articles tagged "ferries", a draft and a withdrawn one."""
    when = datetime(2025, 4, 20, 9, 0, tzinfo=ZoneInfo("UTC"))
    listed = [
        ArticleFactory(published_at=when, tags=["ferries"], body="Ferries sail again.")
        for _ in range(PAGE_SIZE + 1)
    ]
    draft = ArticleFactory(status=Article.Status.DRAFT)
    withdrawn = ArticleFactory(slug="withdrawn", status=Article.Status.WITHDRAWN)
    return listed, draft, withdrawn


def head_of(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    head = BeautifulSoup(response.content.decode(), "html.parser").head
    titles = head.find_all("title")
    descriptions = head.find_all("meta", attrs={"name": "description"})
    robots = head.find_all("meta", attrs={"name": "robots"})
    canonicals = head.find_all("link", rel="canonical")
    for found in (titles, descriptions, robots, canonicals):
        assert len(found) <= 1, (url, found)
    return (
        titles[0].string,
        descriptions[0]["content"] if descriptions else None,
        robots[0]["content"] if robots else None,
        canonicals[0]["href"] if canonicals else None,
    )


LISTINGS = [
    ("/", "Newsroom: latest news", "The latest news from Newsroom."),
    ("/tags/ferries/", "Tagged “ferries” – Newsroom", "Articles about ferries from Newsroom."),
    ("/archive/2025/", "Archive 2025 – Newsroom", "Articles published by Newsroom in 2025."),
    (
        "/archive/2025/04/",
        "Archive April 2025 – Newsroom",
        "Articles published by Newsroom in April 2025.",
    ),
]


@pytest.mark.parametrize("path, title, description", LISTINGS)
def test_a_listing_names_itself_and_its_page(client, articles, path, title, description):
    assert head_of(client, path) == (title, description, None, f"{SITE}{path}")
    assert head_of(client, f"{path}?page=2") == (
        f"{title} (page 2)",
        description,
        None,
        f"{SITE}{path}?page=2",
    )


def test_search_is_not_indexed_and_names_its_page(client, articles):
    robots = "noindex, follow"
    description = "Search the articles of Newsroom."
    assert head_of(client, "/search/") == ("Search – Newsroom", description, robots, None)
    assert head_of(client, "/search/?q=ferries&page=2") == (
        "Search: ferries – Newsroom (page 2)",
        description,
        robots,
        None,
    )


def test_an_article_and_its_preview(client, articles):
    article = articles[0][0]
    meta = article_metadata(article)
    expected = (meta.title, meta.description, "max-image-preview:large", meta.canonical_url)
    assert head_of(client, article.get_absolute_url()) == expected
    draft = articles[1]
    meta = article_metadata(draft)
    expected = (meta.title, meta.description, "noindex, nofollow", meta.canonical_url)
    reviewer_link = PreviewLink.objects.create_for(draft, None)
    assert head_of(client, reviewer_link.get_absolute_url()) == expected


def test_error_pages_are_not_indexed(client, articles):
    assert head_of(client, "/articles/withdrawn/", status=410) == (
        "Article withdrawn – Newsroom",
        None,
        "noindex",
        None,
    )
    assert head_of(client, "/no/such/page/", status=404) == (
        "Page not found – Newsroom",
        None,
        "noindex",
        None,
    )


def test_the_page_number_pattern_is_written_once():
    templates = Path(settings.BASE_DIR) / "templates"
    holding = [
        path.relative_to(templates).as_posix()
        for path in templates.rglob("*.html")
        if "(page " in path.read_text()
    ]
    assert holding == ["base.html"]


def test_text_in_the_head_is_escaped_once(client):
    ArticleFactory(tags=['Fish "&" <chips>'])
    slug = Article.objects.get().tags.get().slug
    response = client.get(f"/tags/{slug}/")
    assert "<chips>" not in response.content.decode()
    title, description, _, _ = head_of(client, f"/tags/{slug}/")
    assert title == 'Tagged “Fish "&" <chips>” – Newsroom'
    assert description == 'Articles about Fish "&" <chips> from Newsroom.'
