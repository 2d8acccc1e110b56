"""Front matter keys of static-site generators (Jekyll, Hugo, Zola, Eleventy, Astro) read
as the archive format's own: `date`, and `description` / `summary` / `excerpt`. The
format's key wins where both are given."""

from datetime import UTC, datetime

import pytest

from articles.importing import Result, export_articles
from articles.models import Article
from tests.test_importing import run

pytestmark = pytest.mark.django_db

JEKYLL_POST = """\
---
layout: post
title: "Floods reach the old town"
date: 2024-05-01 10:00:00 +0200
description: Water rose two metres overnight.
tags: [floods, weather]
---

The river broke its banks at dawn.
"""


def write(directory, name, text):
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def warnings_of(report):
    return [line for outcome in report.outcomes for line in outcome.warning_lines()]


def test_a_jekyll_post_is_imported_dated_published_and_described(tmp_path):
    path = write(tmp_path, "2024-05-01-floods.markdown", JEKYLL_POST)
    report = run(tmp_path)
    assert report.count(Result.CREATED) == 1, [o.error_lines() for o in report.outcomes]
    article = Article.objects.get()
    assert article.title == "Floods reach the old town"
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert article.description == "Water rose two metres overnight."
    assert [tag.name for tag in article.tags.all()] == ["floods", "weather"]
    assert article.extra_metadata == {"layout": "post"}  # only the key we have no field for
    assert warnings_of(report) == [
        f"{path}: front matter: kept in extra metadata (no field for them): layout"
    ]


@pytest.mark.parametrize("key", ["description", "summary", "excerpt"])
def test_each_description_spelling_fills_the_description(tmp_path, key):
    write(tmp_path, "a.md", f"---\ntitle: T\npage_date: 2024-05-01\n{key}: Said so.\n---\n\nB.\n")
    report = run(tmp_path)
    assert Article.objects.get().description == "Said so."
    assert warnings_of(report) == []


def test_the_archive_formats_key_wins_and_a_disagreeing_alias_is_named(tmp_path):
    path = write(
        tmp_path,
        "a.md",
        "---\ntitle: T\npage_date: 2024-05-01 09:00\ndate: 2023-01-01\n"
        "des: The seed's.\nsummary: A generator's.\nexcerpt: The seed's.\n---\n\nB.\n",
    )
    report = run(tmp_path)
    article = Article.objects.get()
    assert article.description == "The seed's."
    assert article.published_at == datetime(2024, 5, 1, 6, 0, tzinfo=UTC)  # Kyiv, UTC+3
    # An alias that agrees is silent; one that does not is named, never lost in silence.
    assert sorted(warnings_of(report)) == [
        f"{path}: date: not used: page_date is given and wins",
        f"{path}: summary: not used: des is given and wins",
    ]


def test_among_aliases_alone_the_first_in_the_table_wins(tmp_path):
    path = write(
        tmp_path,
        "a.md",
        "---\ntitle: T\ndate: 2024-05-01\nsummary: Second.\ndescription: First.\n---\n\nB.\n",
    )
    report = run(tmp_path)
    assert Article.objects.get().description == "First."
    assert warnings_of(report) == [f"{path}: summary: not used: description is given and wins"]


def test_a_bad_value_under_a_losing_alias_does_not_fail_the_file(tmp_path):
    path = write(tmp_path, "a.md", "---\ntitle: T\npage_date: 2024-05-01\ndate: soon\n---\n\nB.\n")
    report = run(tmp_path)
    assert report.count(Result.CREATED) == 1
    assert warnings_of(report) == [f"{path}: date: not used: page_date is given and wins"]


def test_a_bad_date_under_an_alias_is_named_as_spelt(tmp_path):
    path = write(tmp_path, "a.md", "---\ntitle: T\ndate: soon\n---\n\nB.\n")
    outcome = run(tmp_path).outcomes[0]
    assert outcome.result == Result.FAILED
    assert outcome.error_lines()[0].startswith(f"{path}: date: 'soon' is not a date")


def test_the_exporter_writes_the_archive_formats_keys(tmp_path):
    write(tmp_path, "a.markdown", JEKYLL_POST)
    run(tmp_path)
    out = tmp_path / "out"
    export_articles(out)
    text = (out / f"{Article.objects.get().slug}.md").read_text(encoding="utf-8")
    assert "\ndes: Water rose two metres overnight.\n" in text
    assert "\npage_date: '2024-05-01T" in text
    assert "\ndate:" not in text and "\ndescription:" not in text
