"""The public pages: what readers and crawlers get, and what they never get."""

import io
import json
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.views.defaults import server_error
from PIL import Image

from articles.metadata import article_metadata
from articles.models import Article, ChangeKind, PreviewLink
from tests.factories import (
    ArticleFactory,
    FigureFactory,
    ImageCreditFactory,
    seed_article,
    small_figure,
    warm_navigation,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://news.example"


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def json_ld(page):
    (script,) = page.find_all("script", type="application/ld+json")
    return json.loads(script.string)


def node(graph, node_type):
    (found,) = [n for n in graph["@graph"] if n["@type"] == node_type]
    return found


def hidden_articles():
    """One article of each kind a reader must never see."""
    now = timezone.now()
    return [
        ArticleFactory(status=Article.Status.DRAFT, title="Secret draft story"),
        ArticleFactory(published_at=now + timedelta(hours=2), title="Scheduled later story"),
        ArticleFactory(status=Article.Status.WITHDRAWN, title="Withdrawn old story"),
    ]


# --- the article page ------------------------------------------------------------------


def test_article_page_head_matches_the_metadata_function(client):
    article = seed_article()
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    page = soup(response)
    head = page.head
    meta = article_metadata(article)

    assert head.find_all("title")[0].string == meta.title
    assert len(head.find_all("title")) == 1
    (canonical,) = head.find_all("link", rel="canonical")
    assert canonical["href"] == f"https://news.example/articles/{article.slug}/"
    (robots,) = head.find_all("meta", attrs={"name": "robots"})
    assert robots["content"] == "max-image-preview:large"
    (description,) = head.find_all("meta", attrs={"name": "description"})
    assert description["content"] == meta.description
    for attribute, key, content in meta.meta_tags:
        found = head.find_all("meta", attrs={attribute: key})
        if key == "article:tag":
            assert [t["content"] for t in found] == ["Ukraine", "War"]
        else:
            assert [t["content"] for t in found] == [content], key
    feeds = {link["type"]: link["href"] for link in head.find_all("link", rel="alternate")}
    assert feeds == {"application/rss+xml": "/feeds/rss/", "application/atom+xml": "/feeds/atom/"}
    assert json_ld(page) == meta.json_ld


def test_article_page_shows_seed_fields_exactly(client):
    article = seed_article(published_at=timezone.now())
    page = soup(client.get(article.get_absolute_url()))
    graph = json_ld(page)
    news = node(graph, "NewsArticle")

    assert page.h1.string == article.headline
    assert page.select_one(".article__lede").string == article.lede
    (published,) = page.select(".article__meta time")  # no "updated" right after publishing
    assert published["datetime"] == news["datePublished"] == news["dateModified"]
    assert [a.string for a in page.select(".tag-list a")] == ["Ukraine", "War"]
    assert page.select_one(".tag-list a")["href"] == "/tags/ukraine/"

    figure = page.select_one("figure.article__figure")
    img = figure.find("img")
    assert img["alt"] == "Soldiers on a snowy road" and img["loading"] == "eager"
    assert img["width"] and img["height"]
    assert figure.find("source", type="image/webp")["srcset"].count("w,") >= 1
    assert figure.select_one(".caption").string == "War in Ukraine"
    credit = figure.select_one(".credit")
    assert " ".join(credit.get_text().split()) == "Photo: Raw Pixel / CC BY 1.0"
    assert credit.find("a", string="Raw Pixel")["href"] == "https://rawpixel.com"
    (licence,) = credit.find_all("a", rel="license")
    assert licence["href"] == "https://creativecommons.org/licenses/by/1.0/"
    assert licence.string == "CC BY 1.0"
    assert "25,200 were irretrievable losses" in page.select_one(".article__body").get_text()


def test_article_updated_after_publication_shows_when(client):
    article = ArticleFactory(published_at=timezone.now() - timedelta(days=2))
    article.save_change(ChangeKind.UPDATE)
    page = soup(client.get(article.get_absolute_url()))
    published, updated = page.select(".article__meta time")
    news = node(json_ld(page), "NewsArticle")
    assert published["datetime"] == news["datePublished"]
    assert updated["datetime"] == news["dateModified"] != news["datePublished"]
    assert "Updated" in updated.parent.get_text()


def test_credit_without_url_or_licence_is_plain_text(client):
    credit = ImageCreditFactory(author="Agency staff", author_url="", license=None)
    article = ArticleFactory(lead_figure=FigureFactory(credit=credit))
    credit_line = soup(client.get(article.get_absolute_url())).select_one(".credit")
    assert credit_line.get_text() == "Photo: Agency staff"
    assert credit_line.find("a") is None


def test_drafts_and_scheduled_are_404_and_withdrawn_is_410(client):
    draft, scheduled, withdrawn = hidden_articles()
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(scheduled.get_absolute_url()).status_code == 404
    response = client.get(withdrawn.get_absolute_url())
    assert response.status_code == 410
    assert "This article has been withdrawn" in response.content.decode()
    assert withdrawn.title not in response.content.decode()
    assert client.get("/articles/no-such-article/").status_code == 404


def test_scheduled_article_appears_at_its_time(client):
    article = ArticleFactory(published_at=timezone.now() + timedelta(minutes=5))
    assert client.get(article.get_absolute_url()).status_code == 404
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now())
    assert client.get(article.get_absolute_url()).status_code == 200


def reviewer_link(article):
    return PreviewLink.objects.create_for(article, None).get_absolute_url()


def test_signed_preview_shows_a_draft_marked_noindex(client):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    response = client.get(reviewer_link(draft))
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Cache-Control"] == "private, no-store"
    page = soup(response)
    (robots,) = page.head.find_all("meta", attrs={"name": "robots"})
    assert robots["content"] == "noindex, nofollow"
    assert "Preview" in page.select_one(".preview-banner").get_text()
    assert page.select(".article__meta time") == []  # not published: no date to show


def test_tampered_or_expired_preview_token_is_refused(client):
    draft = ArticleFactory(status=Article.Status.DRAFT)
    link = PreviewLink.objects.create_for(draft, None)
    token = link.get_absolute_url().split("/")[-2]
    tampered = token[:-2] + ("aa" if not token.endswith("aa") else "bb")
    assert client.get(reverse("articles:preview", args=[tampered])).status_code == 404
    PreviewLink.objects.update(expires_at=timezone.now())
    assert client.get(reverse("articles:preview", args=[token])).status_code == 410


def test_preview_link_of_a_withdrawn_article_is_dead_and_of_a_public_one_leads_to_it(client):
    article = ArticleFactory(status=Article.Status.DRAFT)
    link = reviewer_link(article)
    assert client.get(link).status_code == 200

    Article.objects.filter(pk=article.pk).update(status=Article.Status.PUBLISHED)
    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == article.get_absolute_url()

    # Even written past Article.save(), which would also revoke the link.
    Article.objects.filter(pk=article.pk).update(status=Article.Status.WITHDRAWN)
    response = client.get(link)
    assert response.status_code == 410
    assert article.headline not in response.content.decode()


def test_article_page_makes_two_queries_whatever_its_tags(client, django_assert_num_queries):
    few = seed_article(tags=["One"])
    many = seed_article(slug="many-tags", tags=[f"Tag {n}" for n in range(12)])
    warm_navigation()
    # The article with its stored fragments, then the related stories (found by the tags
    # the fragments name; the sections of the navigation are in the cache).
    for article in (few, many):
        with django_assert_num_queries(2):
            assert client.get(article.get_absolute_url()).status_code == 200


# --- listings --------------------------------------------------------------------------


def test_home_lists_published_articles_with_lede_time_and_thumbnail(client):
    article = seed_article()
    hidden_articles()
    page = soup(client.get("/"))
    cards = page.select(".card")
    assert len(cards) == 1
    card = cards[0]
    assert card.select_one(".card__headline a")["href"] == article.get_absolute_url()
    assert card.select_one(".card__lede").string == article.lede
    assert (
        card.find("time")["datetime"]
        == node(article_metadata(article).json_ld, "NewsArticle")["datePublished"]
    )
    assert card.find("img")["alt"] == "Soldiers on a snowy road"
    for hidden in ("Secret draft", "Scheduled later", "Withdrawn old"):
        assert hidden not in page.get_text()


def test_home_is_paginated(client):
    ArticleFactory.create_batch(13)
    first, second = soup(client.get("/")), soup(client.get("/?page=2"))
    assert len(first.select(".card")) == 12 and len(second.select(".card")) == 1
    assert first.select_one("a[rel=next]")["href"] == "?page=2"
    assert second.find("link", rel="canonical")["href"] == "https://news.example/?page=2"
    assert client.get("/?page=9").status_code == 404


def test_tag_page_lists_only_public_articles_of_the_tag(client):
    tagged = ArticleFactory(tags=["Climate"], title="Glaciers retreat")
    ArticleFactory(tags=["Sport"], title="Cup final")
    for hidden in hidden_articles():
        hidden.tags.add("Climate")
    response = client.get("/tags/climate/")
    page = soup(response)
    assert [a["href"] for a in page.select(".card__headline a")] == [tagged.get_absolute_url()]
    assert page.h1.get_text() == "Tagged “Climate”"
    feeds = [link["href"] for link in page.head.find_all("link", rel="alternate")]
    assert "/feeds/tags/climate/rss/" in feeds and "/feeds/tags/climate/atom/" in feeds


def test_tags_in_other_scripts_have_working_pages(client):
    article = ArticleFactory(tags=["Україна"])
    page = soup(client.get(article.get_absolute_url()))
    href = page.select_one(".tag-list a")["href"]
    assert href == "/tags/%D1%83%D0%BA%D1%80%D0%B0%D1%97%D0%BD%D0%B0/"
    listing = soup(client.get(href))
    assert listing.h1.get_text() == "Tagged “Україна”"
    assert client.get("/feeds/tags/україна/atom/").status_code == 200


def test_tag_with_only_hidden_articles_is_404(client):
    for hidden in hidden_articles():
        hidden.tags.add("Embargoed")
    assert client.get("/tags/embargoed/").status_code == 404
    assert client.get("/tags/never-used/").status_code == 404


def test_archives_by_year_and_month(client):
    may = ArticleFactory(published_at=timezone.make_aware(timezone.datetime(2024, 5, 3, 12)))
    june = ArticleFactory(published_at=timezone.make_aware(timezone.datetime(2024, 6, 9, 12)))
    ArticleFactory(
        status=Article.Status.DRAFT,
        published_at=timezone.make_aware(timezone.datetime(2024, 5, 4, 12)),
    )
    year = soup(client.get("/archive/2024/"))
    assert [a["href"] for a in year.select(".card__headline a")] == [
        june.get_absolute_url(),
        may.get_absolute_url(),
    ]
    assert [a["href"] for a in year.select(".archive-nav a")] == [
        "/archive/2024/05/",
        "/archive/2024/06/",
    ]
    month = soup(client.get(reverse("articles:archive_month", args=[2024, "05"])))
    assert [a["href"] for a in month.select(".card__headline a")] == [may.get_absolute_url()]
    assert client.get("/archive/2023/").status_code == 404
    assert client.get("/archive/2024/07/").status_code == 404
    assert client.get("/archive/2024/5/").status_code == 404


@pytest.mark.parametrize(
    "url",
    ["/", "/tags/budget/", "/archive/2024/", "/archive/2024/05/", "/search/?q=budget"],
)
def test_listing_queries_do_not_grow_with_the_page(client, django_assert_max_num_queries, url):
    def add(count):
        for _ in range(count):
            ArticleFactory(
                lead_figure=small_figure(),  # with renditions, as the cards show them
                tags=["Budget", "City"],
                title="Budget news",
                published_at=timezone.make_aware(timezone.datetime(2024, 5, 3, 12)),
            )

    # Neighbouring months and years for the archives' navigation.
    for day in ((2023, 5, 1), (2024, 4, 1), (2024, 7, 1)):
        ArticleFactory(
            lead_figure=FigureFactory(image=None, original_url="https://old.example/b.jpg"),
            tags=["Elsewhere"],
            published_at=timezone.make_aware(timezone.datetime(*day, 12)),
        )
    counts = []
    for size in (2, 10):
        add(size)
        # Month archives also look up the neighbouring months for their navigation; the
        # cards' bylines are one query for the whole page.
        warm_navigation()
        with django_assert_max_num_queries(8) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_listing_loads_its_first_picture_eagerly_and_the_rest_lazily(client):
    # The first thumbnail is in the first screen; an eager image without a picture (the
    # newest article here has none) would leave it lazy, which delays the page's largest paint.
    now = timezone.now()
    ArticleFactory(published_at=now, lead_figure=None)
    for hours in range(1, 14):
        ArticleFactory(published_at=now - timedelta(hours=hours), lead_figure=small_figure())

    def loading(url):
        images = soup(client.get(url)).select(".card img")
        return [(img["loading"], img.get("fetchpriority")) for img in images]

    assert loading("/") == [("eager", "high")] + [("lazy", None)] * 10
    assert loading("/?page=2") == [("eager", "high"), ("lazy", None)]


# --- hostile text ----------------------------------------------------------------------

SCRIPT = "</script><script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'


def test_hostile_text_is_escaped_in_html_meta_tags_and_json_ld(client):
    credit = ImageCreditFactory(author=f"Evil {IMG}", author_url="https://evil.example/")
    figure = FigureFactory(credit=credit, alt_text=f"Alt {IMG}", caption=f"Caption {SCRIPT}")
    article = ArticleFactory(
        headline=f"Headline {SCRIPT}",
        title=f"Title {IMG}",
        description=f"Description {IMG}",
        lede=f"Lede {SCRIPT}",
        social_title=f"Social {SCRIPT}",
        social_description=f"Social description {IMG}",
        byline=f"Byline {IMG}",
        body="Body",
        lead_figure=figure,
        tags=[f"tag {IMG}"],
    )
    html = client.get(article.get_absolute_url()).content.decode()
    for raw in (SCRIPT, IMG, "<script>alert", "<img src=x"):
        assert raw not in html
    assert html.count("<script") == 1  # the JSON-LD element itself, nothing else

    page = BeautifulSoup(html, "html.parser")
    assert page.h1.string == f"Headline {SCRIPT}"
    assert page.select_one(".article__byline").string == f"By Byline {IMG}"
    assert page.head.find("meta", attrs={"name": "description"})["content"] == (
        f"Description {IMG}"
    )
    assert page.head.find("meta", property="og:title")["content"] == f"Social {SCRIPT}"
    assert page.head.find("meta", property="article:tag")["content"] == f"tag {IMG}"
    assert page.head.find("meta", property="og:image:alt")["content"] == f"Alt {IMG}"
    graph = json_ld(page)
    assert node(graph, "NewsArticle")["headline"] == f"Headline {SCRIPT}"
    assert node(graph, "NewsArticle")["author"][0]["name"] == f"Byline {IMG}"
    assert node(graph, "ImageObject")["caption"] == f"Caption {SCRIPT}"
    assert node(graph, "ImageObject")["creditText"] == f"Evil {IMG}"

    for url in ("/", f"/tags/{article.tags.get().slug}/", "/search/?q=Headline"):
        listing = client.get(url).content.decode()
        assert SCRIPT not in listing and IMG not in listing, url
        assert "Headline &lt;/script&gt;" in listing, url


def test_hostile_search_query_is_escaped(client):
    html = client.get("/search/", {"q": SCRIPT}).content.decode()
    assert SCRIPT not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- robots.txt, the icon and error pages -------------------------------------------------


def test_robots_txt_names_both_sitemaps(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: https://news.example/sitemap.xml" in lines
    assert "Sitemap: https://news.example/news-sitemap.xml" in lines
    assert "Disallow: /admin/" in lines and "Disallow: /preview/" in lines


def test_favicon_ico_is_the_site_icon_served_before_any_view(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert "max-age" in response["Cache-Control"]
    icon = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert icon.format == "ICO"
    assert icon.info["sizes"] == {(16, 16), (32, 32), (48, 48)}
    response.close()
    unchanged = client.get("/favicon.ico", headers={"If-None-Match": response["ETag"]})
    assert unchanged.status_code == 304


def test_admin_pages_name_the_site_icon(client, editor):
    for user in (None, editor):  # the login page, then the desk
        if user:
            client.force_login(user)
        page = soup(client.get("/admin/", follow=True))
        (icon,) = page.find_all("link", rel="icon")
        assert icon["href"] == "/static/images/favicon.svg"


def test_404_page_is_in_the_site_design(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    page = soup(response)
    assert page.h1.string == "Page not found"
    assert page.select_one("form[role=search]") is not None
    assert page.find("link", rel="stylesheet")["href"] == "/static/css/site.css"


def test_500_page_renders_without_a_database_or_context():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    page = BeautifulSoup(response.content.decode(), "html.parser")
    assert page.h1.string == "Something went wrong"
    assert page.find("link", rel="stylesheet")["href"] == "/static/css/site.css"


def test_cards_and_bylines_show_every_text_as_typed_never_as_markup(client):
    from articles.models import Author

    typed = '<b>Bold</b> & "quoted" <script>alert(1)</script>'
    author = Author.objects.create(name=f"Jo {typed}")
    photographer = Author.objects.create(name="<i>Pat</i>")
    article = ArticleFactory(headline=f"Headline {typed}", lede=f"Lede {typed}", byline=typed)
    article.save(authors=[author, (photographer, "photographs")])
    article_page = BeautifulSoup(client.get(article.get_absolute_url()).content, "html.parser")
    for page in (BeautifulSoup(client.get("/").content, "html.parser"), article_page):
        assert not page.select("main b, main i, main script")
    (card,) = BeautifulSoup(client.get("/").content, "html.parser").select("article.card")
    assert card.h2.get_text() == f"Headline {typed}"
    assert card.select_one(".card__lede").get_text() == f"Lede {typed}"
    assert [span.get_text() for span in card.select(".card__byline")] == [
        f"By Jo {typed} {typed}",
        "Photographs by <i>Pat</i>",
    ]
    links = article_page.select(".article__byline a[rel=author]")
    assert [(a.get_text(), a["href"]) for a in links] == [
        (f"Jo {typed}", author.get_absolute_url()),
        ("<i>Pat</i>", photographer.get_absolute_url()),
    ]
