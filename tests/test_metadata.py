"""article_metadata(): the one function behind an article page's meta tags and JSON-LD."""

import json
from datetime import datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from articles.metadata import (
    SHARE_IMAGE_SIZE,
    article_metadata,
    iso_datetime,
    modified_time,
    news_language,
)
from tests.factories import ArticleFactory, FigureFactory, seed_article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://news.example"
    settings.SITE_NAME = "The Daily Example"
    settings.LANGUAGE_CODE = "en-gb"
    settings.TIME_ZONE = "Europe/Kyiv"


def tags_of(meta):
    found = {}
    for attribute, key, content in meta.meta_tags:
        found.setdefault((attribute, key), []).append(content)
    return found


def graph_node(meta, node_type):
    (node,) = [n for n in meta.json_ld["@graph"] if n["@type"] == node_type]
    return node


def test_seed_article_metadata():
    article = seed_article(byline="Kateryna Denisova")
    meta = article_metadata(article)
    canonical = f"https://news.example/articles/{article.slug}/"
    tags = tags_of(meta)

    assert meta.title == f"{article.title} – The Daily Example"
    assert meta.canonical_url == canonical
    assert meta.description == article.description
    assert tags[("property", "og:type")] == ["article"]
    assert tags[("property", "og:title")] == ["Kursk: Russia lost 62,400 soldiers"]
    assert tags[("property", "og:description")] == [article.social_description]
    assert tags[("property", "og:url")] == [canonical]
    assert tags[("property", "og:site_name")] == ["The Daily Example"]
    assert tags[("property", "og:locale")] == ["en_GB"]
    image_url = tags[("property", "og:image")][0]
    assert image_url.startswith("https://news.example/media/renditions/")
    assert image_url.endswith(".jpg")
    assert tags[("property", "og:image:width")] == ["1200"]
    assert tags[("property", "og:image:height")] == ["675"]  # the 1600×900 upload, scaled
    assert tags[("property", "og:image:alt")] == ["Soldiers on a snowy road"]
    assert tags[("property", "article:tag")] == ["Ukraine", "War"]
    assert tags[("name", "twitter:card")] == ["summary_large_image"]
    assert tags[("name", "twitter:image")] == [image_url]
    assert tags[("name", "twitter:image:alt")] == ["Soldiers on a snowy road"]
    # Exactly one of every tag but article:tag.
    assert all(len(v) == 1 for k, v in tags.items() if k != ("property", "article:tag"))

    published = timezone.localtime(article.published_at).replace(microsecond=0).isoformat()
    assert published.endswith("+02:00")  # Europe/Kyiv in winter; the offset is always there
    assert tags[("property", "article:published_time")] == [published]
    assert meta.published == published

    news = graph_node(meta, "NewsArticle")
    assert news["headline"] == article.headline
    assert news["description"] == article.description
    assert news["datePublished"] == published and news["dateModified"] == meta.modified
    assert news["author"] == [{"@type": "Person", "name": "Kateryna Denisova"}]
    assert news["publisher"]["name"] == "The Daily Example"
    assert news["mainEntityOfPage"] == {"@id": canonical}
    assert news["keywords"] == ["Ukraine", "War"]
    assert news["inLanguage"] == "en-GB"
    assert news["image"]["url"] == image_url

    image = graph_node(meta, "ImageObject")
    assert image["@id"] == news["image"]["@id"]
    assert image["contentUrl"] == image_url
    assert (image["width"], image["height"]) == (1200, 675)
    assert image["caption"] == "War in Ukraine"
    assert image["creditText"] == "Raw Pixel"
    assert image["creator"] == {
        "@type": "Person",
        "name": "Raw Pixel",
        "url": "https://rawpixel.com",
    }
    assert image["license"] == "https://creativecommons.org/licenses/by/1.0/"
    assert image["copyrightNotice"] == "Raw Pixel"

    organization = graph_node(meta, "Organization")
    assert organization["logo"]["url"] == "https://news.example/static/images/logo.png"
    assert graph_node(meta, "WebPage")["url"] == canonical
    assert graph_node(meta, "WebSite")["url"] == "https://news.example/"


def test_an_empty_title_falls_back_to_the_headline_everywhere():
    article = ArticleFactory(title="", headline="Only a headline", social_title="")
    meta = article_metadata(article)
    tags = tags_of(meta)
    assert meta.title == "Only a headline – The Daily Example"
    assert tags[("property", "og:title")] == tags[("name", "twitter:title")] == ["Only a headline"]
    assert graph_node(meta, "NewsArticle")["headline"] == "Only a headline"
    assert graph_node(meta, "WebPage")["name"] == "Only a headline"


def test_social_fields_fall_back_so_nothing_is_empty():
    article = ArticleFactory(social_title="", social_description="", description="")
    meta = article_metadata(article)
    tags = tags_of(meta)
    assert tags[("property", "og:title")] == [article.title]
    assert tags[("name", "twitter:title")] == [article.title]
    assert meta.description == article.lede
    assert tags[("property", "og:description")] == [article.lede]

    bare = ArticleFactory(description="", lede="", social_description="", body="Only **body**.")
    assert article_metadata(bare).description == "Only body."


def test_without_a_byline_the_publication_is_the_author():
    news = graph_node(article_metadata(ArticleFactory(byline="")), "NewsArticle")
    assert news["author"] == [
        {
            "@type": "Organization",
            "@id": "https://news.example/#organization",
            "name": "The Daily Example",
        }
    ]


def test_long_headline_is_cut_to_110_characters_for_json_ld():
    article = ArticleFactory(headline="A" * 150)
    headline = graph_node(article_metadata(article), "NewsArticle")["headline"]
    assert len(headline) == 110 and headline.endswith("…")


def test_figure_without_file_falls_back_to_its_original_url():
    figure = FigureFactory(image=None, original_url="https://old.example/images/photo.webp")
    meta = article_metadata(ArticleFactory(lead_figure=figure))
    tags = tags_of(meta)
    assert tags[("property", "og:image")] == ["https://old.example/images/photo.webp"]
    assert ("property", "og:image:width") not in tags
    image = graph_node(meta, "ImageObject")
    assert image["contentUrl"] == "https://old.example/images/photo.webp"
    assert "width" not in image
    assert image["creditText"] == figure.credit.author


def test_article_without_figure_shares_the_site_card():
    meta = article_metadata(ArticleFactory(lead_figure=None))
    tags = tags_of(meta)
    assert tags[("property", "og:image")] == ["https://news.example/static/images/share.png"]
    assert tags[("property", "og:image:width")] == [str(SHARE_IMAGE_SIZE[0])]
    assert "creditText" not in graph_node(meta, "ImageObject")


def test_modified_time_is_the_public_update_time_never_a_save():
    now = timezone.now()
    article = ArticleFactory(published_at=now - timedelta(days=300))
    article.imported_at = now - timedelta(minutes=1)
    article.updated_at = now + timedelta(hours=2)  # saved: no update for readers
    assert modified_time(article) == article.published_at

    article.updated_publicly_at = now
    assert modified_time(article) == now

    # Rescheduled after an update: never modified before it was published.
    article.published_at = now + timedelta(days=1)
    assert modified_time(article) == article.published_at


def test_iso_datetime_and_news_language(settings):
    moment = timezone.now().replace(microsecond=123456)
    assert "." not in iso_datetime(moment) and iso_datetime(moment)[-6] in "+-"
    assert news_language() == "en"
    settings.LANGUAGE_CODE = "zh-tw"
    assert news_language() == "zh-tw"


def test_json_ld_cannot_break_out_of_its_script_element():
    data = {"headline": '</script><script>alert(1)</script> & "quoted" <!--'}
    html = Template("{% load articles_tags %}{% json_ld data %}").render(Context({"data": data}))
    assert html.count("</script>") == 1 and html.endswith("</script>")
    assert "<script>alert" not in html and "<!--" not in html and "&quot;" not in html
    body = html.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert json.loads(body) == data


# audit_meta.py (extruct) found no og:title/og:url/og:image/twitter:card on the home,
# tag, corrections and archive pages (sections and authors had their own): a shared link
# to them showed a bare address. Every page without its own card now has the site's.
@pytest.mark.parametrize(
    ("url", "title", "canonical"),
    [
        ("/", "The Daily Example: latest news", "https://news.example/"),
        (
            "/?page=2",
            "The Daily Example: latest news (page 2)",
            "https://news.example/?page=2",
        ),
        (
            "/tags/budget/",
            "Tagged “Budget” – The Daily Example",
            "https://news.example/tags/budget/",
        ),
        ("/corrections/", None, "https://news.example/corrections/"),
        ("/archive/2020/", None, "https://news.example/archive/2020/"),
    ],
)
def test_pages_without_a_card_of_their_own_have_the_sites(client, url, title, canonical):
    from bs4 import BeautifulSoup

    from articles.views import PAGE_SIZE

    for n in range(PAGE_SIZE + 1):
        ArticleFactory(
            tags=["Budget"],
            published_at=timezone.make_aware(datetime(2020, 3, 1 + n)),
        )
    page = BeautifulSoup(client.get(url).content, "html.parser")

    def content(attribute, key):
        (tag,) = page.find_all("meta", attrs={attribute: key})
        return tag["content"]

    page_title = page.title.get_text()
    assert title is None or page_title == title
    assert content("property", "og:type") == "website"
    assert content("property", "og:title") == content("name", "twitter:title") == page_title
    assert content("property", "og:url") == page.find("link", rel="canonical")["href"]
    assert content("property", "og:url") == canonical
    description = page.find("meta", attrs={"name": "description"})["content"]
    assert content("property", "og:description") == description
    assert content("name", "twitter:card") == "summary_large_image"
    share = content("property", "og:image")
    assert share.startswith("https://news.example/static/") and share.endswith(".png")
    assert content("name", "twitter:image") == share
    assert content("property", "og:image:alt") == "The Daily Example"


def test_pages_with_their_own_card_have_no_second_one(client):
    from bs4 import BeautifulSoup

    article = seed_article()
    page = BeautifulSoup(client.get(article.get_absolute_url()).content, "html.parser")
    assert [t["content"] for t in page.find_all("meta", property="og:type")] == ["article"]
    assert len(page.find_all("meta", attrs={"name": "twitter:card"})) == 1


def test_a_page_without_a_canonical_link_has_no_empty_og_url(client):
    from bs4 import BeautifulSoup

    page = BeautifulSoup(client.get("/search/?q=bridge").content, "html.parser")
    assert page.find("link", rel="canonical") is None
    assert page.find("meta", property="og:url") is None
    assert page.find("meta", property="og:title")["content"]
    assert all(tag.get("content") for tag in page.find_all("meta", property=True))
