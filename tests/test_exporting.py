"""export_articles: every article out as a format 1 file, and back in without losing a field."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import yaml
from django.contrib.redirects.models import Redirect
from django.core.management import CommandError, call_command

from articles.importing import Result, import_articles
from articles.importing.exporting import article_to_text, export_articles
from articles.models import Article, Author, Figure, ImageCredit, License, Tag
from tests.factories import ArticleFactory, image_file
from tests.test_importing import SEED_FRONT_MATTER, SEEDS, seed_meta

pytestmark = pytest.mark.django_db

ARTICLE_FIELDS = (
    "title", "headline", "slug", "byline", "description", "lede", "social_title",
    "social_description", "body", "body_html", "published_at", "status", "source_url",
    "extra_metadata",
)  # fmt: skip


def snapshot():
    """Every field an export promises to carry, keyed by slug."""
    articles = {}
    for article in Article.objects.select_related("lead_figure__credit__license"):
        values = {name: getattr(article, name) for name in ARTICLE_FIELDS}
        values["tags"] = sorted(article.tags.names())
        values["authors"] = [
            (b.author.name, b.author.slug, b.role, b.author.links[:1])
            for b in article.bylines.all()
        ]
        figure = article.lead_figure
        credit = figure.credit if figure else None
        license = credit.license if credit else None
        values["figure"] = figure and (
            figure.alt_text,
            figure.caption,
            figure.original_url,
            figure.original_path,
            bool(figure.image),
            (figure.width, figure.height),
            figure.renditions.count(),
        )
        values["credit"] = credit and (credit.author, credit.author_url)
        values["license"] = license and (license.name, license.url)
        articles[article.slug] = values
    return articles


def empty_database():
    Article.objects.all().delete()
    Figure.objects.all().delete()
    ImageCredit.objects.all().delete()
    License.objects.all().delete()
    Tag.objects.all().delete()
    Author.objects.all().delete()
    Redirect.objects.all().delete()


def awkward_articles():
    """Values that trip naive YAML writers: rules, quotes, unicode, look-alike dates."""
    license = License.objects.create(name="CC BY-SA 4.0", url="https://creativecommons.org/x/")
    credit = ImageCredit.objects.create(author="Олена Коваль", author_url="", license=license)
    figure = Figure.objects.create(
        alt_text='A "quoted" alt: with colon',
        caption="Line one\n---\nline three: after a rule",
        credit=credit,
        original_url="https://old.example/img/a.jpg?size=large&v=2",
        original_path="/img/a.jpg",
    )
    kyiv = ArticleFactory(
        title="Київ: 'quotes' and \"double\" # not a comment",
        headline="",
        slug="kyiv-quotes",
        byline="Staff reporter",
        description="yes",
        lede="First line  \n---\n  indented: key-like line\n\n...",
        social_title="null",
        social_description="2025-01-01",
        body="Intro\n\n---\n\n---\ntitle: fake front matter\n---\n\n* list\n\n<b>kept</b>",
        published_at=datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=ZoneInfo("Asia/Tokyo")),
        status=Article.Status.WITHDRAWN,
        source_url="https://old.example/news/kyiv?id=5&lang=uk",
        lead_figure=figure,
        extra_metadata={
            "views": 3,
            "nested": {"list": [1, "two", None, True, 2.5], "empty": {}},
            "when": "2025-01-01",
            "unicode": "Київ",
        },
        tags=["Війна", "kursk", "Politics"],
    )
    kyiv.save(
        authors=[
            Author.objects.create(name="Олена Коваль", links=["https://olena.example/?a=1&b=2"]),
            (Author.objects.create(name="John Smith", slug="john-smith-2"), "reporting"),
            (Author.objects.create(name="null"), "photographs"),
        ]
    )
    ArticleFactory(
        title="Draft without a date", slug="draft-undated", published_at=None, status="draft"
    )
    credit_only = ImageCredit.objects.create(author="Anon", author_url="https://anon.example")
    ArticleFactory(
        title="Credit without licence",
        slug="credit-only",
        lead_figure=Figure.objects.create(alt_text="Alt", credit=credit_only),
    )
    # Uploaded in the admin: no old path or URL, only the stored file.
    ArticleFactory(
        title="Uploaded picture",
        slug="uploaded",
        lead_figure=Figure.objects.create(
            alt_text="A field", image=image_file("field.jpg", width=900, height=600)
        ),
    )


def test_an_export_imported_into_an_empty_database_reproduces_every_field(
    tmp_path, settings
):
    assert import_articles([SEEDS], time_zone="Europe/Kyiv").count(Result.CREATED) == 2
    awkward_articles()
    before = snapshot()
    assert len(before) == 6

    report = export_articles(tmp_path / "out")
    assert len(report.written) == 6 and report.warnings == []
    empty_database()
    settings.MEDIA_ROOT = tmp_path / "new-media"  # the image comes from the export alone
    result = import_articles([tmp_path / "out"], time_zone="UTC", images_root=tmp_path / "out")

    assert result.count(Result.CREATED) == 6, [o.error_lines() for o in result.outcomes]
    after = snapshot()
    assert after.keys() == before.keys()
    for slug, values in before.items():
        for name, value in values.items():
            assert after[slug][name] == value, (slug, name)


def test_an_export_of_an_imported_seed_uses_the_seed_keys_and_values(settings):
    settings.TIME_ZONE = "UTC"
    import_articles([SEED_FRONT_MATTER], time_zone="Europe/Kyiv")
    text, skipped = article_to_text(Article.objects.get())
    meta = yaml.safe_load(text.split("---\n")[1])
    seed = seed_meta()
    assert skipped == []
    assert {key: meta[key] for key in seed if key != "page_date"} == {
        key: value for key, value in seed.items() if key != "page_date"
    }
    assert meta["page_date"] == "2025-04-26T07:00:00+00:00"  # 10:00 in Kyiv, with its offset
    assert (meta["slug"], meta["status"]) == (
        "russia-lost-over-62400-soldiers-in-kursk-operation-ukraine-says",
        "published",
    )


def test_an_exported_image_file_is_copied_beside_the_articles(tmp_path):
    figure = Figure.objects.create(alt_text="A field", image=image_file("field.jpg"))
    ArticleFactory(slug="pictured", lead_figure=figure)
    export_articles(tmp_path)
    meta = yaml.safe_load((tmp_path / "pictured.md").read_text().split("---\n")[1])
    copy = tmp_path / meta["image_file"]
    assert meta["image_file"] == f"images/{figure.image.name}"
    assert copy.read_bytes() == figure.image.read()


def test_an_image_missing_from_storage_is_left_out_with_a_warning(tmp_path):
    figure = Figure.objects.create(alt_text="A field", image=image_file("field.jpg"))
    ArticleFactory(slug="pictured", lead_figure=figure)
    figure.image.storage.delete(figure.image.name)
    report = export_articles(tmp_path)
    assert report.warnings == [
        f"{tmp_path / 'pictured.md'}: image_file: {figure.image.name} could not be copied "
        "(No such file or directory); the file is written without it"
    ]
    assert "image_file" not in (tmp_path / "pictured.md").read_text()


def test_extra_keys_that_clash_with_the_format_are_left_out_with_a_warning(tmp_path):
    ArticleFactory(slug="clash", extra_metadata={"title": "shadow", "kept": 1})
    report = export_articles(tmp_path)
    assert report.warnings == [
        f"{tmp_path / 'clash.md'}: extra metadata keys title clash with the file's own keys "
        "and were left out"
    ]
    meta = yaml.safe_load((tmp_path / "clash.md").read_text().split("---\n")[1])
    assert meta["kept"] == 1 and meta["title"] != "shadow"


def test_an_article_without_a_title_goes_out_and_back_without_one(tmp_path):
    ArticleFactory(title="", headline="The headline stands in", slug="headline-only")
    export_articles(tmp_path)
    meta = yaml.safe_load((tmp_path / "headline-only.md").read_text().split("---\n")[1])
    assert "title" not in meta and meta["header_title"] == "The headline stands in"
    empty_database()
    assert import_articles([tmp_path], time_zone="UTC").count(Result.CREATED) == 1
    article = Article.objects.get()
    assert (article.title, article.display_title) == ("", "The headline stands in")


def test_export_replaces_a_symbolic_link_instead_of_writing_through_it(tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    out = tmp_path / "out"
    out.mkdir()
    (out / "linked.md").symlink_to(target)
    ArticleFactory(slug="linked")
    export_articles(out)
    assert target.read_text() == "keep me"
    assert not (out / "linked.md").is_symlink()
    assert [p.name for p in out.iterdir()] == ["linked.md"]


def test_export_command(tmp_path):
    ArticleFactory(slug="one")
    out = io.StringIO()
    call_command("export_articles", str(tmp_path / "dir"), stdout=out)
    assert out.getvalue() == f"Exported 1 articles to {tmp_path / 'dir'}.\n"
    assert (tmp_path / "dir" / "one.md").exists()

    (tmp_path / "file").write_text("")
    with pytest.raises(CommandError) as error:
        call_command("export_articles", str(tmp_path / "file"))
    assert error.value.returncode == 2
