"""Static-site generators' files (Jekyll, Hugo, Zola, Eleventy, Astro), from the fixtures in
tests/data/static_sites: YAML, TOML and JSON front matter, HTML bodies, and each field
checked on the article's page, old addresses by their 301s."""

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from bs4 import BeautifulSoup
from django.conf import settings
from django.contrib.redirects.models import Redirect

from articles.importing import Result, export_articles
from articles.models import Article, Figure, Tag
from tests.factories import image_bytes
from tests.test_importing import article_file, only, run
from tests.test_importing_hostile import call

pytestmark = pytest.mark.django_db

SITES = Path(settings.BASE_DIR) / "tests" / "data" / "static_sites"
KYIV = ZoneInfo("Europe/Kyiv")
JEKYLL = SITES / "jekyll" / "_posts"
HUGO = SITES / "hugo" / "content" / "posts"
# Where the fixtures' relative image paths lead, under --images-root.
IMAGES = (
    "assets/img/floods.jpg",
    "images/bridge.jpg",
    "images/lighthouse.jpg",
    "img/market.jpg",
    "blog-placeholder-1.jpg",
)


@pytest.fixture
def images_root(tmp_path):
    root = tmp_path / "images_root"
    for relative in IMAGES:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(image_bytes(640, 360))
    return root


@pytest.fixture
def report(images_root):
    return run(SITES, images_root=images_root)


def outcome_of(report, name):
    (outcome,) = [o for o in report.outcomes if o.path.name == name]
    return outcome


def page(client, slug):
    response = client.get(f"/articles/{slug}/")
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def meta_content(soup, name):
    return soup.find("meta", attrs={"name": name})["content"]


def tags_on(soup):
    return [link.get_text(strip=True) for link in soup.select(".article__header a[href*='/tags/']")]


def test_every_fixture_is_read_and_nothing_fails(report):
    assert report.failed == [], [o.error_lines() for o in report.outcomes]
    assert report.count(Result.CREATED) == 8 and report.skipped == []


def test_a_jekyll_post_takes_date_and_slug_from_its_file_name(report, client):
    outcome = outcome_of(report, "2024-05-01-floods-reach-the-old-town.markdown")
    article = Article.objects.get(slug="floods-reach-the-old-town")
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == datetime(2024, 5, 1, tzinfo=KYIV)

    soup = page(client, "floods-reach-the-old-town")
    assert soup.h1.get_text(strip=True) == "Floods reach the old town"
    # The site's time zone is UTC in the tests; the import's was Kyiv.
    assert soup.select_one(".article__meta time")["datetime"] == "2024-04-30T21:00:00+00:00"
    assert meta_content(soup, "description") == (
        "Water rose two metres overnight and the market square is closed."
    )
    assert tags_on(soup) == ["floods", "weather"]
    image = soup.select_one("figure.article__figure img")
    assert image["alt"] == "The market square under water"
    body = soup.select_one(".article__body")
    assert body.strong.get_text() == "dawn"
    assert body.find("a", href="https://town.example/hall").get_text() == "town hall"
    assert [li.get_text() for li in body.select("ul li")] == [
        "Schools are closed.",
        "Trains run to the north only.",
    ]
    # Its old addresses (redirect_from) answer with 301s.
    for old in ("/news/2024/floods.html", "/floods/", "/floods"):
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, article.get_absolute_url())
    # The problems, not the lines: a checkout's path may hold "image" (this one's did).
    said = [f"{problem.field}: {problem.message}" for problem in outcome.warnings]
    assert not any("redirect_from" in line or "image" in line for line in said)


def test_an_html_post_is_converted_to_markdown_and_what_it_cannot_hold_is_named(report, client):
    outcome = outcome_of(report, "2024-06-02-night-trains-return.html")
    article = Article.objects.get(slug="night-trains-return")
    assert article.status == Article.Status.PUBLISHED  # published: true, with its date
    assert article.published_at == datetime(2024, 6, 2, 19, 30, tzinfo=UTC)
    assert article.body.startswith("## A sleeper again\n\nThe *Coast Night* leaves at 22:10")

    body = page(client, "night-trains-return").select_one(".article__body")
    assert body.h2.get_text() == "A sleeper again"
    assert body.em.get_text() == "Coast Night"
    assert body.find("a", href="https://rail.example/coast").get_text() == "book here"
    assert [li.get_text() for li in body.select("ul li")] == ["Couchettes", "Sleepers"]
    assert body.blockquote.get_text(strip=True) == "We waited ten years for this."
    assert not body.find(["iframe", "script"]) and "track(" not in body.get_text()
    assert body.find("a", href="https://video.example/embed/42").get_text() == "Embedded content"
    assert outcome.warning_lines() == [
        f"{outcome.path}: front matter: kept in extra metadata (no field for them): layout",
        f"{outcome.path}: body: HTML a Markdown body cannot hold was not kept: 1 <script>, "
        "1 comment",
        f"{outcome.path}: body: 1 <iframe> kept as a link to what it embedded: "
        "https://video.example/embed/42",
    ]


def test_a_hugo_post_in_toml_with_aliases_url_cover_and_lastmod(report, client):
    outcome = outcome_of(report, "river-bridge.md")
    article = Article.objects.get(slug="the-river-bridge-opens")  # the last segment of `url`
    assert article.status == Article.Status.PUBLISHED  # draft = false, with its date
    assert article.published_at == datetime(2024, 3, 10, 8, 15, tzinfo=UTC)  # +01:00 kept
    assert article.updated_publicly_at == datetime(2024, 3, 12, 17, 0, tzinfo=UTC)  # lastmod
    # The theme's canonicalURL is the page's own old address (its url): this page is the
    # canonical one now.
    assert article.canonical_url == ""
    assert article.extra_metadata == {"params": {"series": "Transport"}}
    assert outcome.warning_lines() == [
        f"{outcome.path}: front matter: kept in extra metadata (no field for them): params.series",
        f"{outcome.path}: canonical_url: https://hugo.example/posts/the-river-bridge-opens/ is "
        "this article's own old address: not kept, this site's page being the canonical one now",
    ]

    soup = page(client, "the-river-bridge-opens")
    assert soup.find("link", rel="canonical")["href"].endswith(article.get_absolute_url())
    updated = soup.select(".article__meta time")[-1]
    assert updated.parent.get_text().startswith("Updated")
    assert datetime.fromisoformat(updated["datetime"]) == article.updated_publicly_at
    assert soup.h1.get_text(strip=True) == "The river bridge opens"
    assert (
        meta_content(soup, "description") == "Four years late, the bridge carries its first cars."
    )
    assert tags_on(soup) == ["bridges", "transport"]
    figure = soup.select_one("figure.article__figure")
    assert figure.img["alt"] == "Cars on the new bridge"  # params.cover.alt
    assert figure.select_one(".caption").get_text() == "The first crossing."
    assert Figure.objects.get(articles=article).original_path == "images/bridge.jpg"
    # Its url, its aliases, and a relative alias read beside the page, as Hugo does.
    for old in (
        "/posts/the-river-bridge-opens/",
        "/2024/03/bridge-opens/",
        "/posts/old-bridge-news",
    ):
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, article.get_absolute_url())


def test_a_hugo_draft_stays_a_draft(report, client):
    article = Article.objects.get(slug="an-unfinished-story")
    assert article.status == Article.Status.DRAFT
    assert client.get(article.get_absolute_url()).status_code == 404


def test_an_image_without_alt_text_keeps_its_post_a_draft_and_says_why(report):
    outcome = outcome_of(report, "lighthouse.md")
    article = Article.objects.get(slug="the-lighthouse-keeper-retires")
    assert article.lead_figure.original_path == "images/lighthouse.jpg"  # params.image
    assert article.lead_figure.image  # found under --images-root
    assert article.status == Article.Status.DRAFT
    assert outcome.warning_lines() == [
        f"{outcome.path}: images: only the first image is the lead figure; not imported: "
        "'images/keeper.jpg'",
        f"{outcome.path}: status: imported as a draft: The lead figure needs alt text before "
        "publishing.",
    ]


def test_a_zola_post_with_extra_taxonomies_path_and_a_local_time(report, client):
    outcome = outcome_of(report, "harbour.md")
    article = Article.objects.get(slug="harbour-reopens")  # the last segment of `path`
    # A TOML time without an offset is read in the import's time zone (here Europe/Kyiv).
    assert article.published_at == datetime(2023, 11, 20, 8, 0, tzinfo=KYIV)
    assert article.description == "Boats are back after the winter storms."
    assert list(article.tags.names()) == ["harbour", "boats"]  # taxonomies.tags
    assert article.lead_figure.original_url == "https://cdn.example/harbour.jpg"  # extra.image
    assert article.updated_publicly_at == datetime(2023, 11, 21, tzinfo=KYIV)  # updated
    assert article.extra_metadata == {"extra": {"comments": True}}
    assert (
        f"{outcome.path}: front matter: kept in extra metadata (no field for them): extra.comments"
    ) in outcome.warning_lines()
    response = client.get("/2023/11/20/harbour-reopens/")
    assert (response.status_code, response["Location"]) == (301, article.get_absolute_url())


def test_an_eleventy_post_in_json_with_permalink_and_cover(report, client):
    article = Article.objects.get(slug="market-day-moves")
    assert article.published_at == datetime(2024, 2, 3, 7, 0, tzinfo=UTC)
    assert article.extra_metadata == {"eleventyNavigation": {"key": "market"}}
    soup = page(client, "market-day-moves")
    assert soup.h1.get_text(strip=True) == "Market day moves to Saturday"
    assert tags_on(soup) == ["market", "town"]
    figure = soup.select_one("figure.article__figure")
    assert figure.img["alt"] == "Stalls in the square"
    assert figure.select_one(".caption").get_text() == "The last Friday market."
    response = client.get("/news/market-day-moves/")  # index.html was served at its folder
    assert (response.status_code, response["Location"]) == (301, article.get_absolute_url())


def test_an_astro_post_with_pubdate_hero_image_and_canonical_url(report):
    outcome = outcome_of(report, "eclipse.md")
    article = Article.objects.get(slug="watching-the-eclipse")
    assert article.published_at == datetime(2024, 4, 8, tzinfo=KYIV)
    assert article.lead_figure.original_path == "/blog-placeholder-1.jpg"
    assert article.updated_publicly_at == datetime(2024, 4, 9, tzinfo=KYIV)  # updatedDate
    # canonicalURL names the post's own page (its file is eclipse.md): not kept.
    assert (article.canonical_url, article.extra_metadata) == ("", {})
    assert (
        f"{outcome.path}: canonical_url: https://astro.example/blog/eclipse/ is this "
        "article's own old address: not kept, this site's page being the canonical one now"
    ) in outcome.warning_lines()


def test_a_rerun_of_the_fixtures_changes_nothing(report, images_root):
    again = run(SITES, images_root=images_root)
    assert again.count(Result.UNCHANGED) == len(again.outcomes) == 8
    assert again.summary().startswith("8 files: created 0, updated 0, unchanged 8,")


def test_a_dry_run_of_the_fixtures_writes_nothing(images_root):
    report = run(SITES, images_root=images_root, dry_run=True)
    assert report.count(Result.CREATED) == 8 and report.failed == []
    for model in (Article, Figure, Tag, Redirect):
        assert not model.objects.exists()


def test_an_imported_toml_file_goes_out_as_yaml_and_comes_back_the_same(tmp_path, images_root):
    run(HUGO / "river-bridge.md", images_root=images_root)
    out = tmp_path / "out"
    export_articles(out)
    text = (out / "the-river-bridge-opens.md").read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["aliases"] == [
        "/2024/03/bridge-opens/",
        "/posts/old-bridge-news",
        "/posts/the-river-bridge-opens/",
    ]
    assert front["params"] == {"series": "Transport"}
    assert front["page_updated"] == "2024-03-12T17:00:00+00:00"
    before = Article.objects.get()
    Article.objects.all().delete()
    Redirect.objects.all().delete()
    again = run(out, images_root=out)
    assert again.count(Result.CREATED) == 1 and again.failed == []  # the image is skipped
    after = Article.objects.get()
    for name in (
        "title",
        "slug",
        "description",
        "published_at",
        "updated_publicly_at",
        "status",
        "body",
    ):
        assert getattr(after, name) == getattr(before, name), name
    assert after.extra_metadata == before.extra_metadata
    assert after.lead_figure.alt_text == "Cars on the new bridge" and after.lead_figure.image
    assert set(Redirect.objects.values_list("old_path", flat=True)) == set(front["aliases"])


# --- Keys, their precedence and their wrong types ----------------------------------------


def write(directory, name, text):
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_keys_of_a_nested_table_are_read_and_the_top_level_wins(tmp_path):
    path = write(
        tmp_path,
        "a.md",
        '+++\ntitle = "T"\ndate = 2024-01-01\n[params]\ndate = 2020-01-01\n'
        'description = "From params."\n+++\nBody.\n',
    )
    outcome = only(run(path), Result.CREATED)
    article = Article.objects.get()
    assert article.published_at == datetime(2024, 1, 1, tzinfo=KYIV)
    assert article.description == "From params."
    assert article.extra_metadata == {}
    assert outcome.warning_lines() == [f"{path}: params.date: not used: date is given and wins"]


def test_the_seed_formats_keys_win_over_the_generators(tmp_path):
    meta = {
        "title": "T",
        "page_date": "2024-05-01 09:00",
        "date": "2020-01-01",
        "slug": "chosen",
        "permalink": "/old/other-name/",
        "img_url_full": "https://old.example/a.jpg",
        "image": "https://cdn.example/b.jpg",
        "status": "draft",
    }
    path = article_file(tmp_path, "2019-01-01-file-name.md", meta)
    outcome = only(run(path), Result.CREATED)
    article = Article.objects.get()
    assert article.slug == "chosen"
    assert article.published_at == datetime(2024, 5, 1, 9, 0, tzinfo=KYIV)
    assert article.lead_figure.original_url == "https://old.example/a.jpg"
    assert article.status == Article.Status.DRAFT
    assert sorted(outcome.warning_lines()) == [
        f"{path}: date: not used: page_date is given and wins",
        f"{path}: image: not used: img_url_full is given and wins",
        f"{path}: page_image_src_rel: image file missing: give --images-root or "
        "--fetch-images to bring it over",
    ]
    # The permalink is still an old address of the article's.
    assert Redirect.objects.get().old_path == "/old/other-name/"


@pytest.mark.parametrize(
    ("front_matter", "field", "reason"),
    [
        ('+++\ntitle = "T"\ntags = 5\n+++\n', "tags", "expected a list or comma-separated text"),
        ('{"title": "T", "date": [1]}\n', "date", "expected a date, got a list"),
        ("---\ntitle: T\naliases: {}\n---\n", "aliases", "expected a path or a list of paths"),
        ('+++\ntitle = "T"\nredirect_from = [1]\n+++\n', "redirect_from", "found a number"),
        ('---json\n{"title": "T", "image": 5}\n---\n', "image", "expected a path, a URL"),
        ('+++\ntitle = "T"\n[params]\ndate = "soon"\n+++\n', "params.date", "is not a date"),
        ("---\ntitle: T\npermalink: 5\n---\n", "permalink", "expected a path, got a number"),
        ("---\ntitle: T\npublished: 'yes'\n---\n", "status", "published must be true or false"),
        ("---\ntitle: T\ndraft: true\npublished: true\n---\n", "status", "contradicts"),
        ("---\ntitle: T\nstatus: published\npublished: false\n---\n", "status", "contradicts"),
        ('+++\ntitle = "T"\ndate = 10:30:00\n+++\n', "date", "expected a date, got a time of day"),
        ("---\ntitle: T\nimage: javascript:alert(1)\n---\n", "image", "not an http or https URL"),
        ("---\ntitle: T\naliases: [javascript:x]\n---\n", "aliases", "neither a path nor"),
        ("---\ntitle: T\nurl: 'ftp://old.example/a'\n---\n", "url", "neither a path nor"),
    ],
)
def test_a_wrong_type_fails_the_file_naming_the_key(tmp_path, front_matter, field, reason):
    path = write(tmp_path, "a.md", front_matter + "\nBody.\n")
    outcome = only(run(path), Result.FAILED)
    assert len(outcome.errors) == 1, outcome.error_lines()
    assert outcome.errors[0].field == field
    assert reason in outcome.errors[0].message
    assert not Article.objects.exists() and not Redirect.objects.exists()


def test_the_command_names_a_malformed_toml_or_json_file_and_its_line_and_exits_1(tmp_path):
    write(tmp_path, "good.md", '+++\ntitle = "Fine"\ndate = 2024-01-01\n+++\nB.\n')
    toml = write(tmp_path, "bad.md", '+++\ntitle = "T"\ndate = 2024-13-01\n+++\nB.\n')
    json = write(tmp_path, "bad.html", '{\n  "title": "T",\n  "tags": [1,]\n}\n<p>B</p>\n')
    code, out, err = call(tmp_path)
    assert code == 1 and "Traceback" not in err
    assert err.splitlines() == [
        f"{json}: front matter: not valid JSON: Expecting value (line 3, column 14)",
        f"{toml}: front matter: not valid TOML: Expected newline or end of document after a "
        "statement (line 3, column 12)",
        "2 files could not be imported.",
    ]
    assert out.splitlines()[-1].startswith("3 files: created 1,")
    assert list(Article.objects.values_list("title", flat=True)) == ["Fine"]


def test_published_true_with_a_date_publishes_and_without_one_is_a_draft(tmp_path):
    dated = write(tmp_path, "a.md", "---\ntitle: A\npublished: true\ndate: 2024-01-01\n---\nB.\n")
    undated = write(tmp_path, "b.md", "---\ntitle: B\npublished: true\n---\nB.\n")
    hidden = write(tmp_path, "c.md", "---\ntitle: C\npublished: false\ndate: 2024-01-01\n---\nB.\n")
    run(dated, undated, hidden)
    assert dict(Article.objects.values_list("title", "status")) == {
        "A": "published",
        "B": "draft",
        "C": "draft",
    }


def test_a_permalink_pattern_without_a_date_to_fill_it_makes_no_redirect(tmp_path):
    path = write(tmp_path, "a.md", "---\ntitle: T\npermalink: /:year/:title/\n---\nB.\n")
    outcome = only(run(path), Result.CREATED)
    assert Article.objects.get().slug == "t" and not Redirect.objects.exists()
    assert (
        f"{path}: permalink: '/:year/:title/' is a pattern, and the file gives no date for "
        ":year: no redirect from it"
    ) in outcome.warning_lines()


def jekyll_post(tmp_path, name, front):
    folder = tmp_path / "site" / "_posts"
    folder.mkdir(parents=True, exist_ok=True)
    return write(folder, name, f"---\n{front}---\nThe text.\n")


def test_a_jekyll_permalink_pattern_is_filled_in_for_the_old_address(tmp_path, client):
    # The date from the file's name, :title from the rest of it, :categories lower-cased
    # from Jekyll's space-separated string, as Jekyll made the address.
    path = jekyll_post(
        tmp_path,
        "2024-05-01-Floods_reach-town.md",
        "title: Floods\ncategories: News World\n"
        "permalink: /:categories/:year/:month/:day/:title/\n",
    )
    outcome = only(run(path, time_zone="Europe/Kyiv"), Result.CREATED)
    article = Article.objects.get()
    old = "/news/world/2024/05/01/Floods_reach-town/"
    assert client.get(old)["Location"] == article.get_absolute_url()
    assert article.slug == "floods_reach-town"  # the old address's last segment
    assert article.section.name == "News"  # the first category; the other is named
    assert outcome.warning_lines() == [
        f"{path}: section: the first category is the article's section; not used: 'World'"
    ]


@pytest.mark.parametrize(
    ("front", "old"),
    [
        # :slug is the front matter's slug, made as Jekyll's default slugify does.
        (
            "date: 2024-01-05 23:30:00 +0000\nslug: Big Day!\n"
            "permalink: /:short_year/:i_month/:i_day/:slug:output_ext\n",
            "/24/1/6/big-day.html",  # the date in the import's zone, Kyiv: the 6th
        ),
        ("permalink: /blog/:year/:title\n", "/blog/2023/night-bus/"),
        ("category: Local\npermalink: /:categories/:title.html\n", "/local/night-bus.html"),
        ("permalink: /:categories/:title/\n", "/night-bus/"),  # no categories: no "//"
    ],
)
def test_jekyll_placeholders(tmp_path, client, front, old):
    path = jekyll_post(tmp_path, "2023-07-09-night-bus.md", f"title: Night bus\n{front}")
    only(run(path, time_zone="Europe/Kyiv"), Result.CREATED)
    assert Redirect.objects.get().old_path == old
    assert client.get(old)["Location"] == Article.objects.get().get_absolute_url()


def test_a_placeholder_that_cannot_be_filled_is_named_and_makes_no_redirect(tmp_path):
    path = jekyll_post(tmp_path, "2023-07-09-a.md", "title: A\npermalink: /:week/:title/\n")
    outcome = only(run(path), Result.CREATED)
    assert not Redirect.objects.exists()
    assert outcome.warning_lines() == [
        f"{path}: permalink: '/:week/:title/' is a pattern, and :week is not a placeholder "
        "this importer fills: no redirect from it"
    ]


def test_a_template_in_an_address_makes_no_redirect(tmp_path):
    path = write(tmp_path, "a.md", "---\ntitle: A\npermalink: /{{ page.fileSlug }}/\n---\nB.\n")
    outcome = only(run(path), Result.CREATED)
    assert not Redirect.objects.exists()
    assert (
        f"{path}: permalink: '/{{{{ page.fileSlug }}}}/' is a template, not an address: no "
        "redirect from it"
    ) in outcome.warning_lines()


def test_jekyll_tags_in_a_string_are_words_and_elsewhere_one_tag_or_commas(tmp_path):
    # Jekyll splits a string of tags at spaces; Hugo and Eleventy take it as one term, and
    # the old site's files separate tags with commas.
    jekyll = jekyll_post(tmp_path, "2023-07-09-a.md", "title: A\ntags: rail  night-trains\n")
    hugo = write(tmp_path, "b.md", '+++\ntitle = "B"\ntags = "night trains"\n+++\nB.\n')
    seed = write(tmp_path, "c.md", "---\ntitle: C\ntags: night trains, rail\n---\nC.\n")
    run(jekyll, hugo, seed)
    tags = {
        article.title: [tag.name for tag in article.tags.all()]
        for article in Article.objects.prefetch_related("tags")
    }
    assert tags == {
        "A": ["rail", "night-trains"],
        "B": ["night trains"],
        "C": ["night trains", "rail"],
    }


def test_an_html_file_without_front_matter_takes_its_title_from_the_page(tmp_path):
    path = write(
        tmp_path,
        "story.html",
        "<!DOCTYPE html><html><head><title>Old page title</title>"
        '<meta name="x" content="y"></head><body><p>Only text.</p></body></html>\n',
    )
    only(run(path), Result.CREATED)
    article = Article.objects.get()
    assert (article.title, article.body) == ("Old page title", "Only text.")


def test_a_dated_page_bundle_folder_dates_and_names_its_index(tmp_path):
    folder = tmp_path / "2024-07-09-summer-fair"
    folder.mkdir()
    write(folder, "index.md", '+++\ntitle = "Fair"\n+++\nBody.\n')
    only(run(folder / "index.md"), Result.CREATED)
    article = Article.objects.get()
    assert (article.slug, article.published_at) == (
        "summer-fair",
        datetime(2024, 7, 9, tzinfo=KYIV),
    )


def test_a_date_in_the_old_address_dates_a_post_that_gives_none(tmp_path):
    path = write(tmp_path, "a.md", '+++\ntitle = "T"\npath = "2022/03/04/spring"\n+++\nB.\n')
    only(run(path), Result.CREATED)
    article = Article.objects.get()
    assert (article.slug, article.published_at) == ("spring", datetime(2022, 3, 4, tzinfo=KYIV))


# --- Hostile HTML --------------------------------------------------------------------------


def test_html_nested_too_deeply_for_the_converter_is_refused_by_name(tmp_path):
    path = write(
        tmp_path, "a.html", "---\ntitle: T\n---\n" + "<div>" * 5000 + "x" + "</div>" * 5000
    )
    outcome = only(run(path), Result.FAILED)
    assert outcome.error_lines() == [
        f"{path}: body: the HTML is nested more than 100 elements deep"
    ]
    assert not Article.objects.exists()


def test_script_in_an_html_body_never_reaches_the_page(tmp_path, client):
    path = write(
        tmp_path,
        "a.html",
        "---\ntitle: T\ndate: 2024-01-01\n---\n"
        '<p onclick="steal()">Hi <a href="javascript:alert(1)">there</a>'
        '<img src="x.jpg" onerror="alert(2)" alt="X"></p>'
        '<object data="https://evil.example/x.swf"></object>',
    )
    outcome = only(run(path), Result.CREATED)
    body = page(client, Article.objects.get().slug).select_one(".article__body")
    assert body.get_text(" ", strip=True) == "Hi there"
    assert not body.select("[onclick], [onerror], object, [href^='javascript']")
    assert body.img["src"] == "x.jpg" and body.img["alt"] == "X"
    assert outcome.warning_lines() == [
        f"{path}: body: HTML a Markdown body cannot hold was not kept: 1 <object>, "
        "1 link address (javascript:; the text is kept), sources: https://evil.example/x.swf",
        f"{path}: body: 1 image(s) not brought over, left at their old address: x.jpg "
        "(give --images-root or --fetch-images)",
    ]


def test_an_alias_another_article_had_is_taken_over_with_a_warning(tmp_path, client):
    first = write(tmp_path, "a.md", "---\ntitle: A\ndate: 2024-01-01\naliases: /old/\n---\nB.\n")
    run(first)
    second = write(tmp_path, "b.md", "---\ntitle: B\ndate: 2024-01-02\naliases: /old/\n---\nB.\n")
    outcome = only(run(second), Result.CREATED)
    assert outcome.warning_lines() == [
        f"{second}: aliases: '/old/' led to '/articles/a/'; it now leads here"
    ]
    assert client.get("/old/")["Location"] == "/articles/b/"


def test_two_files_of_one_run_claiming_one_old_address_is_an_error_naming_both(tmp_path, client):
    # The order files are read in cannot say which article an old address should lead to.
    first = write(tmp_path, "a.md", "---\ntitle: A\ndate: 2024-01-01\naliases: /old/\n---\nA.\n")
    second = write(
        tmp_path,
        "b.md",
        "---\ntitle: B\ndate: 2024-01-02\naliases: [/old/, /b-old/]\n---\nB.\n",
    )
    third = write(
        tmp_path,
        "c.md",
        "---\ntitle: C\ndate: 2024-01-03\nblog_url: https://old.example/old/\n---\nC.\n",
    )
    report = run(first, second, third)
    assert [o.result for o in report.outcomes] == [Result.CREATED, Result.FAILED, Result.FAILED]
    assert [line for o in report.failed for line in o.error_lines()] == [
        f"{second}: aliases: '/old/' is an old address of {first} too; an old address leads "
        "to one article: remove it from one of the two; skipped",
        f"{third}: blog_url: '/old/' is an old address of {first} too; an old address leads "
        "to one article: remove it from one of the two; skipped",
    ]
    assert client.get("/old/")["Location"] == "/articles/a/"
    assert client.get("/b-old/").status_code == 404  # nothing of the failed file written
    assert list(Article.objects.values_list("slug", flat=True)) == ["a"]


def test_a_dry_run_reports_an_old_address_claimed_twice_too(tmp_path):
    first = write(tmp_path, "a.md", "---\ntitle: A\ndate: 2024-01-01\naliases: /old/\n---\nA.\n")
    second = write(tmp_path, "b.md", "---\ntitle: B\ndate: 2024-01-02\naliases: /old/\n---\nB.\n")
    report = run(first, second, dry_run=True)
    assert [o.result for o in report.outcomes] == [Result.CREATED, Result.FAILED]
    assert not Article.objects.exists()


def jekyll_site(tmp_path, config):
    (tmp_path / "site").mkdir(exist_ok=True)
    write(tmp_path / "site", "_config.yml", config)
    return jekyll_post(
        tmp_path,
        "2024-04-30-floods.md",
        "title: Floods\ndate: 2024-04-30 22:30:00 +0000\ncategories: [News]\n",
    )


@pytest.mark.parametrize(
    ("config", "old"),
    [
        # The site's time zone dated its addresses: 22:30 UTC was the 1st in Kyiv.
        ("permalink: pretty\ntimezone: Europe/Kyiv\n", "/news/2024/05/01/floods/"),
        ("title: A site\n", "/news/2024/04/30/floods.html"),  # Jekyll's default, "date"
        ("permalink: /:year/:title/\n", "/2024/floods/"),
        ("collections:\n  posts:\n    permalink: /posts/:title/\n", "/posts/floods/"),
    ],
)
def test_a_jekyll_sites_permalink_in_its_config_gives_posts_their_old_address(
    tmp_path, client, config, old
):
    path = jekyll_site(tmp_path, config)
    outcome = only(run(tmp_path / "site" / "_posts", time_zone="UTC"), Result.CREATED)
    assert Redirect.objects.get().old_path == old
    assert client.get(old)["Location"] == Article.objects.get().get_absolute_url()
    assert not any("permalink" in line for line in outcome.warning_lines()), path


def test_a_posts_own_permalink_wins_over_its_sites(tmp_path):
    jekyll_site(tmp_path, "permalink: pretty\n")
    own = jekyll_post(tmp_path, "2024-05-02-b.md", "title: B\npermalink: /b.html\n")
    run(own)
    assert list(Redirect.objects.values_list("old_path", flat=True)) == ["/b.html"]


def test_a_jekyll_config_setting_permalinks_by_scope_is_named_not_guessed_at(tmp_path):
    path = jekyll_site(
        tmp_path,
        "permalink: pretty\ndefaults:\n  - scope: {path: '', type: posts}\n"
        "    values: {permalink: '/:title/'}\n",
    )
    outcome = only(run(path), Result.CREATED)
    assert not Redirect.objects.exists()
    assert outcome.warning_lines() == [
        f"{path}: permalink (_config.yml): {tmp_path / 'site' / '_config.yml'} sets "
        "permalinks by scope (defaults), which is not read: give each post its permalink "
        "or redirect_from"
    ]


def test_an_unpublished_jekyll_post_had_no_address_to_redirect_from(tmp_path):
    jekyll_site(tmp_path, "permalink: pretty\n")
    draft = jekyll_post(tmp_path, "2024-05-02-b.md", "title: B\npublished: false\n")
    run(draft)
    assert not Redirect.objects.exists()


def test_folders_above_posts_are_jekyll_categories_up_to_the_sites_config(tmp_path, client):
    # site/_config.yml, site/news/local/_posts/…: categories news, local, then the post's.
    write(tmp_path, "_config.yml", "permalink: /:categories/:title/\n")
    folder = tmp_path / "news" / "local" / "_posts"
    folder.mkdir(parents=True)
    post = write(folder, "2024-05-02-fair.md", "---\ntitle: Fair\ncategory: Town Hall\n---\nB.\n")
    only(run(post), Result.CREATED)
    old = "/news/local/town%20hall/fair/"
    assert Redirect.objects.get().old_path == old
    assert client.get(old)["Location"] == Article.objects.get().get_absolute_url()
