"""The importer: seeds field by field, formats, dates, identity, re-runs, conflicts,
transactions and images. Hostile input and the command are in test_importing_hostile.py."""

import re
import textwrap
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from django.conf import settings
from django.contrib.redirects.models import Redirect
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.importing import (
    ImportOptions,
    Result,
    import_article_file,
    import_articles,
    items,
    writing,
)
from articles.importing.identity import ArticleIndex
from articles.models import (
    Article,
    Figure,
    FormerSlug,
    ImageCredit,
    License,
    Tag,
    TaggedArticle,
)
from tests.factories import ArticleFactory, image_bytes

pytestmark = pytest.mark.django_db

# The real seed files, as the old site wrote them (sample_content/ is ours to improve).
SEEDS = Path(settings.BASE_DIR) / "tests" / "data" / "seeds"
SEED_FRONT_MATTER = SEEDS / "000_6c63ee597621543c.txt"
SEED_PLAIN_TEXT = SEEDS / "001_d7533b830f3d3121.txt"
KYIV = ZoneInfo("Europe/Kyiv")
TRANSACTION_CONTROL = re.compile(r"(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT|BEGIN)\b")


def article_file(directory: Path, name: str, meta: dict | None = None, body="Body text.") -> Path:
    """A format 1 file; `meta` is dumped as YAML front matter."""
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    front = yaml.safe_dump(meta or {}, allow_unicode=True, sort_keys=False)
    path.write_text(f"---\n{front}---\n\n{body}\n", encoding="utf-8")
    return path


def run(*paths, **options):
    options.setdefault("time_zone", "Europe/Kyiv")
    return import_articles(paths, **options)


def only(report, result=None):
    assert len(report.outcomes) == 1, [o.error_lines() for o in report.outcomes]
    outcome = report.outcomes[0]
    if result is not None:
        assert outcome.result == result, outcome.error_lines()
    return outcome


def seed_meta():
    text = SEED_FRONT_MATTER.read_text(encoding="utf-8")
    block = text.split("---\n")[1]
    return yaml.safe_load(textwrap.dedent(block))


# --- The two seeds, field by field ---------------------------------------------------


def test_front_matter_seed_is_imported_field_by_field():
    meta = seed_meta()
    only(run(SEED_FRONT_MATTER), Result.CREATED)

    article = Article.objects.get()
    assert article.title == meta["title"]
    assert article.headline == meta["header_title"]
    assert article.description == meta["des"]
    assert article.lede == meta["page_first_p"]
    assert article.social_title == meta["twitter_tittle"]
    assert article.social_description == meta["twitter_des"]
    assert article.published_at == datetime(2025, 4, 26, 10, 0, tzinfo=KYIV)
    assert article.source_url == meta["blog_url"]
    assert article.slug == "russia-lost-over-62400-soldiers-in-kursk-operation-ukraine-says"
    assert article.status == Article.Status.PUBLISHED
    assert article.extra_metadata == {}
    body = SEED_FRONT_MATTER.read_text(encoding="utf-8").split("---\n", 2)[2].strip()
    assert article.body == body
    assert article.body.startswith("Since the start of Ukraine’s operation")
    assert article.imported_at == article.updated_at

    figure = article.lead_figure
    assert figure.alt_text == meta["img_alt"] == "War in Ukraine"
    assert figure.caption == meta["figure_p"]
    assert figure.original_url == meta["img_url_full"]
    assert figure.original_path == meta["page_image_src_rel"]
    assert not figure.image
    assert figure.credit.author == "Raw Pixel"
    assert figure.credit.author_url == "https://rawpixel.com"
    assert figure.credit.license.name == "CC BY 1.0"
    # Kept exactly as written, trailing double slash and all.
    assert figure.credit.license.url == "https://creativecommons.org/licenses/by/1.0//"


def test_front_matter_seed_time_is_read_in_the_default_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    only(import_articles([SEED_FRONT_MATTER]), Result.CREATED)
    expected = datetime(2025, 4, 26, 10, 0, tzinfo=ZoneInfo("America/New_York"))
    assert Article.objects.get().published_at == expected


def test_plain_text_seed_takes_its_date_derives_a_headline_and_drops_the_furniture():
    outcome = only(run(SEED_PLAIN_TEXT), Result.CREATED)

    article = Article.objects.get()
    assert article.published_at == datetime(2025, 2, 15, 0, 0, tzinfo=KYIV)
    assert article.headline == (
        "The Russian army has lost almost 250,000 soldiers in the war against Ukraine, "
        "President Volodymyr Zelensky"
    )
    assert len(article.headline) <= 110
    assert article.title == article.headline
    assert article.status == Article.Status.PUBLISHED
    paragraphs = SEED_PLAIN_TEXT.read_text(encoding="utf-8").strip().split("\n\n")[1:]
    assert article.body.split("\n\n") == paragraphs
    assert "audio" not in article.body and "date 2025" not in article.body
    assert article.source_url == "" and article.lead_figure is None
    warnings = "\n".join(outcome.warning_lines())
    assert "This audio is created with AI assistance" in warnings and "dropped" in warnings
    assert "derived from the first sentence" in warnings


def test_importing_the_seeds_twice_changes_nothing_the_second_time():
    first = run(SEEDS)
    assert first.count(Result.CREATED) == 2
    stamps = dict(Article.objects.values_list("pk", "updated_at"))

    second = run(SEEDS)
    assert [o.result for o in second.outcomes] == [Result.UNCHANGED, Result.UNCHANGED]
    assert dict(Article.objects.values_list("pk", "updated_at")) == stamps
    assert (Article.objects.count(), Figure.objects.count(), ImageCredit.objects.count()) == (
        2,
        1,
        1,
    )
    assert License.objects.count() == 1 and Redirect.objects.count() == 1


def test_a_rerun_of_unchanged_files_reads_the_table_once_in_all(tmp_path):
    for n in range(5):
        article_file(tmp_path, f"{n}.md", {"title": f"T{n}", "blog_url": f"https://o.example/{n}"})
    run(tmp_path, SEED_FRONT_MATTER, SEED_PLAIN_TEXT)
    with CaptureQueriesContext(connection) as queries:
        report = run(tmp_path, SEED_FRONT_MATTER, SEED_PLAIN_TEXT)
    assert {outcome.result for outcome in report.outcomes} == {Result.UNCHANGED}
    # Beside the batch's transaction (a savepoint in a test), one query: the index.
    statements = [q["sql"] for q in queries.captured_queries]
    assert len([sql for sql in statements if not TRANSACTION_CONTROL.match(sql)]) == 1


def test_an_edit_made_while_the_run_is_under_way_is_still_a_conflict(tmp_path):
    url = "https://old.example/a"
    path = article_file(tmp_path, "a.md", {"title": "T", "blog_url": url})
    run(path)
    index = ArticleIndex.load()  # as a run reads it when it begins
    article = Article.objects.get()
    article.headline = "An editor's better headline"
    article.save()  # after the run began

    article_file(tmp_path, "a.md", {"title": "T2", "blog_url": url})
    options = ImportOptions(time_zone=KYIV)
    outcome = import_article_file(path, options=options, index=index)
    assert outcome.result == Result.CONFLICT
    assert Article.objects.get().headline == "An editor's better headline"


def test_a_new_article_takes_a_bounded_number_of_queries(tmp_path, django_assert_max_num_queries):
    path = article_file(tmp_path, "a.md", {"title": "Hello", "tags": ["one", "two"]})
    with django_assert_max_num_queries(15):  # 14, and the row of its stored fragments
        only(run(path), Result.CREATED)


# --- Formats and fields -------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Apr 26, 2025 10:00", datetime(2025, 4, 26, 10, 0, tzinfo=KYIV)),
        ("April 26, 2025", datetime(2025, 4, 26, 0, 0, tzinfo=KYIV)),
        ("2025-04-26", datetime(2025, 4, 26, 0, 0, tzinfo=KYIV)),
        ("2025-04-26T10:00", datetime(2025, 4, 26, 10, 0, tzinfo=KYIV)),
        ("2025-04-26 10:00:00", datetime(2025, 4, 26, 10, 0, tzinfo=KYIV)),
        ("2025-04-26T10:00:00+02:00", datetime(2025, 4, 26, 8, 0, tzinfo=ZoneInfo("UTC"))),
        ("2025-04-26T07:00:00Z", datetime(2025, 4, 26, 7, 0, tzinfo=ZoneInfo("UTC"))),
    ],
)
def test_publication_times_in_every_accepted_form(tmp_path, written, expected):
    path = article_file(tmp_path, "a.md", {"title": "Dated", "page_date": written})
    only(run(path), Result.CREATED)
    assert Article.objects.get().published_at == expected


def test_unquoted_yaml_timestamps_are_accepted(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: T\npage_date: 2025-04-26 10:00:00\n---\nBody\n")
    only(run(path), Result.CREATED)
    assert Article.objects.get().published_at == datetime(2025, 4, 26, 10, 0, tzinfo=KYIV)


def test_timezone_option_decides_times_without_an_offset(tmp_path):
    path = article_file(tmp_path, "a.md", {"title": "T", "page_date": "Apr 26, 2025 10:00"})
    only(run(path, time_zone="Asia/Tokyo"), Result.CREATED)
    expected = datetime(2025, 4, 26, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert Article.objects.get().published_at == expected


def test_an_unknown_time_zone_is_refused_before_anything_is_read(tmp_path):
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        import_articles([tmp_path], time_zone="Mars/Olympus")


def test_an_unreadable_date_fails_the_file_naming_the_field(tmp_path):
    path = article_file(tmp_path, "a.md", {"title": "T", "page_date": "the day after"})
    outcome = only(run(path), Result.FAILED)
    assert outcome.error_lines() == [
        f"{path}: page_date: 'the day after' is not a date this importer reads (for example "
        "'Apr 26, 2025 10:00' or '2025-04-26T10:00:00+02:00')"
    ]
    assert not Article.objects.exists()


def test_format_1_without_a_date_is_a_draft_with_a_warning(tmp_path):
    outcome = only(run(article_file(tmp_path, "a.md", {"title": "Undated"})), Result.CREATED)
    assert Article.objects.get().status == Article.Status.DRAFT
    assert any("imported as a draft" in line for line in outcome.warning_lines())


def test_plain_text_without_a_date_is_a_draft_with_a_warning(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Kyiv was quiet today. Nobody expected it.\n\nSecond paragraph.\n")
    outcome = only(run(path), Result.CREATED)
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT and article.published_at is None
    assert article.headline == "Kyiv was quiet today"
    assert any("publication time" in line for line in outcome.warning_lines())


def test_a_long_first_sentence_is_cut_at_a_word_within_110_characters(tmp_path):
    path = tmp_path / "a.txt"
    sentence = " ".join(["word"] * 40) + "."
    path.write_text(f"date 2025-01-02\n\n{sentence} Next one.\n")
    only(run(path), Result.CREATED)
    headline = Article.objects.get().headline
    assert len(headline) <= 110 and headline.endswith("word") and sentence.startswith(headline)


def test_status_option_file_draft_flag_and_withdrawn(tmp_path):
    date = "2025-01-01T00:00:00Z"
    plain = article_file(tmp_path, "plain.md", {"title": "Plain", "page_date": date})
    draft = article_file(tmp_path, "d.md", {"title": "D", "page_date": date, "draft": True})
    public = article_file(tmp_path, "p.md", {"title": "P", "page_date": date, "draft": False})
    gone = article_file(tmp_path, "w.md", {"title": "W", "page_date": date, "status": "withdrawn"})
    report = run(plain, draft, public, gone, status="draft")
    assert report.count(Result.CREATED) == 4
    statuses = dict(Article.objects.values_list("title", "status"))
    assert statuses == {"Plain": "draft", "D": "draft", "P": "published", "W": "withdrawn"}


def test_tags_as_a_list_or_a_comma_separated_string(tmp_path):
    listed = article_file(tmp_path, "a.md", {"title": "A", "tags": ["War", "Kursk", "war"]})
    comma = article_file(tmp_path, "b.md", {"title": "B", "tags": "Kursk, Politics ,, "})
    run(listed, comma)
    assert sorted(Article.objects.get(title="A").tags.names()) == ["Kursk", "War"]
    assert sorted(Article.objects.get(title="B").tags.names()) == ["Kursk", "Politics"]
    assert Tag.objects.count() == 3


def test_unknown_keys_are_kept_in_extra_metadata_and_named_in_a_warning(tmp_path):
    meta = {"title": "T", "author_bio": "Reporter", "views": 1200, "geo": {"lat": 50.4}}
    outcome = only(run(article_file(tmp_path, "a.md", meta)), Result.CREATED)
    assert Article.objects.get().extra_metadata == {
        "author_bio": "Reporter",
        "views": 1200,
        "geo": {"lat": 50.4},
    }
    assert outcome.warning_lines() == [
        f"{tmp_path / 'a.md'}: front matter: kept in extra metadata (no field for them): "
        "author_bio, geo, views",
        f"{tmp_path / 'a.md'}: status: imported as a draft: A published article needs a "
        "publication time.",
    ]


@pytest.mark.parametrize(
    ("meta", "field", "reason"),
    [
        ({"title": ["a", "list"]}, "title", "expected text, got a list"),
        ({"title": "T", "des": {"a": 1}}, "des", "expected text, got a mapping"),
        ({"title": "T", "figure_author": 1999}, "figure_author", "got a number (put it in quotes)"),
        ({"title": "T", "tags": 5}, "tags", "expected a list or comma-separated text"),
        ({"title": "T", "tags": ["ok", ["nested"]]}, "tags", "expected a list of text"),
        ({"title": "T", "draft": "yes please"}, "status", "draft must be true or false"),
        ({"title": "T", "page_date": ["2025"]}, "page_date", "expected a date, got a list"),
        ({"title": "T", "status": "archived"}, "status", "is not one of draft, published"),
        ({"title": "T", "slug": "!!!"}, "slug", "has no letters or digits"),
        ({"title": "T", "status": "draft", "draft": False}, "status", "contradicts"),
    ],
)
def test_a_value_of_the_wrong_type_fails_the_file_naming_the_field(tmp_path, meta, field, reason):
    path = article_file(tmp_path, "a.md", meta)
    outcome = only(run(path), Result.FAILED)
    assert len(outcome.errors) == 1
    assert outcome.errors[0].field == field
    assert reason in outcome.errors[0].message
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("key", "limit"),
    [
        ("header_title", 300),
        ("title", 300),
        ("des", 500),
        ("twitter_tittle", 300),
        ("img_alt", 500),
        ("figure_author", 200),
        ("figure_license", 200),
        ("page_image_src_rel", 500),
    ],
)
def test_an_over_long_value_is_refused_naming_the_field(tmp_path, key, limit):
    meta = {"title": "T", key: "x" * (limit + 1)}
    outcome = only(run(article_file(tmp_path, "a.md", meta)), Result.FAILED)
    assert [(p.field, p.message) for p in outcome.errors] == [
        (key, f"{limit + 1:,} characters; the limit is {limit:,}")
    ]
    assert not Article.objects.exists() and not Figure.objects.exists()


def test_a_value_at_the_limit_fits(tmp_path):
    only(run(article_file(tmp_path, "a.md", {"title": "x" * 300})), Result.CREATED)
    assert len(Article.objects.get().title) == 300


@pytest.mark.parametrize(
    "key", ["blog_url", "figure_author_url", "figure_license_url", "img_url_full"]
)
@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://files.example/a", "not a url"])
def test_urls_must_be_http_or_https(tmp_path, key, url):
    outcome = only(run(article_file(tmp_path, "a.md", {"title": "T", key: url})), Result.FAILED)
    assert outcome.errors[0].field == key
    assert "is not an http or https URL" in outcome.errors[0].message


def test_every_error_in_a_file_is_reported_on_its_own_line(tmp_path):
    path = article_file(tmp_path, "a.md", {"title": ["x"], "des": "d" * 501, "tags": 3})
    outcome = only(run(path), Result.FAILED)
    assert [line.split(": ")[1] for line in outcome.error_lines()] == ["title", "des", "tags"]


# --- Identity, slugs and redirects ---------------------------------------------------


def test_slug_clash_gets_a_suffix_and_stays_stable_on_a_rerun(tmp_path):
    ArticleFactory(slug="kyiv-today", source_url="https://other.example/kyiv-today")
    url = "https://old.example/news/kyiv-today"
    path = article_file(tmp_path, "a.md", {"title": "Kyiv today", "blog_url": url})
    only(run(path), Result.CREATED)
    assert Article.objects.get(source_url=url).slug == "kyiv-today-2"
    only(run(path), Result.UNCHANGED)

    no_url = article_file(tmp_path, "b.md", {"title": "Kyiv today"})
    only(run(no_url), Result.CREATED)
    assert Article.objects.filter(source_url="").get().slug == "kyiv-today-3"
    only(run(no_url), Result.UNCHANGED)
    assert Article.objects.count() == 3


def test_identity_is_the_source_url_so_a_new_title_updates_the_same_article(tmp_path):
    url = "https://old.example/news/story"
    path = article_file(tmp_path, "a.md", {"title": "First", "blog_url": url})
    run(path)
    article_file(tmp_path, "a.md", {"title": "Second", "blog_url": url})
    only(run(path), Result.UPDATED)
    assert list(Article.objects.values_list("title", "slug")) == [("Second", "story")]


def test_an_explicit_slug_wins_and_is_normalised_with_a_warning(tmp_path):
    path = article_file(tmp_path, "a.md", {"title": "T", "slug": "My Story!"})
    outcome = only(run(path), Result.CREATED)
    assert Article.objects.get().slug == "my-story"
    assert any("normalised to 'my-story'" in line for line in outcome.warning_lines())


def test_headlines_and_urls_in_other_scripts_make_distinct_latin_slugs(tmp_path):
    article_file(tmp_path, "a.md", {"title": "Україна перемагає", "page_date": "2025-04-26"})
    article_file(tmp_path, "b.md", {"title": "Київ сьогодні", "page_date": "2025-04-26"})
    (tmp_path / "c.txt").write_text("date 2025-03-01 Слухати\n\nНовини з Харкова. Далі.\n")
    url = "https://old.example/статті/новина-дня"
    article_file(tmp_path, "d.md", {"title": "Новина", "blog_url": url})
    report = run(tmp_path)
    assert [o.result for o in report.outcomes] == [Result.CREATED] * 4, [
        o.error_lines() for o in report.outcomes
    ]
    assert sorted(Article.objects.values_list("slug", flat=True)) == [
        "kiiv-sogodni",
        "novina-dnya",
        "novini-z-kharkova",
        "ukraina-peremagaie",
    ]
    assert {o.result for o in run(tmp_path).outcomes} == {Result.UNCHANGED}


def test_a_headline_with_nothing_to_spell_a_slug_gets_a_stable_one_and_a_warning(tmp_path):
    article_file(tmp_path, "a.md", {"title": "!!!", "page_date": "2025-04-26"})
    article_file(tmp_path, "b.md", {"title": "???", "page_date": "2025-04-26"})
    report = run(tmp_path)
    slugs = sorted(Article.objects.values_list("slug", flat=True))
    assert len(slugs) == 2 and all(slug.startswith("article-") for slug in slugs)
    assert "slug: nothing in the headline spells a slug" in report.outcomes[0].warning_lines()[0]
    assert {o.result for o in run(tmp_path).outcomes} == {Result.UNCHANGED}


def test_the_old_path_answers_with_a_301_to_the_new_one(client):
    run(SEED_FRONT_MATTER)
    article = Article.objects.get()
    response = client.get(
        "/articles/russia-lost-over-62,400-soldiers-in-kursk-operation-ukraine-says"
    )
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


def test_no_redirect_when_the_old_path_is_the_new_one(tmp_path):
    url = "https://old.example/articles/same-path/"
    run(article_file(tmp_path, "a.md", {"title": "T", "blog_url": url}))
    assert Article.objects.get().get_absolute_url() == "/articles/same-path/"
    assert not Redirect.objects.exists()


def test_a_changed_slug_redirects_from_the_previous_url_without_chains(tmp_path, client):
    url = "https://old.example/news/story"
    meta = {"title": "T", "blog_url": url, "page_date": "2025-04-26"}
    path = article_file(tmp_path, "a.md", meta)
    run(path)
    article_file(tmp_path, "a.md", {**meta, "slug": "better-story"})
    only(run(path), Result.UPDATED)
    redirects = dict(Redirect.objects.values_list("old_path", "new_path"))
    assert redirects == {"/news/story": "/articles/better-story/"}
    # The article's own former address is kept by Article.save(), as for any edit.
    assert list(FormerSlug.objects.values_list("slug", flat=True)) == ["story"]
    assert client.get("/articles/story/")["Location"] == "/articles/better-story/"
    assert client.get("/news/story")["Location"] == "/articles/better-story/"


def test_two_files_for_the_same_article_in_one_run_fail_the_second(tmp_path):
    url = "https://old.example/news/story"
    first = article_file(tmp_path, "a.md", {"title": "One", "blog_url": url})
    second = article_file(tmp_path, "b.md", {"title": "Two", "blog_url": url})
    report = run(first, second)
    assert [o.result for o in report.outcomes] == [Result.CREATED, Result.FAILED]
    assert f"the same article as {first}" in report.outcomes[1].error_lines()[0]
    assert Article.objects.get().title == "One"


# --- Re-runs and conflicts ----------------------------------------------------------


def test_a_changed_file_updates_its_article(tmp_path):
    meta = {"title": "T", "blog_url": "https://old.example/a", "tags": ["one"], "img_alt": "A"}
    path = article_file(tmp_path, "a.md", meta)
    run(path)
    figure_pk = Article.objects.get().lead_figure_id
    article_file(tmp_path, "a.md", {**meta, "des": "New description", "tags": ["two"]}, "New")
    only(run(path), Result.UPDATED)
    article = Article.objects.get()
    assert (article.description, article.body, list(article.tags.names())) == (
        "New description",
        "New",
        ["two"],
    )
    assert article.lead_figure_id == figure_pk and Figure.objects.count() == 1
    assert article.imported_at == article.updated_at
    only(run(path), Result.UNCHANGED)


def test_an_article_edited_in_the_admin_is_a_conflict_unless_overwrite(tmp_path):
    path = article_file(tmp_path, "a.md", {"title": "T", "blog_url": "https://old.example/a"})
    run(path)
    article = Article.objects.get()
    article.headline = "An editor's better headline"
    article.save()

    article_file(tmp_path, "a.md", {"title": "T2", "blog_url": "https://old.example/a"})
    outcome = only(run(path), Result.CONFLICT)
    assert "edited in the admin" in outcome.note
    assert Article.objects.get().headline == "An editor's better headline"

    only(run(path, overwrite=True), Result.UPDATED)
    article = Article.objects.get()
    assert (article.title, article.headline) == ("T2", "")
    only(run(path), Result.UNCHANGED)


def test_an_edited_article_whose_file_has_not_changed_is_unchanged_not_a_conflict(tmp_path):
    path = article_file(tmp_path, "a.md", {"title": "T", "blog_url": "https://old.example/a"})
    run(path)
    article = Article.objects.get()
    article.headline = "An editor's better headline"
    article.save()

    only(run(path), Result.UNCHANGED)  # nothing in the file would overwrite the edit
    assert Article.objects.get().headline == "An editor's better headline"
    only(run(path, overwrite=True), Result.UPDATED)  # back to the file, when asked
    assert Article.objects.get().headline == ""


def test_a_lead_figure_edited_in_the_admin_makes_its_article_a_conflict(tmp_path):
    meta = {"title": "T", "blog_url": "https://old.example/a", **FIGURE}
    path = article_file(tmp_path, "a.md", meta)
    run(path)
    figure = Article.objects.get().lead_figure
    figure.alt_text = "Soldiers in a trench at dawn"  # the desk's better description
    figure.save()

    article_file(tmp_path, "a.md", meta, body="A corrected body.")
    outcome = only(run(path), Result.CONFLICT)
    assert "edited in the admin" in outcome.note
    assert Article.objects.get().lead_figure.alt_text == "Soldiers in a trench at dawn"
    only(run(path, overwrite=True), Result.UPDATED)
    assert Article.objects.get().lead_figure.alt_text == FIGURE["img_alt"]


def test_a_file_brought_in_later_is_the_importers_write_not_an_editors(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    (images / "a.jpg").write_bytes(image_bytes(320, 200))
    meta = {"title": "T", "blog_url": "https://old.example/a", **FIGURE}
    meta["page_image_src_rel"] = "a.jpg"
    path = article_file(tmp_path, "a.md", meta)
    run(path)
    only(run(path, images_root=images), Result.UPDATED)
    assert Article.objects.get().lead_figure.image

    article_file(tmp_path, "a.md", meta, body="A corrected body.")
    only(run(path, images_root=images), Result.UPDATED)
    assert Article.objects.get().body == "A corrected body."


def test_an_article_made_in_the_admin_with_the_same_slug_is_not_taken_over(tmp_path):
    ArticleFactory(slug="hello", title="Written here")
    outcome = only(run(article_file(tmp_path, "a.md", {"title": "Hello"})), Result.CONFLICT)
    assert "created in the admin" in outcome.note
    assert Article.objects.get().title == "Written here"

    only(run(tmp_path / "a.md", overwrite=True), Result.UPDATED)
    article = Article.objects.get()
    assert (article.title, article.slug, article.imported_at) == (
        "Hello",
        "hello",
        article.updated_at,
    )


def test_changing_the_time_zone_re_imports_unchanged_files(tmp_path):
    path = article_file(tmp_path, "a.md", {"title": "T", "page_date": "2025-01-01 12:00"})
    run(path)
    only(run(path, time_zone="UTC"), Result.UPDATED)
    assert Article.objects.get().published_at == datetime(2025, 1, 1, 12, tzinfo=ZoneInfo("UTC"))


def test_dry_run_writes_nothing_and_reports_what_would_happen(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    (images / "a.jpg").write_bytes(image_bytes(320, 200))
    meta = {"title": "T", "img_alt": "A", "page_image_src_rel": "a.jpg", "tags": ["x"]}
    path = article_file(tmp_path, "a.md", meta)
    report = run(path, dry_run=True, images_root=images)
    assert report.count(Result.CREATED) == 1
    assert report.summary().startswith("Dry run, nothing was written.")
    for model in (Article, Figure, ImageCredit, License, Tag, Redirect):
        assert not model.objects.exists()
    assert not (Path(settings.MEDIA_ROOT) / "figures").exists()
    only(run(path, images_root=images), Result.CREATED)


# --- Transactions -------------------------------------------------------------------


def _redirects_failing_at(old_path, error):
    """Redirect.objects.bulk_create, the last write of an article, failing for `old_path`."""
    bulk_create = Redirect.objects.bulk_create

    def failing(redirects, **kwargs):
        redirects = list(redirects)
        if any(redirect.old_path == old_path for redirect in redirects):
            raise error
        return bulk_create(redirects, **kwargs)

    return failing


def test_an_error_mid_article_leaves_nothing_of_it_behind(tmp_path, monkeypatch):
    images = tmp_path / "images"
    images.mkdir()
    (images / "a.jpg").write_bytes(image_bytes(320, 200))
    meta = {
        "title": "T",
        "blog_url": "https://old.example/x/story",
        "tags": ["kept-out"],
        "img_alt": "A",
        "figure_author": "Someone",
        "figure_license": "CC0",
        "page_image_src_rel": "a.jpg",
    }
    path = article_file(tmp_path, "a.md", meta)
    other = article_file(tmp_path, "b.md", {"title": "Fine"})
    # Redirects are the last write: the article, figure, file, credit and tags exist by then.
    # In a batch, the failure comes at its end; then each file goes again alone.
    failing = _redirects_failing_at("/x/story", RuntimeError("disk on fire"))
    monkeypatch.setattr(Redirect.objects, "bulk_create", failing)
    monkeypatch.setattr(writing.logger, "exception", lambda *args: None)
    report = run(path, other, images_root=images)

    assert [o.result for o in report.outcomes] == [Result.FAILED, Result.CREATED]
    assert "disk on fire" in report.outcomes[0].error_lines()[0]
    assert list(Article.objects.values_list("title", flat=True)) == ["Fine"]
    for model in (Figure, ImageCredit, License, Tag, TaggedArticle, Redirect):
        assert not model.objects.exists(), model
    stored = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert stored == []

    monkeypatch.undo()
    only(run(path, images_root=images), Result.CREATED)


def test_an_unexpected_error_while_reading_fails_that_file_and_the_run_goes_on(
    tmp_path, monkeypatch
):
    broken = article_file(tmp_path, "a.md", {"title": "Trips a bug"})
    article_file(tmp_path, "b.md", {"title": "Fine"})
    parse = items.parse_article

    def parse_or_explode(text, **kwargs):
        if "Trips a bug" in text:
            raise RuntimeError("disk on fire")
        return parse(text, **kwargs)

    monkeypatch.setattr(items, "parse_article", parse_or_explode)
    monkeypatch.setattr(writing.logger, "exception", lambda *args: None)
    report = run(tmp_path)

    assert [o.result for o in report.outcomes] == [Result.FAILED, Result.CREATED]
    assert report.outcomes[0].error_lines() == [
        f"{broken}: unexpected error (RuntimeError: disk on fire); "
        "nothing was written for this file"
    ]
    assert list(Article.objects.values_list("title", flat=True)) == ["Fine"]


def test_a_file_failing_mid_batch_fails_alone_and_the_others_are_written(tmp_path, monkeypatch):
    paths = [
        article_file(tmp_path, f"{n}.md", {"title": title, "tags": ["t"]})
        for n, title in enumerate(["Before", "Trips a bug", "After"])
    ]

    def write_or_explode(to_write, *args, **kwargs):
        if to_write.data.title == "Trips a bug":
            raise RuntimeError("disk on fire")
        return write_article(to_write, *args, **kwargs)

    write_article = writing._write_article
    monkeypatch.setattr(writing, "_write_article", write_or_explode)
    monkeypatch.setattr(writing.logger, "exception", lambda *args: None)
    report = run(*paths)

    assert [o.result for o in report.outcomes] == [Result.CREATED, Result.FAILED, Result.CREATED]
    assert "disk on fire" in report.outcomes[1].error_lines()[0]
    assert sorted(Article.objects.values_list("title", flat=True)) == ["After", "Before"]
    assert TaggedArticle.objects.count() == 2


@pytest.mark.parametrize(
    ("batch", "left"),
    [
        ({}, []),  # both files in one batch: the interruption takes both back
        ({"BATCH_FILES": 1}, ["T1"]),
        ({"BATCH_SECONDS": 0}, ["T1"]),  # a batch ends when its time is up
    ],
)
def test_an_interrupted_run_leaves_whole_articles_and_a_rerun_completes(
    tmp_path, monkeypatch, batch, left
):
    paths = [
        article_file(
            tmp_path,
            f"{n}.md",
            {"title": f"T{n}", "tags": ["t"], "blog_url": f"https://old.example/{n}"},
        )
        for n in (1, 2)
    ]
    for name, value in batch.items():
        monkeypatch.setattr(writing, name, value)
    # Ctrl-C at the second article's last write, its row, figure and tags written.
    interrupted = _redirects_failing_at("/2", KeyboardInterrupt())
    monkeypatch.setattr(Redirect.objects, "bulk_create", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(*paths)
    assert list(Article.objects.values_list("title", flat=True)) == left
    assert TaggedArticle.objects.count() == Redirect.objects.count() == len(left)

    monkeypatch.undo()
    report = run(*paths)
    expected = [Result.UNCHANGED if left else Result.CREATED, Result.CREATED]
    assert [o.result for o in report.outcomes] == expected
    assert sorted(Article.objects.values_list("title", flat=True)) == ["T1", "T2"]


def test_new_articles_of_a_batch_are_written_in_a_constant_number_of_queries(
    tmp_path, django_assert_max_num_queries
):
    def import_files(directory, count):
        for n in range(count):
            meta = {
                "title": f"Story {n}",
                "blog_url": f"https://o.example/{directory.name}/{n}",
                "tags": ["war", "europe"],
                **{key: FIGURE[key] for key in ("img_alt", "figure_author", "figure_license")},
            }
            article_file(directory, f"{n}.md", meta)
        return run(directory)

    import_files(tmp_path / "warm-up", 1)  # the tags, credit and licence exist from now on
    # The index; the batch's transaction (a savepoint in a test); a lookup of the licence,
    # the credit and each tag, once a run; one insert each of figures, articles, taggings,
    # revisions, redirects and rows of stored fragments.
    with django_assert_max_num_queries(13) as few:
        assert import_files(tmp_path / "few", 3).count(Result.CREATED) == 3
    with django_assert_max_num_queries(len(few)):
        assert import_files(tmp_path / "many", 30).count(Result.CREATED) == 30
    assert Article.objects.filter(lead_figure__credit__license__name="CC BY 1.0").count() == 34


# --- Images -------------------------------------------------------------------------

FIGURE = {
    "title": "Pictured",
    "img_alt": "A road in the snow",
    "figure_p": "The road north.",
    "figure_author": "Raw Pixel",
    "figure_author_url": "https://rawpixel.com",
    "figure_license": "CC BY 1.0",
    "figure_license_url": "https://creativecommons.org/licenses/by/1.0//",
    "page_image_src_rel": "/images/posts_img/road.jpg",
    "img_url_full": "https://pure.news/images/posts_img/road.jpg",
}


def test_an_image_under_images_root_is_checked_and_stored(tmp_path):
    root = tmp_path / "site"
    (root / "images/posts_img").mkdir(parents=True)
    (root / "images/posts_img/road.jpg").write_bytes(image_bytes(640, 360))
    outcome = only(run(article_file(tmp_path, "a.md", FIGURE), images_root=root), Result.CREATED)
    figure = Article.objects.get().lead_figure
    assert figure.image and (figure.width, figure.height) == (640, 360)
    assert figure.image.name.endswith(".jpg")
    assert not [p for p in outcome.warnings if p.field == "page_image_src_rel"]


def test_a_missing_image_still_makes_the_figure_with_a_warning(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    outcome = only(run(article_file(tmp_path, "a.md", FIGURE), images_root=root), Result.CREATED)
    figure = Article.objects.get().lead_figure
    assert not figure.image
    assert (figure.alt_text, figure.caption) == ("A road in the snow", "The road north.")
    assert figure.original_path == FIGURE["page_image_src_rel"]
    assert figure.original_url == FIGURE["img_url_full"]
    assert figure.credit.author == "Raw Pixel" and figure.credit.license.name == "CC BY 1.0"
    assert any("image file missing" in line for line in outcome.warning_lines())


def test_a_later_run_with_images_root_fills_in_the_missing_file(tmp_path):
    path = article_file(tmp_path, "a.md", FIGURE)
    run(path)
    root = tmp_path / "site"
    (root / "images/posts_img").mkdir(parents=True)
    (root / "images/posts_img/road.jpg").write_bytes(image_bytes(640, 360))
    only(run(path, images_root=root), Result.UPDATED)
    assert Article.objects.get().lead_figure.image
    only(run(path, images_root=root), Result.UNCHANGED)


@pytest.mark.parametrize("relative", ["../secret.jpg", "images/../../secret.jpg", "/../secret.jpg"])
def test_an_image_path_leaving_images_root_is_refused(tmp_path, relative):
    root = tmp_path / "site"
    root.mkdir()
    (tmp_path / "secret.jpg").write_bytes(image_bytes(64, 64))
    meta = {**FIGURE, "page_image_src_rel": relative}
    outcome = only(run(article_file(tmp_path, "a.md", meta), images_root=root), Result.CREATED)
    assert not Article.objects.get().lead_figure.image
    assert any("leaves --images-root; refused" in line for line in outcome.warning_lines())


def test_a_symbolic_link_out_of_images_root_is_refused(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    (tmp_path / "secret.jpg").write_bytes(image_bytes(64, 64))
    (root / "road.jpg").symlink_to(tmp_path / "secret.jpg")
    meta = {**FIGURE, "page_image_src_rel": "road.jpg"}
    outcome = only(run(article_file(tmp_path, "a.md", meta), images_root=root), Result.CREATED)
    assert not Article.objects.get().lead_figure.image
    assert any("links outside --images-root" in line for line in outcome.warning_lines())


def test_a_file_that_is_not_an_image_is_not_stored(tmp_path):
    root = tmp_path / "site"
    (root / "images/posts_img").mkdir(parents=True)
    (root / "images/posts_img/road.jpg").write_text("<svg onload=alert(1)></svg>")
    outcome = only(run(article_file(tmp_path, "a.md", FIGURE), images_root=root), Result.CREATED)
    assert not Article.objects.get().lead_figure.image
    assert any("not a usable image" in line for line in outcome.warning_lines())


def test_credits_and_licences_are_reused_across_files_and_runs(tmp_path):
    paths = [
        article_file(tmp_path, f"{n}.md", {**FIGURE, "title": f"T{n}", "img_url_full": ""})
        for n in range(3)
    ]
    run(*paths)
    License.objects.create(name="Other", url="")
    run(article_file(tmp_path, "3.md", {**FIGURE, "title": "T3"}))
    assert Figure.objects.count() == 4
    assert ImageCredit.objects.count() == 1
    assert License.objects.filter(name="CC BY 1.0").count() == 1


def test_an_image_over_the_pixel_cap_is_not_stored(tmp_path, settings):
    settings.IMAGE_MAX_PIXELS = 100 * 100
    root = tmp_path / "site"
    (root / "images/posts_img").mkdir(parents=True)
    (root / "images/posts_img/road.jpg").write_bytes(image_bytes(200, 200))
    outcome = only(run(article_file(tmp_path, "a.md", FIGURE), images_root=root), Result.CREATED)
    assert not Figure.objects.get().image
    assert any("the limit is 10,000 pixels" in line for line in outcome.warning_lines())


@pytest.mark.parametrize(
    ("meta", "field", "reason"),
    [
        ({"tags": ["ok", "t" * 101]}, "tags", "is 101 characters; the limit is 100"),
        ({"slug": "s" * 256}, "slug", "256 characters; the limit is 255"),
    ],
)
def test_over_long_tags_and_slugs_are_refused(tmp_path, meta, field, reason):
    outcome = only(run(article_file(tmp_path, "a.md", {"title": "T", **meta})), Result.FAILED)
    assert [p.field for p in outcome.errors] == [field]
    assert reason in outcome.errors[0].message


def test_each_file_is_reported_once_its_batch_is_committed(tmp_path, monkeypatch):
    # What the command's progress bar is drawn from: a long run moves it batch by batch.
    monkeypatch.setattr(writing, "BATCH_FILES", 2)
    for n in range(5):
        article_file(tmp_path, f"{n}.md", {"title": f"T{n}"})
    calls = []

    def on_file(outcome, done, total):
        calls.append((outcome.path.name, done, total, Article.objects.count()))

    import_articles([tmp_path], time_zone="UTC", on_file=on_file)
    assert calls == [
        ("0.md", 1, 5, 2),
        ("1.md", 2, 5, 2),
        ("2.md", 3, 5, 4),
        ("3.md", 4, 5, 4),
        ("4.md", 5, 5, 5),
    ]
