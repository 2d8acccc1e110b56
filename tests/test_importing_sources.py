"""Which files an import reads: every file under the paths given is imported or reported
by name with the reason it was not read. Nothing is passed over in silence."""

import os

import pytest

from articles.importing import Result
from articles.models import Article
from tests.test_importing import article_file, run
from tests.test_importing_hostile import call

pytestmark = pytest.mark.django_db


def skipped_lines(report):
    return sorted(outcome.skip_line() for outcome in report.skipped)


def test_every_markdown_html_and_text_extension_is_read(tmp_path):
    names = ("a.md", "b.markdown", "c.mdown", "d.txt", "e.MARKDOWN", "f.Mdown", "g.html", "h.HTM")
    for name in names:
        article_file(tmp_path, name, {"title": name})
    report = run(tmp_path)
    assert sorted(Article.objects.values_list("title", flat=True)) == sorted(names)
    assert report.count(Result.CREATED) == 8 and report.skipped == []


def test_each_file_not_read_is_named_with_its_reason(tmp_path):
    article_file(tmp_path, "a.md", {"title": "A", "page_date": "2024-05-01"})
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (tmp_path / "posts" / "Makefile").write_text("all:\n")
    article_file(tmp_path, ".draft.md", {"title": "Hidden"})
    article_file(tmp_path, ".git/objects/x.md", {"title": "In git"})
    (tmp_path / "posts" / "._b.md").write_bytes(b"\x00\x05\x16\x07")  # macOS metadata

    report = run(tmp_path)
    assert list(Article.objects.values_list("title", flat=True)) == ["A"]
    assert skipped_lines(report) == sorted(
        [
            f"{tmp_path / '.draft.md'}: hidden file; not read",
            f"{tmp_path / '.git'}: hidden folder; nothing in it is read",
            f"{tmp_path / 'posts' / '._b.md'}: hidden file; not read",
            f"{tmp_path / 'posts' / 'Makefile'}: not an article file (no extension); "
            "articles end in .md, .markdown, .mdown, .html, .htm or .txt, WordPress and "
            "Ghost exports in .xml or .json",
            f"{tmp_path / 'posts' / 'photo.jpg'}: not an article file (.jpg); "
            "articles end in .md, .markdown, .mdown, .html, .htm or .txt, WordPress and "
            "Ghost exports in .xml or .json",
        ]
    )
    assert report.count(Result.SKIPPED) == 5 and report.failed == []
    assert report.summary() == (
        "6 files: created 1, updated 0, unchanged 0, conflicts 0, skipped 5, failed 0, warnings 0."
    )


def test_a_file_named_on_the_command_line_follows_the_same_rules(tmp_path):
    stylesheet = tmp_path / "site.css"
    stylesheet.write_text("body {}\n")
    report = run(stylesheet)
    assert skipped_lines(report) == [
        f"{stylesheet}: not an article file (.css); "
        "articles end in .md, .markdown, .mdown, .html, .htm or .txt, WordPress and Ghost "
        "exports in .xml or .json"
    ]
    assert not Article.objects.exists()


def test_the_same_file_reached_twice_is_read_once_and_said_so(tmp_path):
    original = article_file(tmp_path, "sub/a.md", {"title": "A"})
    (tmp_path / "again.md").symlink_to(original)
    report = run(tmp_path)
    assert Article.objects.count() == 1
    assert skipped_lines(report) == [
        f"{tmp_path / 'sub' / 'a.md'}: the same file as {tmp_path / 'again.md'}; read once"
    ]


def test_a_pipe_or_device_in_the_tree_is_reported_not_opened(tmp_path):
    article_file(tmp_path, "a.md", {"title": "A"})
    os.mkfifo(tmp_path / "pipe.md")  # opening it would wait for a writer for ever
    report = run(tmp_path)
    assert skipped_lines(report) == [
        f"{tmp_path / 'pipe.md'}: not a regular file (a pipe, socket or device); not read"
    ]
    assert Article.objects.count() == 1


def test_skipped_names_are_printed_escaped(tmp_path):
    (tmp_path / "evil\nx.md: imported.jpg").write_bytes(b"")
    report = run(tmp_path)
    (line,) = skipped_lines(report)
    assert "\n" not in line and line.startswith(repr(str(tmp_path / "evil\nx.md: imported.jpg")))


def test_the_command_lists_skipped_files_counts_them_and_exits_0(tmp_path):
    article_file(tmp_path, "a.markdown", {"title": "A", "page_date": "2024-05-01"})
    (tmp_path / "b.css").write_text("body {}\n")
    code, out, err = call(tmp_path)
    assert code == 0 and err == ""
    assert (
        f"Skipped (not read):\n  {tmp_path / 'b.css'}: not an article file (.css); "
        "articles end in .md, .markdown, .mdown, .html, .htm or .txt, WordPress and Ghost "
        "exports in .xml or .json\n"
    ) in out
    assert out.splitlines()[-1] == (
        "2 files: created 1, updated 0, unchanged 0, conflicts 0, skipped 1, failed 0, warnings 0."
    )
