"""Authors: the model and its rules, bylines written through the one write path, author
pages and their feeds, bylines on article pages, in JSON-LD, Open Graph and feeds."""

import json

import feedparser
import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from articles.changes import Change, article_changed
from articles.models import Article, ArticleAuthor, Author, author_slug
from tests.factories import ArticleFactory, ImageCreditFactory, small_figure, warm_navigation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://news.example"


@pytest.fixture
def announced(django_capture_on_commit_callbacks):
    """What article_changed says during a block, after its commit callbacks ran."""
    heard = []

    def listener(sender, article_ids, kind, **kwargs):
        heard.append((kind, article_ids))

    article_changed.connect(listener)
    yield heard
    article_changed.disconnect(listener)


def make_author(name="Olena Shevchenko", **fields):
    return Author.objects.create(name=name, **fields)


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def json_ld(page):
    (script,) = page.find_all("script", type="application/ld+json")
    return json.loads(script.string)


def news_article(page):
    (found,) = [n for n in json_ld(page)["@graph"] if n["@type"] == "NewsArticle"]
    return found


# --- the model ---------------------------------------------------------------------------


def test_an_author_without_a_slug_gets_one_from_the_name_in_latin_letters():
    assert make_author("Олена Шевченко").slug == "olena-shevchenko"
    assert make_author("Jane O'Neil").slug == "jane-oneil"
    assert author_slug("!!!").startswith("author-")
    assert author_slug("!!!") != author_slug("???")


def test_the_database_refuses_an_empty_or_taken_slug():
    make_author("Jane Doe", slug="jane")
    with pytest.raises(IntegrityError), transaction.atomic():
        Author.objects.filter(slug="jane").update(slug="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Author.objects.create(name="Jane Other", slug="jane")


def test_links_must_be_a_list_of_distinct_web_addresses():
    author = Author(name="Jane Doe", slug="jane-doe")
    author.links = ["https://jane.example/", "https://social.example/@jane"]
    author.full_clean()
    for bad in (
        ["javascript:alert(1)"],
        ["https://jane.example/", "https://jane.example/"],
        "https://jane.example/",
        [42],
    ):
        author.links = bad
        with pytest.raises(ValidationError) as error:
            author.full_clean()
        assert list(error.value.message_dict) == ["links"]


def test_an_author_credited_by_an_article_cannot_be_deleted():
    author = make_author()
    ArticleFactory().save(authors=[author])
    with pytest.raises(ProtectedError):
        author.delete()


# --- bylines through the one write path --------------------------------------------------


def test_authors_are_kept_in_the_order_given_with_their_roles():
    first, second, photographer = (
        make_author("B First"),
        make_author("A Second"),
        make_author("C Photographer"),
    )
    article = ArticleFactory()
    article.save(authors=[second, first, (photographer, ArticleAuthor.Role.PHOTOGRAPHS), second])
    article = Article.objects.for_detail().get(pk=article.pk)
    assert article.credited() == [second, first, photographer]
    assert article.credited(ArticleAuthor.Role.AUTHOR) == [second, first]
    assert [b.position for b in article.bylines.all()] == [0, 1, 2]

    article.save(authors=[first, (second, ArticleAuthor.Role.REPORTING)])
    article = Article.objects.for_detail().get(pk=article.pk)
    assert [(b.author, b.role) for b in article.bylines.all()] == [
        (first, "author"),
        (second, "reporting"),
    ]


def test_a_change_of_authors_is_announced_once_and_an_unchanged_list_not_at_all(
    announced, django_capture_on_commit_callbacks
):
    jane, joe = make_author("Jane"), make_author("Joe")
    article = ArticleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        article.save(authors=[jane, joe], update_fields=["updated_at"])
    assert announced == [(Change.AUTHORS_CHANGED, (article.pk,))]
    announced.clear()
    with django_capture_on_commit_callbacks(execute=True):
        article.save(authors=[jane, joe], update_fields=["updated_at"])
    assert announced == []
    with django_capture_on_commit_callbacks(execute=True):
        article.save(authors=[joe, jane], update_fields=["updated_at"])
    assert announced == [(Change.AUTHORS_CHANGED, (article.pk,))]


def test_new_articles_of_a_batch_get_their_authors_in_one_insert(django_assert_num_queries):
    from articles.models import ArticleWrite, write_articles

    jane = make_author("Jane")
    articles = [Article(headline=f"Story {n}", slug=f"story-{n}") for n in range(5)]
    # The articles, their bylines, their revisions, the rows of their stored fragments.
    with django_assert_num_queries(4):
        write_articles([ArticleWrite(article, authors=[jane]) for article in articles])
    assert ArticleAuthor.objects.filter(author=jane).count() == 5


def test_an_edit_of_what_articles_show_of_an_author_announces_the_articles_crediting_them(
    announced, django_capture_on_commit_callbacks
):
    author = make_author("Jane Doe")
    crediting = ArticleFactory()
    crediting.save(authors=[author])
    ArticleFactory()  # credits no one
    author = Author.objects.get(pk=author.pk)
    for field, value in (
        ("name", "Jane A. Doe"),
        ("slug", "jane-a-doe"),
        ("links", ["https://jane.example/"]),
        ("photo", small_figure()),
    ):
        announced.clear()
        setattr(author, field, value)
        with django_capture_on_commit_callbacks(execute=True):
            author.save()
        assert announced == [(Change.AUTHORS_CHANGED, (crediting.pk,))], field

    announced.clear()
    author.bio = "Covers the courts."  # on the author's page only
    with django_capture_on_commit_callbacks(execute=True):
        author.save()
    assert announced == []


def test_articles_showing_an_author():
    author = make_author()
    crediting = ArticleFactory()
    crediting.save(authors=[author])
    ArticleFactory()
    assert list(Article.objects.showing(author)) == [crediting]


# --- the article page ----------------------------------------------------------------------


@pytest.fixture
def credited_article():
    jane = make_author(
        "Jane Doe",
        job_title="Courts reporter",
        links=["https://jane.example/", "https://social.example/@jane"],
    )
    joe = make_author("Joe Roe")
    pat = make_author("Pat Lens")
    article = ArticleFactory(byline="and agencies")
    article.save(authors=[jane, joe, (pat, ArticleAuthor.Role.PHOTOGRAPHS)])
    return article


def test_the_article_page_links_its_bylines_to_the_author_pages(client, credited_article):
    page = soup(client.get(credited_article.get_absolute_url()))
    lines = page.select(".article__byline")
    assert [line.get_text() for line in lines] == [
        "By Jane Doe and Joe Roe and agencies",
        "Photographs by Pat Lens",
    ]
    assert [a["href"] for a in page.select(".article__byline a")] == [
        "/authors/jane-doe/",
        "/authors/joe-roe/",
        "/authors/pat-lens/",
    ]


def test_without_authors_the_byline_text_is_the_byline(client):
    article = ArticleFactory(byline="Staff and agencies")
    page = soup(client.get(article.get_absolute_url()))
    assert [line.get_text() for line in page.select(".article__byline")] == [
        "By Staff and agencies"
    ]
    assert news_article(page)["author"] == [{"@type": "Person", "name": "Staff and agencies"}]
    assert not page.find("meta", property="article:author")


def test_json_ld_and_open_graph_name_every_author(client, credited_article):
    page = soup(client.get(credited_article.get_absolute_url()))
    news = news_article(page)
    assert news["author"] == [
        {
            "@type": "Person",
            "@id": "https://news.example/authors/jane-doe/#person",
            "name": "Jane Doe",
            "url": "https://news.example/authors/jane-doe/",
            "jobTitle": "Courts reporter",
            "sameAs": ["https://jane.example/", "https://social.example/@jane"],
        },
        {
            "@type": "Person",
            "@id": "https://news.example/authors/joe-roe/#person",
            "name": "Joe Roe",
            "url": "https://news.example/authors/joe-roe/",
        },
    ]
    assert [person["name"] for person in news["contributor"]] == ["Pat Lens"]
    assert [m["content"] for m in page.find_all("meta", property="article:author")] == [
        "https://news.example/authors/jane-doe/",
        "https://news.example/authors/joe-roe/",
    ]


def test_a_hostile_author_name_stays_text(client):
    hostile = '</script><script>alert(1)</script>"><b>'
    article = ArticleFactory()
    article.save(authors=[make_author(hostile, slug="hostile")])
    response = client.get(article.get_absolute_url())
    page = soup(response)
    assert page.select_one(".article__byline a").get_text() == hostile
    assert news_article(page)["author"][0]["name"] == hostile
    assert "<script>alert(1)" not in response.content.decode()


def test_the_article_page_takes_two_queries_whatever_its_authors(
    client, django_assert_num_queries
):
    few = ArticleFactory(lead_figure=small_figure(), tags=["One"])
    few.save(authors=[make_author("Solo")])
    many = ArticleFactory(lead_figure=small_figure(), tags=[f"Tag {n}" for n in range(6)])
    many.save(
        authors=[make_author(f"Writer {n}", links=[f"https://w{n}.example/"]) for n in range(8)]
    )
    warm_navigation()
    for article in (few, many):  # the article with its stored fragments, related stories
        with django_assert_num_queries(2):
            assert client.get(article.get_absolute_url()).status_code == 200


def test_cards_name_the_authors(client, credited_article):
    page = soup(client.get("/"))
    assert [line.get_text() for line in page.select(".card__byline")] == [
        "By Jane Doe and Joe Roe and agencies",
        "Photographs by Pat Lens",
    ]


# --- the author page -----------------------------------------------------------------------


@pytest.fixture
def jane():
    photo = small_figure(
        alt_text="Jane Doe in the newsroom",
        credit=ImageCreditFactory(author="Sam Shooter", author_url="https://sam.example/"),
    )
    return make_author(
        "Jane Doe",
        job_title="Courts reporter",
        bio="Jane covers the courts.\nBefore that, the city council.",
        photo=photo,
        links=["https://jane.example/", "https://social.example/@jane"],
    )


def test_the_author_page_shows_the_profile_and_only_public_articles_newest_first(client, jane):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    older = ArticleFactory(published_at=now - timedelta(days=2))
    newer = ArticleFactory(published_at=now - timedelta(days=1))
    hidden = [
        ArticleFactory(status=Article.Status.DRAFT),
        ArticleFactory(published_at=now + timedelta(hours=2)),
        ArticleFactory(status=Article.Status.WITHDRAWN),
    ]
    for article in (older, newer, *hidden):
        article.save(authors=[jane])
    ArticleFactory()  # someone else's

    response = client.get("/authors/jane-doe/")
    assert response.status_code == 200
    page = soup(response)
    assert page.h1.get_text() == "Jane Doe"
    assert page.select_one(".author-profile__role").get_text() == "Courts reporter"
    assert "Jane covers the courts." in page.select_one(".author-profile__bio").get_text()
    photo = page.select_one(".author-profile__photo")
    assert photo.img["alt"] == "Jane Doe in the newsroom"
    assert photo.select_one(".credit a")["href"] == "https://sam.example/"
    assert [a["href"] for a in page.select(".author-profile__links a[rel=me]")] == jane.links
    assert [a["href"] for a in page.select(".card__headline a")] == [
        newer.get_absolute_url(),
        older.get_absolute_url(),
    ]
    assert page.find("link", rel="canonical")["href"] == "https://news.example/authors/jane-doe/"
    feeds = [link["href"] for link in page.head.find_all("link", rel="alternate")]
    assert "/authors/jane-doe/feeds/rss/" in feeds and "/authors/jane-doe/feeds/atom/" in feeds


def test_the_author_page_is_a_profile_page_about_a_person(client, jane):
    page = soup(client.get("/authors/jane-doe/"))
    data = json_ld(page)
    assert data["@type"] == "ProfilePage"
    person = data["mainEntity"]
    assert person["@type"] == "Person"
    assert person["name"] == "Jane Doe"
    assert person["url"] == "https://news.example/authors/jane-doe/"
    assert person["jobTitle"] == "Courts reporter"
    assert person["sameAs"] == jane.links
    assert person["image"].startswith("https://news.example/media/")
    og = {m["property"]: m["content"] for m in page.find_all("meta", property=True)}
    assert og["og:type"] == "profile"
    assert og["og:url"] == "https://news.example/authors/jane-doe/"
    assert og["og:title"] == "Jane Doe"
    assert og["og:image"] == person["image"]
    assert page.find("meta", attrs={"name": "description"})["content"].startswith(
        "Jane covers the courts."
    )


def test_an_author_page_without_photo_or_articles_still_reads_well(client):
    make_author("New Hire")
    page = soup(client.get("/authors/new-hire/"))
    assert page.h1.get_text() == "New Hire"
    assert "No published articles yet." in page.get_text()
    assert json_ld(page)["mainEntity"] == {
        "@type": "Person",
        "@id": "https://news.example/authors/new-hire/#person",
        "name": "New Hire",
        "url": "https://news.example/authors/new-hire/",
    }


def test_an_unknown_author_is_404(client):
    assert client.get("/authors/nobody/").status_code == 404
    assert client.get("/authors/nobody/feeds/rss/").status_code == 404
    assert client.get("/authors/nobody/feeds/atom/").status_code == 404


def test_the_author_page_is_paginated(client, jane):
    for _ in range(13):
        ArticleFactory().save(authors=[jane])
    first, second = (
        soup(client.get("/authors/jane-doe/")),
        soup(client.get("/authors/jane-doe/?page=2")),
    )
    assert len(first.select(".card")) == 12 and len(second.select(".card")) == 1
    assert (
        second.find("link", rel="canonical")["href"]
        == "https://news.example/authors/jane-doe/?page=2"
    )
    assert client.get("/authors/jane-doe/?page=3").status_code == 404


def test_the_author_page_queries_do_not_grow_with_its_articles(
    client, jane, django_assert_num_queries
):
    # The author (with photo and credit; a figure's renditions come with it), the page of
    # articles, each with its stored card (no count: one more row tells whether a next
    # page exists).
    colleague = make_author("Joe Roe")
    for size in (2, 10):
        for _ in range(size):
            ArticleFactory(lead_figure=small_figure(), tags=["Courts"]).save(
                authors=[jane, colleague]
            )
        warm_navigation()
        with django_assert_num_queries(2):
            assert client.get("/authors/jane-doe/").status_code == 200


# --- feeds -------------------------------------------------------------------------------


def test_article_feeds_carry_every_author(client, credited_article):
    rss = feedparser.parse(client.get("/feeds/rss/").content)
    assert not rss.bozo, rss.bozo_exception
    (entry,) = rss.entries
    assert [author["name"] for author in entry.authors] == ["Jane Doe", "Joe Roe"]

    atom = feedparser.parse(client.get("/feeds/atom/").content)
    assert not atom.bozo, atom.bozo_exception
    (entry,) = atom.entries
    assert [(a["name"], a["href"]) for a in entry.authors] == [
        ("Jane Doe", "https://news.example/authors/jane-doe/"),
        ("Joe Roe", "https://news.example/authors/joe-roe/"),
    ]


def test_the_author_feeds_list_their_public_articles(client, jane):
    mine = ArticleFactory()
    mine.save(authors=[jane])
    draft = ArticleFactory(status=Article.Status.DRAFT)
    draft.save(authors=[jane])
    ArticleFactory()
    for url in ("/authors/jane-doe/feeds/rss/", "/authors/jane-doe/feeds/atom/"):
        feed = feedparser.parse(client.get(url).content)
        assert not feed.bozo, feed.bozo_exception
        assert feed.feed.title == "Newsroom: Jane Doe"
        assert feed.feed.link == "https://news.example/authors/jane-doe/"
        assert [entry.link for entry in feed.entries] == [
            "https://news.example" + mine.get_absolute_url()
        ]
        assert feed.entries[0].author == "Jane Doe"


def test_author_pages_are_in_the_sitemap_once_they_have_a_public_article(client, jane):
    from tests.test_feeds_sitemaps import SITEMAP_NS, locations

    draft = ArticleFactory(status=Article.Status.DRAFT)
    draft.save(authors=[make_author("Draft Only")])
    published = ArticleFactory()
    published.save(authors=[jane])
    _root, sections = locations(client, "/sitemap.xml")
    assert any(section.endswith("/sitemap-authors.xml") for section in sections)
    root, pages = locations(client, "/sitemap-authors.xml")
    assert pages == ["https://news.example/authors/jane-doe/"]
    (lastmod,) = [element.text for element in root.iterfind(".//sm:lastmod", SITEMAP_NS)]
    assert lastmod.startswith(published.published_at.date().isoformat())


def test_the_author_page_at_ten_thousand_articles_takes_the_same_queries(
    client, jane, django_assert_max_num_queries
):
    from datetime import timedelta

    from django.utils import timezone

    colleague, figure = make_author("Joe Roe"), small_figure()
    now = timezone.now()
    # Bulk inserts past the write path: rows to read, nothing to announce.
    articles = Article.objects.bulk_create(
        Article(
            headline=f"Story {n}",
            slug=f"story-{n}",
            body="Text.",
            body_html="<p>Text.</p>",
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(minutes=n),
            lead_figure=figure,
        )
        for n in range(10_000)
    )
    ArticleAuthor.objects.bulk_create(
        ArticleAuthor(article=article, author=author, position=position)
        for n, article in enumerate(articles)
        for position, author in enumerate([jane, colleague] if n % 2 else [colleague])
    )
    warm_navigation()
    if connection.vendor == "postgresql":
        # What autovacuum would do after such an insert: without it, statistics left by
        # other tests (pg_class is not rolled back) gave a plan past the statement timeout.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE articles_article")
            cursor.execute("ANALYZE articles_articleauthor")
    # As above (the queries do not grow, which the test above pins exactly).
    with django_assert_max_num_queries(5):
        response = client.get("/authors/jane-doe/?page=100")
    assert response.status_code == 200
    page = soup(response)
    assert len(page.select(".card")) == 12
    assert page.select_one(".card__byline").get_text() == "By Jane Doe and Joe Roe"
