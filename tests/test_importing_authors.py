"""The importer reads `authors` (a name, names, or mappings with a name and a url, role or
slug) and a static-site generator's `author`, finds or makes each author by the slug of
the name, keeps their order, and says clearly what it cannot read."""

import pytest
import yaml

from articles.importing import Result
from articles.importing.exporting import article_to_text
from articles.models import Article, ArticleAuthor, Author
from tests.test_importing import article_file, only, run

pytestmark = pytest.mark.django_db


def credited(article=None):
    article = article or Article.objects.get()
    return [(b.author.name, b.author.slug, b.role) for b in article.bylines.all()]


def test_a_single_author_by_name(tmp_path):
    path = article_file(tmp_path, "a.md", {"title": "T", "author": "Олена Коваль"})
    only(run(path), Result.CREATED)
    assert credited() == [("Олена Коваль", "olena-koval", "author")]
    assert Article.objects.get().byline == ""


def test_authors_in_order_with_links_and_roles(tmp_path):
    meta = {
        "title": "T",
        "byline": "and agencies",
        "authors": [
            "Joe Roe",
            {"name": "Jane Doe", "url": "https://jane.example/"},
            {"name": "Pat Lens", "role": "photographs"},
            {"name": "John Smith", "slug": "john-smith-2"},
        ],
    }
    only(run(article_file(tmp_path, "a.md", meta)), Result.CREATED)
    assert credited() == [
        ("Joe Roe", "joe-roe", "author"),
        ("Jane Doe", "jane-doe", "author"),
        ("Pat Lens", "pat-lens", "photographs"),
        ("John Smith", "john-smith-2", "author"),
    ]
    assert Author.objects.get(slug="jane-doe").links == ["https://jane.example/"]
    assert Article.objects.get().byline == "and agencies"


def test_authors_are_found_by_slug_and_runs_are_idempotent(tmp_path):
    existing = Author.objects.create(name="Jane Doe", job_title="Courts reporter")
    article_file(tmp_path / "in", "a.md", {"title": "A", "authors": ["jane doe", "Joe Roe"]})
    article_file(
        tmp_path / "in",
        "b.md",
        {"title": "B", "authors": [{"name": "Joe Roe", "url": "https://joe.example/"}]},
    )
    report = run(tmp_path / "in")
    assert report.count(Result.CREATED) == 2
    assert Author.objects.count() == 2
    existing.refresh_from_db()
    assert (existing.name, existing.job_title) == ("Jane Doe", "Courts reporter")
    joe = Author.objects.get(slug="joe-roe")
    assert joe.links == ["https://joe.example/"]  # joined from the second file

    again = run(tmp_path / "in")
    assert again.count(Result.UNCHANGED) == 2
    assert Author.objects.count() == 2
    assert ArticleAuthor.objects.count() == 3


def test_a_file_that_drops_its_authors_drops_them(tmp_path):
    path = article_file(tmp_path, "a.md", {"title": "T", "authors": ["Jane Doe"]})
    run(path)
    article_file(tmp_path, "a.md", {"title": "T"})
    only(run(path), Result.UPDATED)
    assert credited() == []
    assert Author.objects.filter(slug="jane-doe").exists()  # the profile stays


def test_authors_wins_over_author_with_a_warning(tmp_path):
    meta = {
        "title": "T",
        "page_date": "2025-04-26T10:00:00+03:00",
        "authors": ["Jane Doe"],
        "author": "Someone Else",
    }
    outcome = only(run(article_file(tmp_path, "a.md", meta)), Result.CREATED)
    assert credited() == [("Jane Doe", "jane-doe", "author")]
    assert [line.split(": ", 1)[1] for line in outcome.warning_lines()] == [
        "author: not used: authors is given and wins"
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (42, "authors: expected a name or a list of authors, got a number"),
        ([["Jane"]], "authors: expected an author's name or a mapping, found a list"),
        ([{"url": "https://x.example/"}], "authors: an author without a name"),
        ([{"name": "Jane", "url": "javascript:alert(1)"}], "is not an http or https URL"),
        ([{"name": "Jane", "role": "editor"}], "authors: 'editor' is not a role"),
        ([{"name": "Jane", "email": "j@x.example"}], "authors: an author has no 'email'"),
        ([{"name": "Jane", "url": 5}], "authors: an author's url must be text, got a number"),
        (["J" * 201], "authors: an author's name is 201 characters; the limit is 200"),
        (["Jane\x07"], "authors: contains a control character"),
    ],
)
def test_an_unreadable_author_fails_the_file_naming_the_key(tmp_path, value, message):
    path = article_file(tmp_path, "a.md", {"title": "T", "authors": value})
    outcome = only(run(path), Result.FAILED)
    assert any(message in line for line in outcome.error_lines()), outcome.error_lines()
    assert not Article.objects.exists() and not Author.objects.exists()


def test_a_misspelt_author_key_is_named_as_the_file_spells_it(tmp_path):
    path = article_file(tmp_path, "a.md", {"title": "T", "author": {"name": "J", "mail": "x"}})
    outcome = only(run(path), Result.FAILED)
    assert outcome.error_lines() == [
        f"{path}: author: an author has no 'mail' (only name, url, role, slug)"
    ]


def test_the_export_writes_names_alone_unless_there_is_more_to_say(tmp_path):
    article = Article.objects.create(headline="T", slug="t")
    article.save(
        authors=[
            Author.objects.create(name="Jane Doe"),
            Author.objects.create(
                name="Joe Roe", links=["https://joe.example/", "https://b.example/"]
            ),
            (Author.objects.create(name="Pat Lens", slug="pat"), ArticleAuthor.Role.PHOTOGRAPHS),
        ]
    )
    text, _ = article_to_text(Article.objects.prefetch_related("bylines__author").get())
    assert yaml.safe_load(text.split("---\n")[1])["authors"] == [
        "Jane Doe",
        {"name": "Joe Roe", "url": "https://joe.example/"},
        {"name": "Pat Lens", "role": "photographs", "slug": "pat"},
    ]


def test_new_articles_with_authors_take_a_constant_number_of_queries(
    tmp_path, django_assert_max_num_queries
):
    def import_files(directory, count):
        for n in range(count):
            meta = {
                "title": f"Story {n}",
                "blog_url": f"https://o.example/{directory.name}/{n}",
                "authors": ["Jane Doe", "Joe Roe"],
            }
            article_file(directory, f"{n}.md", meta)
        return run(directory)

    import_files(tmp_path / "warm-up", 1)  # the authors exist from now on
    # The index; the batch's transaction; a lookup of each author, once a run; one insert
    # each of articles, bylines, revisions, redirects and rows of stored fragments.
    with django_assert_max_num_queries(10) as few:
        assert import_files(tmp_path / "few", 3).count(Result.CREATED) == 3
    with django_assert_max_num_queries(len(few)):
        assert import_files(tmp_path / "many", 30).count(Result.CREATED) == 30
    assert ArticleAuthor.objects.count() == 68
