"""The seed articles imported from their files, as readers and machines see their pages:
every field of the file appears exactly where it belongs."""

import json

import pytest
from bs4 import BeautifulSoup

from articles.importing import Result, import_articles
from articles.models import Article
from tests.factories import image_bytes
from tests.test_importing import SEED_FRONT_MATTER, SEED_PLAIN_TEXT, seed_meta

pytestmark = pytest.mark.django_db

SITE = "https://news.example"
# Head elements an article page has exactly one of (article:tag is per tag; the seed has none).
ONE_EACH = [
    ("meta", {"name": "description"}),
    ("meta", {"name": "robots"}),
    ("link", {"rel": "canonical"}),
    *[
        ("meta", {"property": key})
        for key in (
            "og:type", "og:title", "og:description", "og:url", "og:site_name", "og:locale",
            "og:image", "og:image:width", "og:image:height", "og:image:alt",
            "article:published_time", "article:modified_time",
        )
    ],
    *[
        ("meta", {"name": key})
        for key in (
            "twitter:card", "twitter:title", "twitter:description", "twitter:image",
            "twitter:image:alt",
        )
    ],
    ("script", {"type": "application/ld+json"}),
]  # fmt: skip


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE
    settings.SITE_NAME = "Newsroom"
    settings.TIME_ZONE = "Europe/Kyiv"


def import_seed(path, images_root=None):
    report = import_articles([path], images_root=images_root)
    (outcome,) = report.outcomes
    assert outcome.result == Result.CREATED, outcome.error_lines()
    return Article.objects.get()


def fetch(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    page = BeautifulSoup(response.content.decode(), "html.parser")
    graph = json.loads(page.head.find("script", type="application/ld+json").string)
    nodes = {node["@type"]: node for node in graph["@graph"]}
    return page, nodes


def head_content(page, **attrs):
    (tag,) = page.head.find_all("meta", attrs=attrs)
    return tag["content"]


@pytest.fixture
def seed_page(client, tmp_path):
    """Seed 000 with its image where the old site kept it (a 1600×900 WebP)."""
    meta = seed_meta()
    image = tmp_path / meta["page_image_src_rel"].lstrip("/")
    image.parent.mkdir(parents=True)
    image.write_bytes(image_bytes(width=1600, height=900, image_format="WEBP"))
    article = import_seed(SEED_FRONT_MATTER, images_root=tmp_path)
    return (meta, article, *fetch(client, article))


def test_seed_page_has_exactly_one_of_each_head_element(seed_page):
    _meta, _article, page, _nodes = seed_page
    assert len(page.find_all("title")) == 1
    for name, attrs in ONE_EACH:
        assert len(page.head.find_all(name, attrs=attrs)) == 1, attrs
    assert page.head.find_all("meta", property="article:tag") == []
    feeds = sorted(link["type"] for link in page.head.find_all("link", rel="alternate"))
    assert feeds == ["application/atom+xml", "application/rss+xml"]


def test_seed_page_text_title_and_social_fields(seed_page):
    meta, article, page, nodes = seed_page
    canonical = f"{SITE}/articles/{article.slug}/"
    assert page.title.string == f"{meta['title']} – Newsroom"
    assert page.h1.string == meta["header_title"]
    assert page.select_one(".article__lede").string == meta["page_first_p"]
    assert head_content(page, name="description") == meta["des"]
    assert page.head.find("link", rel="canonical")["href"] == canonical
    assert head_content(page, property="og:url") == canonical
    assert head_content(page, property="og:title") == meta["twitter_tittle"]
    assert head_content(page, name="twitter:title") == meta["twitter_tittle"]
    assert head_content(page, property="og:description") == meta["twitter_des"]
    assert head_content(page, name="twitter:description") == meta["twitter_des"]
    assert head_content(page, name="robots") == "max-image-preview:large"

    news = nodes["NewsArticle"]
    assert news["headline"] == meta["header_title"]
    assert news["description"] == meta["des"]
    assert news["mainEntityOfPage"] == {"@id": canonical}
    # No byline in the file: the publication is the author.
    assert news["author"] == [
        {"@type": "Organization", "@id": f"{SITE}/#organization", "name": "Newsroom"}
    ]
    assert nodes["Organization"]["@id"] == f"{SITE}/#organization"


def test_seed_page_dates_agree_everywhere(seed_page):
    _meta, _article, page, nodes = seed_page
    # "Apr 26, 2025 10:00" read in the newsroom's zone (Kyiv, summer time).
    expected = "2025-04-26T10:00:00+03:00"
    (time,) = page.select(".article__meta time")  # imported, never edited: no "Updated"
    assert time["datetime"] == expected
    assert time.get_text() == "26 April 2025, 10:00 EEST"
    assert head_content(page, property="article:published_time") == expected
    assert head_content(page, property="article:modified_time") == expected
    news = nodes["NewsArticle"]
    assert news["datePublished"] == news["dateModified"] == expected
    assert nodes["WebPage"]["datePublished"] == expected


def test_seed_page_figure_caption_credit_and_licence(seed_page):
    meta, _article, page, _nodes = seed_page
    figure = page.select_one("main figure.article__figure")
    img = figure.find("img")
    assert img["alt"] == meta["img_alt"]
    assert (img["width"], img["height"]) == ("1200", "675")
    assert img["loading"] == "eager" and img["fetchpriority"] == "high"
    widths = [entry.split()[-1] for entry in img["srcset"].split(", ")]
    assert widths == ["480w", "800w", "1200w", "1600w"]
    assert figure.find("source", type="image/webp")["sizes"] == img["sizes"]

    assert figure.select_one(".caption").string == meta["figure_p"]
    credit = figure.select_one(".credit")
    assert " ".join(credit.get_text().split()) == (
        f"Photo: {meta['figure_author']} / {meta['figure_license']}"
    )
    author = credit.find("a", string=meta["figure_author"])
    assert author["href"] == meta["figure_author_url"] and not author.has_attr("rel")
    (licence,) = credit.find_all("a", rel="license")
    assert licence.string == meta["figure_license"]
    assert licence["href"] == meta["figure_license_url"]  # exactly as written, "//" and all


def test_seed_page_social_image_is_the_absolute_1200_rendition(seed_page):
    meta, _article, page, nodes = seed_page
    og_image = head_content(page, property="og:image")
    assert og_image.startswith(f"{SITE}/media/renditions/") and "-1200w-" in og_image
    assert og_image.endswith(".jpg")
    assert head_content(page, name="twitter:image") == og_image
    assert head_content(page, property="og:image:width") == "1200"
    assert head_content(page, property="og:image:height") == "675"
    assert head_content(page, property="og:image:alt") == meta["img_alt"]
    assert head_content(page, name="twitter:image:alt") == meta["img_alt"]

    image = nodes["ImageObject"]
    assert nodes["NewsArticle"]["image"]["@id"] == image["@id"]
    assert image["contentUrl"] == og_image
    assert (image["width"], image["height"]) == (1200, 675)
    assert image["caption"] == meta["figure_p"]
    assert image["creditText"] == meta["figure_author"]
    assert image["creator"] == {
        "@type": "Person",
        "name": meta["figure_author"],
        "url": meta["figure_author_url"],
    }
    assert image["license"] == meta["figure_license_url"]


def test_seed_without_its_image_file_shares_the_old_sites_image(client):
    # Imported without --images-root: the figure keeps the address it had on the old site.
    meta = seed_meta()
    page, nodes = fetch(client, import_seed(SEED_FRONT_MATTER))
    assert head_content(page, property="og:image") == meta["img_url_full"]
    assert page.head.find_all("meta", property="og:image:width") == []
    assert nodes["ImageObject"]["contentUrl"] == meta["img_url_full"]
    assert nodes["ImageObject"]["license"] == meta["figure_license_url"]
    # Nothing to show a reader: no figure, so no broken image.
    assert page.select("main figure") == [] and page.select("main img") == []


def test_plain_text_seed_page(client):
    article = import_seed(SEED_PLAIN_TEXT)
    page, nodes = fetch(client, article)
    assert page.h1.string == article.headline
    assert head_content(page, property="og:image") == f"{SITE}/static/images/share.png"
    (time,) = page.select(".article__meta time")
    assert time["datetime"] == nodes["NewsArticle"]["datePublished"] == "2025-02-15T00:00:00+02:00"
    assert "Munich Security Conference" in page.select_one(".article__body").get_text()
    assert "This audio is created with AI assistance" not in page.get_text()
