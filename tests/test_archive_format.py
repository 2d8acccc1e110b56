"""The archive format is declared once (articles/importing/archive_format.py): the
importer reads and the exporter writes each key through that table, and nothing else
names a key."""

import ast
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from django.apps import apps
from django.conf import settings

from articles.importing import Result, import_articles, key_table, parse_article
from articles.importing.archive_format import FIGURE, KEYS, KNOWN_KEYS, Reading
from articles.importing.exporting import article_to_text
from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    Correction,
    Figure,
    ImageCredit,
    License,
    Section,
)
from tests.factories import ArticleFactory
from tests.test_importing import article_file

pytestmark = pytest.mark.django_db
UTC = ZoneInfo("UTC")


def distinct_article():
    """An article with a value of its own in every field the format carries."""
    licence = License.objects.create(name="CC BY-SA 4.0", url="https://licences.example/sa")
    credit = ImageCredit.objects.create(
        author="Olena", author_url="https://olena.example", license=licence
    )
    figure = Figure.objects.create(
        alt_text="A ferry at dawn",
        caption="The first ferry.",
        credit=credit,
        original_path="/img/ferry.jpg",
        original_url="https://old.example/img/ferry.jpg",
    )
    world = Section.objects.create(name="World", slug="world")
    article = ArticleFactory(
        section=Section.objects.create(name="Europe", slug="europe", parent=world),
        title="Title",
        headline="Headline",
        slug="the-slug",
        byline="Byline",
        description="Description",
        lede="Lede",
        social_title="Social title",
        social_description="Social description",
        published_at=datetime(2025, 4, 26, 7, 0, tzinfo=UTC),
        status=Article.Status.WITHDRAWN,
        source_url="https://old.example/story",
        canonical_url="https://wire.example/ferries",
        updated_publicly_at=datetime(2025, 4, 27, 9, 30, tzinfo=UTC),
        lead_figure=figure,
        tags=["Ferries", "ports"],
    )
    article.save(
        authors=[
            Author.objects.create(name="Olena Shevchenko", links=["https://olena.example/"]),
            (Author.objects.create(name="Pat Lens", slug="pat"), ArticleAuthor.Role.PHOTOGRAPHS),
        ]
    )
    Correction.objects.create(
        article=article,
        text="The ferry sails at six.",
        published_at=datetime(2025, 4, 27, 9, 30, tzinfo=UTC),
    )
    return Article.objects.prefetch_related("bylines__author", "corrections").get(pk=article.pk)


def read_back(data, key):
    if key.field.startswith(FIGURE):
        return getattr(data.figure, key.field.removeprefix(FIGURE))
    if key.field in data.fields:
        return data.fields[key.field]
    return getattr(data, key.field)


def test_each_key_the_exporter_writes_the_importer_reads_back_into_the_same_field(settings):
    settings.TIME_ZONE = "UTC"
    text, _ = article_to_text(
        distinct_article(), image_file="images/ferry.jpg", old_paths=["/2019/ferry.html"]
    )
    written = yaml.safe_load(text.split("---\n")[1])
    assert list(written) == [key.name for key in KEYS]  # every key, in the table's order
    data = parse_article(text, tz=UTC)
    for key in KEYS:
        value = read_back(data, key)
        assert value == key.read(written[key.name], Reading(written, UTC)), key.name
        assert value not in ("", None, []), key.name


def test_a_key_absent_from_a_file_empties_its_field(tmp_path):
    path = article_file(tmp_path, "a.md", {"title": "T", "des": "Said once", "byline": "Me"})
    import_articles([path], time_zone="UTC")
    article_file(tmp_path, "a.md", {"title": "T"})
    assert import_articles([path], time_zone="UTC").count(Result.UPDATED) == 1
    article = Article.objects.get()
    assert (article.description, article.byline) == ("", "")


def test_twitter_title_is_read_as_the_old_sites_twitter_tittle(tmp_path):
    path = article_file(tmp_path, "a.md", {"title": "T", "twitter_title": "Shared"})
    import_articles([path], time_zone="UTC")
    assert Article.objects.get().social_title == "Shared"
    text, _ = article_to_text(Article.objects.get())
    assert "twitter_tittle: Shared" in text and "twitter_title:" not in text

    both = {"title": "T", "twitter_tittle": "One", "twitter_title": "Other"}
    (outcome,) = import_articles([article_file(tmp_path, "b.md", both)]).outcomes
    assert outcome.error_lines() == [
        f"{tmp_path / 'b.md'}: twitter_title: twitter_title and twitter_tittle disagree"
    ]
    agreeing = {"title": "T2", "twitter_tittle": "Same", "twitter_title": "Same"}
    (outcome,) = import_articles([article_file(tmp_path, "c.md", agreeing)]).outcomes
    assert outcome.result == Result.CREATED


def test_draft_is_read_with_status_and_never_kept_as_extra_metadata(tmp_path):
    path = article_file(tmp_path, "a.md", {"title": "T", "page_date": "2025-01-01", "draft": True})
    import_articles([path], time_zone="UTC")
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT and article.extra_metadata == {}
    assert "draft" in KNOWN_KEYS


def test_no_module_but_the_table_names_a_key_of_the_format():
    """Keys written out elsewhere would be a second declaration of the format."""
    fields = {field.name for field in Article._meta.get_fields()}
    # The site's own names for its things (the "authors" sitemap section) are not keys.
    models = {str(model._meta.verbose_name_plural) for model in apps.get_models()}
    # Fallbacks are other tools' common words (`date`, `summary`), which other modules use
    # in their own sense; the format's own spellings are the ones kept to the table.
    names = {name for key in KEYS for name in (key.name, *key.aliases)} - fields - models
    folder = Path(settings.BASE_DIR) / "articles"
    found = []
    for path in folder.rglob("*.py"):
        if path.name == "archive_format.py" or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in names:
                found.append(f"{path.relative_to(folder)}:{node.lineno} {node.value!r}")
    assert found == []


def test_the_readme_shows_the_key_table_as_declared():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    start = "<!-- keys: made by articles/importing/key_table.py -->\n"
    shown = readme[readme.index(start) + len(start) : readme.index("\n<!-- /keys -->")]
    assert shown.strip() == key_table.markdown().strip(), (
        "README.md's key table is out of date; print the new one with: .venv/bin/python "
        'manage.py shell -c "from articles.importing import key_table; '
        'print(key_table.markdown())"'
    )
    for key in KEYS:
        assert f"| `{key.name}` |" in shown
