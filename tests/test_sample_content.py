"""The sample content `make run` imports shows the site at its best: every article whole
(headline, lede, time, tags), the lead image shipped and credited, no import warning, and
the pages' pictures and share cards served by the site itself."""

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from PIL import Image

from articles.importing import Result, import_articles
from articles.models import LEAD_IMAGE_MIN_WIDTH, Article

pytestmark = pytest.mark.django_db

SAMPLE = Path(settings.BASE_DIR) / "sample_content"
SITE = "https://news.example"


def makefile_import_arguments():
    """The import_articles arguments of the Makefile's sample-content step."""
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text(encoding="utf-8")
    (line,) = re.findall(r"manage\.py import_articles (.+)", makefile)
    return line.split()


@pytest.fixture
def sample(settings):
    settings.SITE_URL = SITE
    arguments = makefile_import_arguments()
    assert arguments == ["sample_content/articles", "--images-root", "sample_content"]
    report = import_articles([SAMPLE / "articles"], images_root=SAMPLE)
    return report


def page_of(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return BeautifulSoup(response.content.decode(), "html.parser")


def test_the_sample_imports_without_a_warning(sample):
    assert [o.result for o in sample.outcomes] == [Result.CREATED] * 3
    assert sample.warning_lines() == []


def test_every_sample_article_is_whole_and_public(sample):
    for article in Article.objects.all():
        assert article.status == Article.Status.PUBLISHED, article
        assert article in Article.objects.published()
        assert article.title and article.headline and article.lede and article.description
        assert not article.body.startswith(article.headline.rstrip(".")), "headline repeats body"
        assert article.published_at.time().isoformat() != "00:00:00", "a date without a time"
        assert article.tags.count() >= 3
        assert article.publishing_warnings() == [], article


def test_the_lead_image_is_shipped_small_credited_and_served_by_the_site(sample, client):
    image = SAMPLE / "images" / "fields-under-a-blue-sky.jpg"
    assert image.stat().st_size < 300_000
    with Image.open(image) as picture:
        assert picture.width >= LEAD_IMAGE_MIN_WIDTH
    article = Article.objects.get(lead_figure__isnull=False)
    assert article.slug == "russia-lost-over-62400-soldiers-in-kursk-operation-ukraine-says"
    figure = article.lead_figure
    assert figure.has_file and figure.renditions.count() == 8
    credit = figure.credit
    assert (credit.author, credit.license.name) == ("Newsroom project", "CC0 1.0")
    assert credit.license.url == "https://creativecommons.org/publicdomain/zero/1.0/"

    page = page_of(client, article)
    img = page.select_one(".article__figure img")
    assert img is not None and img["alt"] == figure.alt_text
    share = page.head.find("meta", property="og:image")["content"]
    assert share.startswith(f"{SITE}{settings.MEDIA_URL}renditions/"), share
    assert "pure.news" not in str(page.head)


def test_the_figures_article_shows_a_table_a_pull_quote_and_links_that_work(sample, client):
    article = Article.objects.get(slug="the-kursk-incursion-in-figures")
    page = page_of(client, article)
    body = page.select_one(".article__body")

    assert len(body.select("table tbody tr")) >= 5
    assert body.select_one("blockquote") is not None
    links = [a["href"] for a in body.select("a")]
    assert len(links) == 2
    for link in links:
        assert client.get(link).status_code == 200, link
