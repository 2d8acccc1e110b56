"""One event, one line on the console: Django's log lines are written once, a refused
request (a bad Host header, a NUL byte) is one line rather than a traceback, and the
importer's reports stay one line per problem whatever the files are called, so a file
name can neither break a line nor forge one."""

import io
import re
import secrets

import pytest
from django.core.management import CommandError, call_command

from articles.importing import printable
from articles.models import Article
from tests.test_importing import article_file
from tests.test_settings import PRODUCTION, manage

# --- Django's log, as the console shows it ---------------------------------------------

REQUEST = (
    "from django.test import Client; "
    "r = Client().{method}({path!r}, headers={{'host': {host!r}}}, secure=True); "
    "print(r.status_code)"
)


@pytest.fixture(scope="module")
def collected_static_root(tmp_path_factory):
    # Production pages name collected static files (the 400 page too), and WhiteNoise
    # warns, on the very console these tests read, when their folder is missing.
    root = tmp_path_factory.mktemp("static")
    environment = {**PRODUCTION, "STATIC_ROOT": str(root), "SECRET_KEY": secrets.token_urlsafe(50)}
    result = manage("collectstatic", "--noinput", "-v", "0", **environment)
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(autouse=True)
def collected_static_files(collected_static_root, monkeypatch):
    monkeypatch.setenv("STATIC_ROOT", str(collected_static_root))


def console(method, path, *, host="news.example", debug="0"):
    """The status and the console's log lines when one request goes through the site as
    configured (settings, logging) in a fresh process, with no database at hand."""
    environment = {
        **PRODUCTION,
        "DEBUG": debug,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": "sqlite:////nonexistent/no-database-needed.sqlite3",
    }
    code = REQUEST.format(method=method, path=path, host=host)
    result = manage("shell", "--no-imports", "-c", code, **environment)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.split()[-1]), result.stderr.splitlines()


@pytest.mark.parametrize("debug", ["0", "1"])
def test_a_django_log_line_is_written_once(debug):
    status, lines = console("post", "/robots.txt", debug=debug)
    assert status == 405
    assert lines == ["Method Not Allowed (POST): /robots.txt"]


def test_runserver_still_logs_each_request_once_with_its_time():
    code = "import logging; logging.getLogger('django.server').info('\"GET / HTTP/1.1\" 200 5')"
    result = manage("shell", "--no-imports", "-c", code)
    assert result.returncode == 0, result.stderr
    (line,) = result.stderr.splitlines()
    assert re.fullmatch(r'\[\d\d/\w+/\d{4} [\d:,]+\] "GET / HTTP/1.1" 200 5', line)


@pytest.mark.parametrize("debug", ["0", "1"])
def test_a_bad_host_header_is_one_line_not_a_traceback(debug):
    status, lines = console("get", "/", host="evil.example\nforged line", debug=debug)
    assert status == 400
    assert len(lines) == 1, lines
    assert lines[0].startswith("Invalid HTTP_HOST header: 'evil.example\\nforged line'.")


def test_a_refused_nul_byte_is_one_line():
    status, lines = console("get", "/search/?q=%00")
    assert status == 400
    assert lines == [
        "The query parameter 'q' holds a NUL character (U+0000), which the database "
        "cannot store."
    ]


# --- The importer's report -------------------------------------------------------------

FORGED = "a\nforged.md: title: all well\r\x1b[2Kb"


def import_command(*paths, **options):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(
            "import_articles", *map(str, paths), stdout=out, stderr=err, **options
        )
        error = None
    except CommandError as raised:
        error = raised
    return out.getvalue().splitlines(), err.getvalue().splitlines(), error


def test_printable_keeps_plain_names_and_escapes_the_rest():
    assert printable("news/2024/київ.md") == "news/2024/київ.md"
    assert printable("a b.md") == "a b.md"
    assert printable("a\nb.md") == "'a\\nb.md'"
    assert printable("a\\nb.md") == "'a\\\\nb.md'"  # a backslash is not mistaken for one
    assert printable("a\u2028b\x1b[2K.md") == "'a\\u2028b\\x1b[2K.md'"
    assert printable("bad\udcff.md") == "'bad\\udcff.md'"  # undecodable bytes in a name
    for name in (FORGED, "x\x85y", "x\x0by"):
        assert len(printable(name).splitlines()) == 1


@pytest.mark.django_db
def test_a_failure_is_one_line_whatever_the_file_is_called(tmp_path):
    path = tmp_path / f"{FORGED}.md"
    path.write_text("   \n", encoding="utf-8")
    out, err, error = import_command(path)
    assert err == [f"{printable(path)}: file: the file is empty"]
    assert out == [
        "1 file: created 0, updated 0, unchanged 0, conflicts 0, skipped 0, failed 1, warnings 0."
    ]
    assert str(error) == "1 file could not be imported."


@pytest.mark.django_db
def test_a_warning_is_one_line_whatever_the_file_or_key_is_called(tmp_path):
    key = "odd\nkey" + FORGED
    meta = {"title": "T", "page_date": "2024-05-01", key: "v"}
    path = article_file(tmp_path, f"{FORGED}.md", meta)
    out, err, error = import_command(path)
    assert error is None and err == []
    assert out[0] == "Warnings:"
    assert len(out) == 3, out
    assert out[1] == (
        f"  {printable(path)}: front matter: kept in extra metadata (no field for them): "
        f"{printable(key)}"
    )
    assert out[2].startswith("1 file: created 1,")


@pytest.mark.django_db
def test_a_conflict_is_one_line_whatever_the_file_is_called(tmp_path):
    path = article_file(tmp_path, f"{FORGED}.md", {"title": "T", "blog_url": "https://o.example/a"})
    import_command(path)
    Article.objects.update(headline="Edited")
    article = Article.objects.get()
    article.save()  # stamped as an edit made in the admin
    article_file(tmp_path, f"{FORGED}.md", {"title": "T2", "blog_url": "https://o.example/a"})
    out, err, error = import_command(path)
    assert error is None and err == []
    assert out[0].startswith("Conflicts")
    assert out[1].startswith(f"  {printable(path)}: article ")
    assert len(out) == 3, out


def test_a_missing_path_is_named_on_one_line(tmp_path):
    out, err, error = import_command(tmp_path / FORGED)
    assert str(error) == f"No such file or directory: {printable(tmp_path / FORGED)}"
    assert len(str(error).splitlines()) == 1
    out, err, error = import_command(tmp_path, images_root=tmp_path / FORGED)
    assert len(str(error).splitlines()) == 1
    assert printable(tmp_path / FORGED) in str(error)
