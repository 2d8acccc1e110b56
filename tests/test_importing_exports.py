"""WordPress (WXR) and Ghost exports: each post through the same engine as article files,
checked on its page; hostile and broken exports refused by name, nothing half-written."""

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.importing import Result, import_articles, items, json_stream, writing
from articles.models import Article, Author, Section
from tests.factories import image_bytes
from tests.test_importing import TRANSACTION_CONTROL, article_file, run
from tests.test_importing_hostile import (  # noqa: F401 - image_server is a fixture
    call,
    image_server,
    kill_import_once_committed,
)

pytestmark = pytest.mark.django_db

DATA = Path(settings.BASE_DIR) / "tests" / "data"
WXR = DATA / "wxr" / "site.xml"
GHOST = DATA / "ghost" / "site.json"
METRO = "/wp-content/uploads/2024/05/metro.jpg"
NIGHT_TRAIN = "/content/images/2024/05/night-train.jpg"


def page(client, slug):
    response = client.get(f"/articles/{slug}/")
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def texts(elements):
    return [" ".join(element.get_text().split()) for element in elements]


def images_under(tmp_path, *paths) -> Path:
    root = tmp_path / "images"
    for path in paths:
        (root / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (root / path.lstrip("/")).write_bytes(image_bytes(1600, 900))
    return root


def by_result(report):
    lines = {}
    for outcome in report.outcomes:
        lines.setdefault(outcome.result, []).append(outcome.item)
    return lines


def edited_copy(tmp_path, source: Path, *replacements) -> Path:
    text = source.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    copy = tmp_path / source.name
    copy.write_text(text, encoding="utf-8")
    return copy


# --- WordPress ------------------------------------------------------------------------


def test_a_wordpress_export_imports_its_posts_and_names_what_it_skips(tmp_path):
    report = run(WXR, images_root=images_under(tmp_path, METRO))
    assert by_result(report) == {
        Result.CREATED: [
            'post 10 "Kyiv\'s metro reopens after repairs"',
            "post 11 'The city budget, line by line'",
            "post 12 'Election night: how we will cover it'",
            "post 13 'Staff rota for June'",
        ],
        Result.SKIPPED: ["post 14 'About us'", "post 20 'metro'", "post 30 'Home'"],
    }
    assert sorted(outcome.skip_line() for outcome in report.skipped) == [
        f"{WXR}: post 14 'About us': not a post: a page",
        f"{WXR}: post 20 'metro': not a post: an attachment (a file of the media library)",
        f"{WXR}: post 30 'Home': not a post: a navigation menu item",
    ]
    assert report.summary() == (
        "1 file holding 7 items: created 4, updated 0, unchanged 0, conflicts 0, skipped 3, "
        # The comment, the private post, the unused category City, and post 10's body
        # image, not under --images-root.
        "failed 0, warnings 4."
    )


def test_a_published_wordpress_post_on_its_page(tmp_path, client):
    run(WXR, images_root=images_under(tmp_path, METRO))
    soup = page(client, "kyiv-metro-reopens")

    assert soup.h1.get_text() == "Kyiv's metro reopens after repairs"
    published = datetime.fromisoformat(soup.select_one(".article__meta time")["datetime"])
    assert published == datetime(2024, 5, 1, 7, 30, tzinfo=UTC)  # wp:post_date_gmt
    excerpt = soup.find("meta", attrs={"name": "description"})["content"]
    assert excerpt.startswith("Kyiv's metro reopened on Wednesday after three months")
    assert texts(soup.select(".tag-list a")) == ["Kyiv", "Transport"]
    # The featured image: _thumbnail_id → the attachment → its file under --images-root.
    figure = soup.select_one(".article__figure")
    assert figure.img["alt"] == "A metro train waiting at a platform"
    assert texts(figure.select(".caption")) == [
        "A train at Khreshchatyk station on Wednesday morning."
    ]
    # The body: block markup gone, clean Markdown rendered.
    body = soup.select_one(".article__body")
    assert "wp:" not in str(body) and "<!--" not in str(body)
    assert texts(body.find_all("h2")) == ["What changes"]
    assert texts(body.find_all("li")) == ["Trains every four minutes", "Night service at weekends"]
    assert body.strong.get_text() == "Kyiv"
    assert body.find("a", string="the city said")["href"] == "https://kyivcity.gov.ua/"
    image = body.find("img")
    assert image["alt"] == "The platform at Khreshchatyk"
    assert image["src"] == "https://old.example.com/wp-content/uploads/2024/05/platform.jpg"
    assert texts(body.find_all("em")) == ["A platform at rush hour."]
    assert texts(body.find_all("blockquote")) == ["We are back, and faster."]
    # The old permalink leads here.
    response = client.get("/2024/05/01/kyiv-metro-reopens/")
    assert response.status_code == 301
    assert response["Location"] == "/articles/kyiv-metro-reopens/"


def test_wordpress_authors_and_nested_categories_fill_their_fields(client):
    # The reader names authors as {name} and categories as paths from the top; the
    # engine makes them the article's bylines and its section (the first category).
    report = run(WXR)
    article = Article.objects.get(slug="kyiv-metro-reopens")
    assert article.extra_metadata == {}
    soup = page(client, "kyiv-metro-reopens")
    assert texts(soup.select(".article__byline")) == ["By Olena Shevchenko"]
    assert [a["href"] for a in soup.select(".article__byline a")] == ["/authors/olena-shevchenko/"]
    assert texts(soup.select("nav.breadcrumb li")) == ["Home", "World", "Europe"]
    assert Section.objects.get(slug="europe").parent == Section.objects.get(slug="world")
    assert (
        f'{WXR}: post 10 "Kyiv\'s metro reopens after repairs": section: the first category '
        "is the article's section; not used: 'City'"
    ) in report.warning_lines()
    budget = Article.objects.get(headline="The city budget, line by line")
    assert [byline.author.name for byline in budget.bylines.all()] == ["Ivan Petrenko"]


def test_wordpress_drafts_scheduled_and_private_posts(client):
    report = run(WXR)
    draft = Article.objects.get(headline="The city budget, line by line")
    assert draft.status == Article.Status.DRAFT
    assert draft.published_at is None  # a draft's wp:post_date is when it was saved
    assert draft.slug == "the-city-budget-line-by-line"  # WordPress gave it no post_name
    # The classic editor's blank lines are paragraphs, its line breaks <br>.
    assert draft.body_html.count("<p>") == 2 and "<br" in draft.body_html
    assert "<em>every</em>" in draft.body_html

    scheduled = Article.objects.get(slug="election-night")
    assert scheduled.is_scheduled
    assert scheduled.published_at == datetime(2031, 1, 1, 18, 0, tzinfo=UTC)

    private = Article.objects.get(slug="staff-rota-june")
    assert private.status == Article.Status.DRAFT
    assert (
        f"{WXR}: post 13 'Staff rota for June': wp:status: private in WordPress: "
        + ("imported as a draft")
        in report.warning_lines()
    )
    for slug in ("the-city-budget-line-by-line", "election-night", "staff-rota-june"):
        assert client.get(f"/articles/{slug}/").status_code == 404


def test_a_wordpress_time_without_gmt_is_read_in_the_time_zone_given(tmp_path):
    copy = edited_copy(
        tmp_path,
        WXR,
        ("[2024-05-01 07:30:00]", "[0000-00-00 00:00:00]"),
    )
    run(copy, time_zone="America/New_York")
    article = Article.objects.get(slug="kyiv-metro-reopens")
    assert article.published_at == datetime(2024, 5, 1, 10, 30, tzinfo=ZoneInfo("America/New_York"))


def test_a_wordpress_rerun_changes_nothing(tmp_path):
    images = images_under(tmp_path, METRO)
    run(WXR, images_root=images)
    before = list(Article.objects.values_list("pk", "slug", "updated_at", "status"))
    again = run(WXR, images_root=images)
    assert again.count(Result.UNCHANGED) == 4 and again.count(Result.SKIPPED) == 3
    assert again.warning_lines() == []
    assert list(Article.objects.values_list("pk", "slug", "updated_at", "status")) == before


def test_a_dry_run_of_a_wordpress_export_writes_nothing():
    report = run(WXR, dry_run=True)
    assert report.count(Result.CREATED) == 4
    assert report.summary().startswith("Dry run, nothing was written. 1 file holding 7 items")
    assert not Article.objects.exists()


def test_fetch_images_downloads_the_featured_image(tmp_path, image_server):  # noqa: F811
    image_server.routes[METRO] = (200, image_bytes(1300, 800))
    copy = edited_copy(tmp_path, WXR, ("https://old.example.com", image_server.url))
    run(copy, **image_server.fetch)
    figure = Article.objects.get(slug="kyiv-metro-reopens").lead_figure
    assert figure.image and figure.width == 1300
    assert figure.original_url == image_server.url + METRO


def test_a_wordpress_post_that_cannot_be_read_fails_alone_naming_file_and_post(tmp_path):
    copy = edited_copy(tmp_path, WXR, ("[2024-05-01 07:30:00]", "[2024-13-45 07:30:00]"))
    report = run(copy)
    [failed] = report.failed
    assert failed.error_lines() == [
        f'{copy}: post 10 "Kyiv\'s metro reopens after repairs": wp:post_date_gmt: '
        "'2024-13-45 07:30:00' is not a date (YYYY-MM-DD HH:MM:SS)"
    ]
    assert report.count(Result.CREATED) == 3
    assert not Article.objects.filter(slug="kyiv-metro-reopens").exists()


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><title>&lol9;</title>
<wp:post_type>post</wp:post_type><wp:status>publish</wp:status></item></channel></rss>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><title>&secret;</title>
<wp:post_type>post</wp:post_type><wp:status>publish</wp:status></item></channel></rss>
"""


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            BILLION_LAUGHS,
            "file: declares the entity 'lol'; refused: entities can expand a few lines to "
            "gigabytes (the 'billion laughs' attack), and WordPress never writes them",
        ),
        (
            EXTERNAL_ENTITY,
            "file: declares the external entity 'secret' (file:///etc/passwd); refused: it "
            "would read a file or address outside the export",
        ),
    ],
)
def test_entity_bombs_and_external_entities_are_refused_by_name(tmp_path, text, reason):
    path = tmp_path / "export.xml"
    path.write_text(text, encoding="utf-8")
    report = run(path)
    [failed] = report.failed
    assert failed.error_lines() == [f"{path}: {reason}"]
    assert not Article.objects.exists()


def test_malformed_xml_is_refused_with_its_line_and_nothing_is_half_written(tmp_path):
    # The break comes after the first post: the file is read through before any is written.
    copy = edited_copy(
        tmp_path, WXR, ("<title><![CDATA[About us]]></title>", "<title>About</titel>")
    )
    line = next(
        number for number, text in enumerate(copy.read_text().splitlines(), 1) if "</titel>" in text
    )
    [failed] = run(copy).failed
    assert failed.item == ""
    [message] = failed.error_lines()
    assert message.startswith(f"{copy}: file: not well-formed XML: mismatched tag (line {line},")
    assert not Article.objects.exists()


def test_xml_files_that_are_not_wordpress_exports_are_skipped_by_name(tmp_path):
    sitemap = tmp_path / "sitemap.xml"
    sitemap.write_text('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>')
    feed = tmp_path / "feed.xml"
    feed.write_text('<rss version="2.0"><channel><title>x</title></channel></rss>')
    report = run(tmp_path)
    assert sorted(outcome.skip_line() for outcome in report.skipped) == [
        f"{feed}: an RSS feed, not a WordPress export (WXR): no wp: namespace",
        f"{sitemap}: an XML file, but not a WordPress export (WXR): its root element is <urlset>",
    ]
    assert report.failed == []


# --- Ghost ----------------------------------------------------------------------------


def ghost_copy(tmp_path, change) -> Path:
    document = json.loads(GHOST.read_text(encoding="utf-8"))
    change(document["db"][0]["data"])
    path = tmp_path / "ghost.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_ghost_post_on_its_page(tmp_path, client):
    report = run(GHOST, images_root=images_under(tmp_path, NIGHT_TRAIN))
    assert by_result(report) == {
        Result.CREATED: [
            "post 6650a1b2c3d4e5f601000001 'Night trains return to Lviv'",
            "post 6650a1b2c3d4e5f601000002 'Draft: station names'",
        ],
        Result.SKIPPED: ["post 6650a1b2c3d4e5f601000003 'About this site'"],
    }
    soup = page(client, "night-trains-lviv")

    assert soup.h1.get_text() == "Night trains return to Lviv"
    # meta_title
    assert (
        soup.title.get_text() == f"Night trains return to Lviv | Rail Daily – {settings.SITE_NAME}"
    )
    description = soup.find("meta", attrs={"name": "description"})["content"]
    assert description.startswith("The overnight train between Kyiv and Lviv runs again")
    og = {tag["property"]: tag["content"] for tag in soup.find_all("meta", property=True)}
    assert og["og:title"] == "Night trains are back between Kyiv and Lviv"
    assert og["og:description"] == "The sleeper service returns on Friday."
    # The custom excerpt, which Ghost's themes show under the title.
    assert texts(soup.select(".article__lede")) == [
        "Ukrzaliznytsia brings back the overnight service between the capital and Lviv."
    ]
    published = datetime.fromisoformat(soup.select_one(".article__meta time")["datetime"])
    assert published == datetime(2024, 5, 21, 6, 15, tzinfo=UTC)
    # Tags in Ghost's order; the internal #featured-home is not one.
    assert texts(soup.select(".tag-list a")) == ["Railways", "Lviv"]
    figure = soup.select_one(".article__figure")
    assert figure.img["alt"] == "A night train at Lviv station"
    assert texts(figure.select(".caption")) == ["Photo: Rail Archive"]
    body = soup.select_one(".article__body")
    assert texts(body.find_all("h2")) == ["Tickets"]
    # __GHOST_URL__ is the old site: without --site-url, links become paths on this one.
    assert body.find("a", string="See the timetable")["href"] == "/rail-timetable/"
    assert body.img["src"] == "/content/images/2024/05/carriage.jpg"
    assert "Prices may change." in body.get_text()
    assert "<div" not in Article.objects.get(slug="night-trains-lviv").body

    [internal] = [line for line in report.warning_lines() if "internal tags" in line]
    assert internal == (
        f"{GHOST}: post 6650a1b2c3d4e5f601000001 'Night trains return to Lviv': tags: internal "
        "tags not imported (Ghost uses them for themes and routing): #featured-home"
    )


def test_ghost_authors_primary_tag_and_old_path_fill_their_fields(client):
    run(GHOST)
    article = Article.objects.get(slug="night-trains-lviv")
    # Ghost's canonical_url, set for a post first published elsewhere: the page's
    # canonical link names it; what is shared (og:url) stays this page.
    assert article.canonical_url == "https://rail.example.org/night-trains"
    assert article.extra_metadata == {}
    soup = page(client, "night-trains-lviv")
    assert soup.find("link", rel="canonical")["href"] == "https://rail.example.org/night-trains"
    og_url = soup.find("meta", property="og:url")["content"]
    assert og_url.startswith("http") and og_url.endswith(article.get_absolute_url())
    # posts_authors' sort_order, not their order in the file
    assert texts(soup.select(".article__byline")) == ["By Mariia Koval and Taras Bondar"]
    assert Author.objects.get(slug="mariia-koval").links == ["https://mariia.example.org"]
    # The primary tag (the first by sort_order) is the section.
    assert texts(soup.select("nav.breadcrumb li")) == ["Home", "Railways"]
    response = client.get("/night-trains-lviv/")
    assert (response.status_code, response["Location"]) == (301, "/articles/night-trains-lviv/")
    draft = Article.objects.get(slug="station-names")
    assert draft.status == Article.Status.DRAFT and draft.published_at is None


def test_a_ghost_rerun_changes_nothing():
    run(GHOST)
    before = list(Article.objects.values_list("pk", "slug", "updated_at"))
    again = run(GHOST)
    assert again.count(Result.UNCHANGED) == 2 and again.count(Result.SKIPPED) == 1
    assert list(Article.objects.values_list("pk", "slug", "updated_at")) == before


def test_ghost_site_url_lets_featured_images_download(tmp_path, image_server):  # noqa: F811
    image_server.routes[NIGHT_TRAIN] = (200, image_bytes(1400, 900))
    run(GHOST, site_url=image_server.url, **image_server.fetch)
    article = Article.objects.get(slug="night-trains-lviv")
    assert article.lead_figure.image and article.lead_figure.width == 1400
    assert f"]({image_server.url}/rail-timetable/)" in article.body


def test_ghost_scheduled_and_members_only_posts(tmp_path):
    def change(data):
        data["posts"][0].update(status="scheduled", published_at="2031-03-01T09:00:00.000Z")
        data["posts"][1].update(status="published", published_at="2024-05-22T08:00:00.000Z")
        data["posts"][1]["visibility"] = "paid"

    report = run(ghost_copy(tmp_path, change))
    scheduled = Article.objects.get(slug="night-trains-lviv")
    assert scheduled.is_scheduled
    assert scheduled.published_at == datetime(2031, 3, 1, 9, 0, tzinfo=UTC)
    assert Article.objects.get(slug="station-names").status == Article.Status.DRAFT
    assert any(
        "for paid readers only in Ghost: imported as a draft" in line
        for line in (report.warning_lines())
    )


def test_a_ghost_post_without_html(tmp_path):
    def change(data):
        data["posts"][0]["html"] = None  # its lexical holds nothing, its plain text does
        data["posts"][1].update(html=None, plaintext=None, lexical='{"root": 5}')

    path = ghost_copy(tmp_path, change)
    report = run(path)
    # Only the plain text could be had: imported, and said.
    assert Article.objects.get(slug="night-trains-lviv").body == (
        "The overnight train from Kyiv to Lviv runs again from Friday."
    )
    assert (
        f"{path}: post 6650a1b2c3d4e5f601000001 'Night trains return to Lviv': lexical: holds "
        "no text, but the post's plain text does: imported that"
    ) in report.warning_lines()
    [failed] = report.failed
    assert failed.error_lines() == [
        f"{path}: post 6650a1b2c3d4e5f601000002 'Draft: station names': lexical: cannot be "
        'read: expected an object with a "root" node, as Ghost writes'
    ]


def test_wrong_types_in_a_ghost_post_fail_that_post_by_name(tmp_path):
    def change(data):
        data["posts"][0]["published_at"] = 1716272100
        data["posts"][1]["title"] = ["not", "text"]

    path = ghost_copy(tmp_path, change)
    report = run(path)
    assert sorted(line for outcome in report.failed for line in outcome.error_lines()) == [
        f"{path}: post 6650a1b2c3d4e5f601000001 'Night trains return to Lviv': published_at: "
        "expected text, got a number",
        f"{path}: post 6650a1b2c3d4e5f601000002: title: expected text, got a list",
    ]
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"db": {"data": {}}}', "db: expected a list holding an object, as Ghost writes"),
        ('{"db": [{"data": []}]}', "db[0].data: expected an object, got a list"),
        ('{"db": [{"data": {"posts": {}}}]}', "db[0].data.posts: expected a list, got a mapping"),
        (
            '{"db": [{"data": {"posts": [], "posts_tags": [1]}}]}',
            "db[0].data.posts_tags[0]: expected an object, got a number",
        ),
        (
            '{"db": [{"data":\n {"posts": [}]}',
            "file: not valid JSON: Expecting value (line 2, column 13)",
        ),
        ('{"db": "\xff"}'.encode("latin-1"), "file: not UTF-8 text (at byte 8)"),
    ],
)
def test_a_broken_ghost_export_is_refused_by_name(tmp_path, text, message):
    path = tmp_path / "ghost.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    [failed] = run(path).failed
    assert failed.error_lines() == [f"{path}: {message}"]


def test_a_ghost_export_of_50_mb_with_a_value_over_the_limit_is_refused_by_name(tmp_path):
    # Read as a stream, a file of any size is fine; one value over --max-json-value is not.
    path = tmp_path / "huge.json"
    start = '{"db":[{"data":{"posts":[{"id":"1","title":"Fine","html":"<p>Fine.</p>"},'
    start += '{"id":"2","title":"Huge","html":"'
    with path.open("w", encoding="utf-8") as file:
        file.write(start)
        for _ in range(50):
            file.write("x" * 1_000_000)
        file.write('"}]}}]}')
    [failed] = run(path).failed
    assert failed.error_lines() == [
        f"{path}: file: a single value of over 16,777,216 characters (line 1, column "
        f"{len(start)}); refused (see --max-json-value)"
    ]
    assert not Article.objects.exists()  # not even the post before it


def test_a_ghost_export_is_read_a_window_at_a_time(tmp_path, monkeypatch):
    # Windows far smaller than a post: values cut at any point are read whole all the same.
    monkeypatch.setattr(json_stream, "CHUNK", 7)
    report = run(GHOST)
    assert report.count(Result.CREATED) == 2 and report.count(Result.SKIPPED) == 1
    article = Article.objects.get(slug="night-trains-lviv")
    [first, _] = article.bylines.select_related("author")
    assert (first.author.name, first.author.links) == (
        "Mariia Koval",
        ["https://mariia.example.org"],
    )
    assert article.body.startswith("The overnight train from Kyiv to **Lviv**")


def test_json_files_that_are_not_ghost_exports_are_skipped_by_name(tmp_path):
    (tmp_path / "package.json").write_text('{"name": "theme", "version": "1.0.0"}')
    report = run(tmp_path)
    assert [outcome.skip_line() for outcome in report.skipped] == [
        f"{tmp_path / 'package.json'}: a JSON file, but not a Ghost export: it does not "
        'start {"db":'
    ]


# --- The command ----------------------------------------------------------------------


def test_the_command_imports_both_exports_and_names_failed_posts_on_stderr(tmp_path):
    broken = edited_copy(tmp_path, WXR, ("[2024-05-01 07:30:00]", "[2024-13-45 07:30:00]"))
    code, out, err = call(broken, GHOST)
    assert code == 1
    assert err.splitlines() == [
        f'{broken}: post 10 "Kyiv\'s metro reopens after repairs": wp:post_date_gmt: '
        "'2024-13-45 07:30:00' is not a date (YYYY-MM-DD HH:MM:SS)",
        "1 post or file could not be imported.",
    ]
    assert f"  {GHOST}: post 6650a1b2c3d4e5f601000003 'About this site': not a post: a page" in (
        out.splitlines()
    )
    assert out.splitlines()[-1] == (
        "2 files holding 10 items: created 5, updated 0, unchanged 0, conflicts 0, skipped 4, "
        "failed 1, warnings 4."
    )
    code, out, err = call(GHOST, "--site-url", "ftp://old.example")
    assert code == 2 and "--site-url 'ftp://old.example' is not an http or https address" in err


def test_classic_editor_shortcodes_caption_becomes_an_image_and_others_are_named(tmp_path):
    copy = edited_copy(
        tmp_path,
        WXR,
        (
            "Here is what we know so far.",
            'Here is what we know so far.\n\n[gallery ids="1,2"]\n\n[caption id="attachment_5" '
            'width="300"]<img src="https://old.example.com/chart.png" alt="Budget chart" /> '
            "The chart[/caption]",
        ),
    )
    report = run(copy)
    draft = Article.objects.get(headline="The city budget, line by line")
    body = BeautifulSoup(draft.body_html, "html.parser")
    assert body.img["alt"] == "Budget chart"
    assert texts(body.find_all("em")) == ["every", "The chart"]
    assert "[caption" not in draft.body
    assert (
        f"{copy}: post 11 'The city budget, line by line': content:encoded: WordPress "
        "shortcodes left as text: [gallery]"
    ) in report.warning_lines()


def wordpress_export_of(path: Path, count: int):
    items = "".join(
        f"<item><title>Story {n}</title><link>https://old.example/{n}/</link>"
        f"<content:encoded><![CDATA[<p>Text {n}.</p>]]></content:encoded>"
        f"<wp:post_id>{n}</wp:post_id><wp:post_date_gmt>2024-01-01 10:00:00</wp:post_date_gmt>"
        '<wp:status>publish</wp:status><wp:post_type>post</wp:post_type><category domain="post_tag"'
        ' nicename="a">a</category><category domain="post_tag" nicename="b">b</category></item>\n'
        for n in range(count)
    )
    path.write_text(
        '<?xml version="1.0"?>\n<rss xmlns:wp="http://wordpress.org/export/1.2/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>\n'
        f"{items}</channel></rss>\n",
        encoding="utf-8",
    )


def ghost_export_of(path: Path, count: int):
    """A Ghost 5 export of `count` posts, each with two tags (the first its section)."""
    posts = [
        {
            "id": f"{n:024x}",
            "title": f"Story {n}",
            "slug": f"story-{n}",
            "html": f"<p>Text {n}.</p>",
            "type": "post",
            "status": "published",
            "visibility": "public",
            "published_at": "2024-01-01T10:00:00.000Z",
        }
        for n in range(count)
    ]
    tags = [{"id": tag, "name": tag, "slug": tag, "visibility": "public"} for tag in "ab"]
    posts_tags = [
        {"id": f"{n}-{tag}", "post_id": f"{n:024x}", "tag_id": tag, "sort_order": order}
        for n in range(count)
        for order, tag in enumerate("ab")
    ]
    data = {"posts": posts, "tags": tags, "posts_tags": posts_tags, "users": []}
    path.write_text(
        json.dumps({"db": [{"meta": {"version": "5.82.2"}, "data": data}]}), encoding="utf-8"
    )


@pytest.mark.parametrize(
    ("name", "export_of"), [("site.xml", wordpress_export_of), ("site.json", ghost_export_of)]
)
def test_an_export_import_killed_mid_way_leaves_whole_articles_and_a_rerun_completes(
    tmp_path, name, export_of
):
    database = tmp_path / "killed.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }

    def count(sql):
        with closing(sqlite3.connect(database, timeout=30)) as db:
            return db.execute(sql).fetchone()[0]

    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=settings.BASE_DIR, env=env, check=True)
    total = 4000
    export = tmp_path / name
    export_of(export, total)

    kill_import_once_committed([str(export)], env=env, count=count, articles=200)

    written = count("SELECT COUNT(*) FROM articles_article")
    assert 0 < written < total, "kill the run mid-way"
    assert count("SELECT COUNT(*) FROM articles_taggedarticle") == 2 * written
    assert count("SELECT COUNT(*) FROM django_redirect") == written

    again = subprocess.run(
        [*manage, "import_articles", str(export)],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert f"created {total - written}, updated 0, unchanged {written}," in again.stdout
    assert count("SELECT COUNT(*) FROM articles_article") == total


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_older_wxr_versions_are_read_alike(tmp_path, version):
    copy = edited_copy(
        tmp_path, WXR, ("wordpress.org/export/1.2/", f"wordpress.org/export/{version}/")
    )
    report = run(copy)
    assert report.count(Result.CREATED) == 4 and report.count(Result.SKIPPED) == 3
    article = Article.objects.get(slug="kyiv-metro-reopens")
    assert article.description.startswith("Kyiv's metro reopened")  # excerpt:encoded
    assert article.lead_figure.alt_text == "A metro train waiting at a platform"


def test_posts_are_reported_batch_by_batch_out_of_a_total_known_first(tmp_path, monkeypatch):
    # The command's progress bar: the export was read through once, so its items are counted.
    monkeypatch.setattr(writing, "BATCH_FILES", 3)
    calls = []

    def on_file(outcome, done, total):
        calls.append((outcome.item.split(" ")[1], done, total, Article.objects.count()))

    import_articles([WXR, GHOST], time_zone="UTC", on_file=on_file)
    assert calls == [
        ("10", 1, 10, 3),
        ("11", 2, 10, 3),
        ("12", 3, 10, 3),
        ("13", 4, 10, 4),
        ("14", 5, 10, 4),
        ("20", 6, 10, 4),
        ("30", 7, 10, 6),  # a batch goes on into the next file
        ("6650a1b2c3d4e5f601000001", 8, 10, 6),
        ("6650a1b2c3d4e5f601000002", 9, 10, 6),
        ("6650a1b2c3d4e5f601000003", 10, 10, 6),
    ]


def test_a_rerun_of_unchanged_exports_reads_the_table_once_in_all():
    run(WXR, GHOST)
    with CaptureQueriesContext(connection) as queries:
        report = run(WXR, GHOST)
    assert report.count(Result.UNCHANGED) == 6
    statements = [q["sql"] for q in queries.captured_queries]
    assert len([sql for sql in statements if not TRANSACTION_CONTROL.match(sql)]) == 1


def test_a_rerun_does_not_convert_the_html_of_posts_that_have_not_changed(tmp_path, monkeypatch):
    run(WXR)
    changed = edited_copy(tmp_path, WXR, ("Our newsroom will stay open", "We will stay open"))
    converted = []
    convert = items.html_to_markdown
    monkeypatch.setattr(
        items, "html_to_markdown", lambda html: converted.append(html) or convert(html)
    )
    report = run(changed)
    assert report.count(Result.UNCHANGED) == 3 and report.count(Result.UPDATED) == 1
    assert len(converted) == 1 and "We will stay open" in converted[0]
    assert "We will stay open" in Article.objects.get(slug="election-night").body


def test_markup_in_a_post_is_converted_or_dropped_never_run(tmp_path, client):
    def change(data):
        data["posts"][0]["html"] = (
            "<p>Before.</p><script>alert('body')</script><style>p{color:red}</style>"
            "<p>Write &lt;script&gt;alert(1)&lt;/script&gt; to test &amp; see.</p>"
            '<iframe src="https://www.youtube.com/embed/abc" title="The night train"></iframe>'
            '<p><a href="javascript:alert(2)">a link</a> '
            '<img src="x" onerror="alert(3)" alt="x"></p>'
            "<form><input value='Sign up'></form><p>After.</p>"
        )
        data["posts_meta"][0]["feature_image_caption"] = "Trains &amp; <b>stations</b>"
        data["posts"][1]["status"] = "sent"

    report = run(ghost_copy(tmp_path, change), images_root=images_under(tmp_path, NIGHT_TRAIN))
    soup = page(client, "night-trains-lviv")
    body = soup.select_one(".article__body")
    assert texts(body.find_all("p"))[0] == "Before."
    assert "Write <script>alert(1)</script> to test & see." in texts(body.find_all("p"))
    assert body.find("script") is None and body.find("style") is None
    assert "color:red" not in body.get_text() and "alert('body')" not in body.get_text()
    assert body.find("a", string="The night train")["href"] == "https://www.youtube.com/embed/abc"
    assert "a link" in body.get_text()
    assert not [a for a in body.find_all("a") if "javascript" in a.get("href", "")]
    assert not any(tag.has_attr("onerror") for tag in body.find_all(True))
    assert body.find("form") is None and body.find("input") is None
    assert texts(soup.select(".article__figure .caption")) == ["Trains & stations"]
    assert Article.objects.get(slug="station-names").status == Article.Status.DRAFT
    assert any(
        "sent by email only in Ghost: imported as a draft" in line
        for line in (report.warning_lines())
    )


def test_a_ghost_time_that_is_not_iso_8601_fails_that_post(tmp_path):
    path = ghost_copy(tmp_path, lambda data: data["posts"][0].update(published_at="yesterday"))
    report = run(path)
    assert [line for outcome in report.failed for line in outcome.error_lines()] == [
        f"{path}: post 6650a1b2c3d4e5f601000001 'Night trains return to Lviv': published_at: "
        "'yesterday' is not an ISO 8601 time"
    ]
    assert report.count(Result.CREATED) == 1


def test_an_unchanged_item_still_counts_as_its_article_for_the_rest_of_the_run(tmp_path):
    # Recognised by its checksum alone, it is still the article a later duplicate names.
    url = "https://old.example/news/story"
    first = article_file(tmp_path, "a.md", {"title": "One", "blog_url": url})
    run(first)
    second = article_file(tmp_path, "b.md", {"title": "Two", "blog_url": url})
    report = run(first, second)
    assert [o.result for o in report.outcomes] == [Result.UNCHANGED, Result.FAILED]
    assert report.outcomes[1].error_lines() == [
        f"{second}: file: the same article as {first} ({url}); skipped"
    ]
    assert Article.objects.get().title == "One"
