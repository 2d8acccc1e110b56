"""A syndicated article's canonical address, its public update time and its corrections:
set in the admin or read from an archive (`canonical_url`, `page_updated` and the static-site
generators' lastmod/updated, `corrections`), shown in the page's head and body, and written
back by export so that a round trip keeps them."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from bs4 import BeautifulSoup
from django.conf import settings
from django.urls import reverse

from articles.importing import Result, export_articles
from articles.models import Article, ChangeKind, Correction
from tests.factories import ArticleFactory
from tests.test_admin import article_form_data
from tests.test_feeds_sitemaps import absolute, locations
from tests.test_importing import article_file, only, run

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")
HARBOUR = (
    Path(settings.BASE_DIR) / "tests" / "data" / "body_images" / "2024-07-01-harbour-cranes.md"
)
ORIGINAL = "https://port.example.org/news/new-cranes"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "https://news.example"
    settings.TIME_ZONE = "UTC"


def page(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def canonical_of(soup):
    (link,) = soup.head.find_all("link", rel="canonical")
    return link["href"]


def corrections_on(soup):
    return [
        (item.time["datetime"], item.select_one(".corrections__text").get_text())
        for item in soup.select(".corrections__list li")
    ]


def test_an_imported_article_shows_its_update_time_canonical_and_corrections(client):
    outcome = only(run(HARBOUR), Result.CREATED)
    article = Article.objects.get()
    assert article.updated_publicly_at == datetime(2024, 7, 3, 15, 30, tzinfo=UTC)  # lastmod
    assert article.canonical_url == ORIGINAL  # canonicalURL: another site's page
    assert not [line for line in outcome.warning_lines() if "canonical" in line]

    soup = page(client, article)
    assert canonical_of(soup) == ORIGINAL
    og_url = soup.head.find("meta", property="og:url")["content"]
    assert og_url == "https://news.example" + article.get_absolute_url()  # shared: ours
    assert soup.head.find("meta", property="article:modified_time")["content"] == (
        "2024-07-03T15:30:00+00:00"
    )
    updated = soup.select(".article__meta time")[-1]
    assert updated.parent.get_text().startswith("Updated")
    assert updated["datetime"] == "2024-07-03T15:30:00+00:00"
    assert corrections_on(soup) == [
        (
            "2024-07-02T07:00:00+00:00",
            "An earlier version gave the cranes' height as 50 metres; they are 65 metres tall.",
        )
    ]

    again = only(run(HARBOUR), Result.UNCHANGED)
    assert again.warnings == [] and Correction.objects.count() == 1


def test_a_newer_correction_moves_the_update_time_when_the_file_gives_none(tmp_path):
    meta = {
        "title": "T",
        "date": "2024-01-01T09:00:00+00:00",
        "corrections": [{"text": "The bridge is in Lviv.", "date": "2024-01-05T10:00:00+00:00"}],
    }
    only(run(article_file(tmp_path, "a.md", meta)), Result.CREATED)
    article = Article.objects.get()
    assert article.updated_publicly_at == datetime(2024, 1, 5, 10, 0, tzinfo=UTC)


def test_a_rerun_adds_new_corrections_and_takes_none_down(tmp_path):
    first = {"text": "First.", "date": "2024-01-02T10:00:00+00:00"}
    second = {"text": "Second.", "date": "2024-01-03T10:00:00+00:00"}
    meta = {"title": "T", "date": "2024-01-01", "corrections": [first]}
    path = article_file(tmp_path, "a.md", meta)
    only(run(path), Result.CREATED)
    article_file(tmp_path, "a.md", {**meta, "corrections": [second]})
    only(run(path), Result.UPDATED)
    # A correction readers saw is a public record: an editor takes it down, never a re-run.
    assert sorted(Correction.objects.values_list("text", flat=True)) == ["First.", "Second."]


@pytest.mark.parametrize(
    ("corrections", "message"),
    [
        ("Fixed.", "expected a list of corrections (text and date), got text"),
        ([{"text": "Fixed."}], "correction 1: give its text and its date"),
        (
            [{"text": "", "date": "2024-01-02"}],
            "correction 1: its text must be text, and not empty",
        ),
        (
            [{"text": "Fixed.", "date": "2024-01-02", "by": "Ed"}],
            "correction 1: unknown key(s) by",
        ),
        ([{"text": "Fixed.", "date": "soon"}], "correction 1: date: "),
        ([{"text": "x" * 1001, "date": "2024-01-02"}], "correction 1: 1,001 characters"),
    ],
)
def test_corrections_of_the_wrong_shape_fail_the_file_by_name(tmp_path, corrections, message):
    path = article_file(tmp_path, "a.md", {"title": "T", "corrections": corrections})
    (line,) = only(run(path), Result.FAILED).error_lines()
    assert line.startswith(f"{path}: corrections: {message}")
    assert not Article.objects.exists()


def test_a_canonical_url_must_be_a_web_address(tmp_path):
    path = article_file(tmp_path, "a.md", {"title": "T", "canonical": "javascript:alert(1)"})
    assert only(run(path), Result.FAILED).error_lines() == [
        f"{path}: canonical: 'javascript:alert(1)' is not an http or https URL"
    ]


def test_export_and_import_keep_update_time_canonical_and_corrections(tmp_path, client):
    article = ArticleFactory(
        published_at=datetime(2025, 3, 1, 8, 0, tzinfo=UTC), canonical_url=ORIGINAL
    )
    article.body += " Corrected."
    article.save_change(ChangeKind.CORRECTION, note="The ferry leaves at six, not seven.")
    article.refresh_from_db()
    before = (
        article.updated_publicly_at,
        article.canonical_url,
        corrections_on(page(client, article)),
    )
    assert before[0] is not None and len(before[2]) == 1

    export_articles(tmp_path / "out")
    front = yaml.safe_load((tmp_path / "out" / f"{article.slug}.md").read_text().split("---\n")[1])
    assert front["canonical_url"] == ORIGINAL
    assert front["page_updated"] == article.updated_publicly_at.isoformat()
    assert front["corrections"] == [
        {
            "text": "The ferry leaves at six, not seven.",
            "date": article.updated_publicly_at.isoformat(),
        }
    ]

    Article.objects.all().delete()
    only(run(tmp_path / "out" / f"{article.slug}.md"), Result.CREATED)
    again = Article.objects.get()
    after = (again.updated_publicly_at, again.canonical_url, corrections_on(page(client, again)))
    assert after == before
    assert canonical_of(page(client, again)) == ORIGINAL


def test_an_editor_sets_the_canonical_url_in_the_admin(client, editor):
    client.force_login(editor)
    data = article_form_data(status="published", canonical_url=ORIGINAL)
    assert client.post(reverse("admin:articles_article_add"), data).status_code == 302
    article = Article.objects.get()
    assert canonical_of(page(client, article)) == ORIGINAL

    url = reverse("admin:articles_article_change", args=[article.pk])
    forged = article_form_data(status="published", canonical_url="javascript:alert(1)")
    response = client.post(url, forged)
    assert response.status_code == 200
    assert "canonical_url" in response.context["adminform"].form.errors
    article.refresh_from_db()
    assert article.canonical_url == ORIGINAL

    # A live article's change is a draft until an Editor publishes it.
    client.post(url, article_form_data(status="published", canonical_url=""))
    article.refresh_from_db()
    assert article.canonical_url == ORIGINAL
    published = client.post(
        url,
        article_form_data(
            status="published",
            canonical_url="",
            change_kind="minor",
            loaded_pending=article.pending_change.version,
            _publish_change="Publish",
        ),
    )
    assert published.status_code == 302, published.context["adminform"].form.errors
    article.refresh_from_db()
    assert article.canonical_url == ""
    assert (
        canonical_of(page(client, article)) == "https://news.example" + article.get_absolute_url()
    )


def test_sitemaps_list_our_own_articles_not_syndicated_copies(client):
    ours = ArticleFactory(slug="ours")
    ArticleFactory(slug="syndicated", canonical_url=ORIGINAL)
    for url in ("/sitemap-articles.xml", "/news-sitemap.xml"):
        _root, urls = locations(client, url)
        assert urls == [absolute(ours)], url


def test_a_canonical_url_is_in_revisions_only_once_set_and_comes_back_on_restore():
    article = ArticleFactory()
    article.save()
    plain = article.revisions.latest("pk")
    assert "canonical_url" not in plain.snapshot  # as in revisions from before the field
    article.canonical_url = ORIGINAL
    article.save()
    syndicated = article.revisions.latest("pk")
    assert syndicated.pk != plain.pk and syndicated.snapshot["canonical_url"] == ORIGINAL
    assert article.restore(plain)
    article.refresh_from_db()
    assert article.canonical_url == ""
    assert article.restore(syndicated)
    article.refresh_from_db()
    assert article.canonical_url == ORIGINAL
