"""The importer against hostile and broken input, directory walking, downloads, and the
command's exit statuses and output."""

import http.server
import io
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.management import CommandError, call_command

from articles.importing import Result
from articles.management.commands.import_articles import ProgressBar
from articles.models import Article, Figure
from tests.factories import image_bytes
from tests.test_importing import FIGURE, SEEDS, article_file, only, run

pytestmark = pytest.mark.django_db


def write_bytes(tmp_path, name, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def failure(path, **options):
    outcome = only(run(path, **options), Result.FAILED)
    assert not Article.objects.exists()
    return outcome.error_lines()


# --- Untrusted YAML -----------------------------------------------------------------

BILLION_LAUGHS = """---
title: lol
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
---
Body
"""


def test_a_yaml_alias_bomb_is_refused_without_expanding_it(tmp_path):
    # Expanded, this is 9**9 strings: the test would run out of memory, not merely fail.
    path = write_bytes(tmp_path, "a.md", BILLION_LAUGHS.encode())
    assert failure(path) == [f"{path}: front matter: YAML aliases (*a) are not accepted (line 4)"]


def test_yaml_cannot_construct_python_objects(tmp_path):
    marker = tmp_path / "pwned"
    text = f'---\ntitle: !!python/object/apply:os.system ["touch {marker}"]\n---\nBody\n'
    path = write_bytes(tmp_path, "a.md", text.encode())
    [line] = failure(path)
    assert line.startswith(f"{path}: front matter: not valid YAML: ")
    assert not marker.exists()


@pytest.mark.parametrize("opening", ["[", "{a: "])
def test_deeply_nested_yaml_is_refused(tmp_path, opening):
    # Far past what the YAML library itself refuses, so its own limit never decides.
    closing = "]" if opening == "[" else "}"
    text = "---\ntitle: T\nx: " + opening * 5000 + "1" + closing * 5000 + "\n---\nBody\n"
    path = write_bytes(tmp_path, "a.md", text.encode())
    assert failure(path) == [f"{path}: front matter: nested more than 20 levels deep (line 3)"]


def test_yaml_nested_to_the_limit_is_read(tmp_path):
    value = "[" * 20 + "1" + "]" * 20
    path = write_bytes(tmp_path, "a.md", f"---\ntitle: T\nx: {value}\n---\nBody\n".encode())
    only(run(path), Result.CREATED)
    nested = Article.objects.get().extra_metadata["x"]
    for _ in range(20):
        [nested] = nested
    assert nested == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\ntitle: [unclosed\n---\nBody\n", "front matter: not valid YAML: "),
        ("---\ntitle: T\nBody without an end\n", "front matter: no closing '---' line"),
        ("---\n- a\n- list\n---\nBody\n", "front matter: expected 'key: value' lines, got a list"),
        ("---\n1: one\n---\nBody\n", "front matter: keys must be text, got a number"),
        ('---\ntitle: "nul \\0 inside"\n---\nBody\n', "title: contains a NUL character"),
        ('---\ntitle: "\\ud800"\n---\nBody\n', "front matter: not valid YAML"),
        ("---\ntitle: T\nscore: .nan\n---\nBody\n", "score: infinite and not-a-number"),
        ("---\ntitle: T\nblob: !!binary aGVsbG8=\n---\nBody\n", "blob: binary data cannot be kept"),
        ("---\n---\n", "title: the file has no title, headline or text"),
        ("date 2025-01-01 only furniture\n", "body: the file has no article text"),
        ("date 2025-02-30\n\nText.\n", "date: '2025-02-30' is not a valid date"),
        # YAML reads these, but Python cannot hold them: they once ended the whole run.
        (
            "---\ntitle: T\npage_date: 2025-02-31\n---\nBody\n",
            "page_date: '2025-02-31' is not a real date (day is out of range for month) (line 3)",
        ),
        (
            "---\ntitle: T\nviews: " + "9" * 5000 + "\n---\nBody\n",
            "views: a number of 5,000 digits is too long to keep (line 3)",
        ),
        (
            "---\ntitle: T\nrelated: {when: [2025-13-01]}\n---\nBody\n",
            "front matter: '2025-13-01' is not a real date (month must be in 1..12) (line 3)",
        ),
        (
            "---\ntitle: T\npage_date: 0001-01-01T00:00:00+05:00\n---\nBody\n",
            "page_date: '0001-01-01 00:00:00+05:00' is out of the range of dates",
        ),
        (
            '---\ntitle: T\npage_date: "9999-12-31T23:59:59-05:00"\n---\nBody\n',
            "page_date: '9999-12-31T23:59:59-05:00' is out of the range of dates",
        ),
        # A key given twice: YAML would silently keep the last value.
        (
            "---\ntitle: First\ndes: D\ntitle: Second\n---\nBody\n",
            "title: given twice with different values (lines 2 and 4); keep the one that is right",
        ),
        (
            "---\ntitle: T\nsocial: {site: a, site: b}\n---\nBody\n",
            "front matter: 'site' is given twice with different values (lines 3 and 3)",
        ),
        ("---\n~: nothing\ntitle: T\n---\nBody\n", "front matter: keys must be text, got null"),
        # XML 1.0 cannot carry control characters: one in a headline took the feeds down.
        (
            '---\ntitle: T\nheader_title: "Bell \\a"\n---\nBody\n',
            "header_title: contains a control character (U+0007) that web pages and feeds "
            "cannot carry",
        ),
        ('---\ntitle: T\ntags: ["a\\eb"]\n---\nBody\n', "tags: contains a control character"),
        (
            "---\ntitle: T\n---\nOne\n\nTwo\x0cthree\n",
            "body: contains a control character (U+000C) that web pages and feeds cannot carry "
            "(line 6)",
        ),
        ("date 2025-01-01\n\nPlain \x1b text.\n", "body: contains a control character (U+001B)"),
        # TOML (Hugo, Zola) and JSON (Hugo, Eleventy) front matter, held to the same rules.
        (
            '+++\ntitle = "T"\ndate = 2024-05-01\nbroken = [1,\n  x\n+++\nBody\n',
            "front matter: not valid TOML: Invalid value (line 5, column 3)",
        ),
        ('+++\ntitle = "T"\nx = [1,\n+++\nBody\n', "front matter: not valid TOML: "),
        ('+++\ntitle = "T"\nBody without an end\n', "front matter: no closing '+++' line"),
        (
            '+++\ntitle = "One"\ntitle = "Two"\n+++\nBody\n',
            "title: given twice (lines 2 and 3); keep the one that is right",
        ),
        (
            "+++\ntitle = 'T'\nviews = " + "9" * 5000 + "\n+++\nBody\n",
            "front matter: not valid TOML",
        ),
        (
            '+++\ntitle = "T"\nx = ' + "[" * 21 + "1" + "]" * 21 + "\n+++\nBody\n",
            "front matter: nested more than 20 levels deep",
        ),
        (
            '+++\ntitle = "T"\nx = ' + "[" * 5000 + "]" * 5000 + "\n+++\nBody\n",
            "front matter: the TOML is nested too deeply",
        ),
        (
            '\n{\n  "title": "T",\n  "tags": ["a",]\n}\nBody\n',
            "front matter: not valid JSON: Expecting value (line 4, column 16)",
        ),
        ('{\n  "title": "T"\nBody\n', "front matter: not valid JSON: "),
        (
            '{"title": "One", "des": "D", "title": "Two"}\nBody\n',
            "title: given twice with different values; keep the one that is right",
        ),
        ('{"title": "T", "score": NaN}\nBody\n', "front matter: NaN is not a number JSON allows"),
        (
            '{"title": "T", "views": ' + "9" * 5000 + "}\nBody\n",
            "front matter: a number of 5,000 digits is too long to keep",
        ),
        ('{"title": "T", "x": ' + "[" * 5000 + "]" * 5000 + "}\nBody\n", "front matter: "),
        ('{"title": "nul \\u0000 inside"}\nBody\n', "title: contains a NUL character"),
        ('---json\n["a", "list"]\n---\nBody\n', "front matter: expected a JSON object, got a list"),
        (
            "---js\nmodule.exports = {title: 'T'}\n---\nBody\n",
            "front matter: '---js' front matter is not read; write it as YAML (---), TOML (+++) "
            "or JSON (---json)",
        ),
    ],
)
def test_broken_files_fail_with_a_line_naming_file_and_field(tmp_path, text, message):
    path = write_bytes(tmp_path, "a.md", text.encode())
    [line] = failure(path)
    assert line.startswith(f"{path}: {message}")


def test_a_file_yaml_reads_but_python_cannot_hold_fails_alone(tmp_path):
    bad = write_bytes(tmp_path, "a.md", b"---\ntitle: Bad\npage_date: 2025-02-31\n---\nBody\n")
    article_file(tmp_path, "b.md", {"title": "Good", "page_date": "2025-02-28"})
    report = run(tmp_path)
    assert [outcome.result for outcome in report.outcomes] == [Result.FAILED, Result.CREATED]
    assert report.outcomes[0].error_lines()[0].startswith(f"{bad}: page_date: ")
    assert Article.objects.get().title == "Good"


def test_the_same_key_given_twice_with_the_same_value_loses_nothing(tmp_path):
    path = write_bytes(tmp_path, "a.md", b"---\ntitle: T\ntitle: T\ndes: D\n---\nBody\n")
    only(run(path), Result.CREATED)
    assert Article.objects.get().title == "T"


def test_a_body_of_unclosed_brackets_imports_promptly(tmp_path):
    # Python-Markdown took seconds on 4,000 unclosed brackets and hours on 50,000;
    # markdown-it-py parses in linear time.
    path = article_file(tmp_path, "a.md", {"title": "T"}, body="[" * 50_000)
    only(run(path), Result.CREATED)
    assert Article.objects.get().body_html == "<p>" + "[" * 50_000 + "</p>\n"


def test_an_over_long_body_is_refused(tmp_path, settings):
    limit = Article._meta.get_field("body").max_length
    body = "x" * (limit + 1)
    path = article_file(tmp_path, "a.md", {"title": "T"}, body=body)
    assert failure(path) == [f"{path}: body: {limit + 1:,} characters; the limit is {limit:,}"]


def test_a_yaml_error_gives_the_line_in_the_file(tmp_path):
    text = "---\n  title: T\n  des: [broken\n---\nBody\n"
    [line] = failure(write_bytes(tmp_path, "a.md", text.encode()))
    assert "(line 4," in line


# --- Bytes that are not the text we accept ------------------------------------------


def test_a_file_over_the_size_cap_is_refused(tmp_path):
    path = article_file(tmp_path, "a.md", {"title": "T"}, body="x" * 2000)
    assert failure(path, max_bytes=1000)[0].startswith(f"{path}: file: the file is ")
    only(run(path, max_bytes=10_000), Result.CREATED)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("---\ntitle: Café\n---\nBody\n".encode("latin-1"), "file: not UTF-8 text (byte 0xe9"),
        ("---\ntitle: T\n---\nBody\n".encode("utf-16"), "file: the file is UTF-16 text"),
        (b"---\ntitle: T\n---\nBo\x00dy\n", "file: the file is binary"),
        (b"\xff\xd8\xff\xe0 a jpeg", "file: not UTF-8 text"),
        (b"  \n\n\t\n", "file: the file is empty"),
    ],
)
def test_files_that_are_not_utf8_text_are_refused(tmp_path, data, message):
    path = write_bytes(tmp_path, "a.txt", data)
    assert failure(path)[0].startswith(f"{path}: {message}")


def test_a_byte_order_mark_and_crlf_line_endings_are_fine(tmp_path):
    text = (
        '---\r\n  title: "Caf\u00e9"\r\n  page_date: "2025-01-01"\r\n---\r\n\r\nOne\r\n\r\nTwo\r\n'
    )
    path = write_bytes(tmp_path, "a.md", b"\xef\xbb\xbf" + text.encode())
    only(run(path), Result.CREATED)
    article = Article.objects.get()
    assert (article.title, article.body) == ("Café", "One\n\nTwo")


def test_markup_in_fields_is_stored_as_text_and_never_reaches_a_page_live(tmp_path, client):
    meta = {
        "title": "<script>alert('title')</script>",
        "des": '"><img src=x onerror=alert(1)>',
        "page_date": "2020-01-01",
        "img_alt": '" onmouseover="alert(1)',
    }
    body = (
        "Hello <script>alert(1)</script> [x](javascript:alert(1)) "
        '<iframe src="https://evil.example"></iframe> <b onclick="alert(1)">bold</b>'
    )
    only(run(article_file(tmp_path, "a.md", meta, body=body)), Result.CREATED)
    article = Article.objects.get()
    assert article.title == meta["title"]  # stored as written: escaping is the page's job
    for bad in ("<script", '="javascript:', "<iframe", "onclick"):
        assert bad not in article.body_html
    soup = BeautifulSoup(client.get(article.get_absolute_url()).content, "html.parser")
    assert not soup.find_all(["iframe", "object", "embed"])
    for element in soup.find_all(True):
        assert not [name for name in element.attrs if name.lower().startswith("on")], element
        for value in element.attrs.values():
            assert not str(value).strip().lower().startswith("javascript:"), element
    for script in soup.find_all("script"):
        assert script.get("type") == "application/ld+json"
        assert "alert" not in script.get_text() or "<" not in script.get_text()


# --- Directories and links ----------------------------------------------------------


def test_directories_are_recursed_for_article_files_only(tmp_path):
    article_file(tmp_path, "a.md", {"title": "A"})
    article_file(tmp_path, "deeper/b.txt", {"title": "B"})
    article_file(tmp_path, "deeper/c.css", {"title": "C"})
    article_file(tmp_path, ".hidden/d.md", {"title": "D"})
    article_file(tmp_path, "deeper/e.MD", {"title": "E"})
    report = run(tmp_path)
    assert sorted(Article.objects.values_list("title", flat=True)) == ["A", "B", "E"]
    assert report.count(Result.FAILED) == 0 and report.count(Result.SKIPPED) == 2


def test_symbolic_link_loops_and_links_out_of_the_tree_are_not_followed(tmp_path):
    tree = tmp_path / "tree"
    article_file(tree, "sub/a.md", {"title": "A"})
    article_file(tmp_path, "outside/secret.md", {"title": "Secret"})
    (tree / "sub" / "loop").symlink_to(tree)
    (tree / "escape").symlink_to(tmp_path / "outside")
    (tree / "secret.md").symlink_to(tmp_path / "outside" / "secret.md")
    (tree / "again.md").symlink_to(tree / "sub" / "a.md")
    (tree / "dangling.md").symlink_to(tree / "nowhere.md")

    report = run(tree)
    assert list(Article.objects.values_list("title", flat=True)) == ["A"]
    # Each is named and passed over, a warning rather than a failure (exit status 0).
    assert report.failed == []
    assert sorted(outcome.skip_line() for outcome in report.skipped) == [
        f"{tree / 'dangling.md'}: broken symbolic link or link loop; not followed",
        f"{tree / 'escape'}: symbolic link leaves the tree; not followed",
        f"{tree / 'secret.md'}: symbolic link leaves the tree; not followed",
        f"{tree / 'sub' / 'a.md'}: the same file as {tree / 'again.md'}; read once",
        f"{tree / 'sub' / 'loop'}: symbolic link loop; not followed",
    ]


# --- Downloads, from a server on this machine ---------------------------------------


@pytest.fixture
def image_server(monkeypatch):
    """A tiny HTTP server on 127.0.0.1: {path: (status, bytes)}. Its `fetch` options
    download from it: a loopback address, which only the private-network allowance lets
    the importer reach."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    routes = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            status, body = routes.get(self.path, (404, b"not found"))
            self.send_response(status)
            if status in (301, 302):
                self.send_header("Location", body.decode())
                body = b""
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.routes = routes
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    server.fetch = {"fetch_images": True, "fetch_images_from_private_network": True}
    yield server
    server.shutdown()
    server.server_close()


def test_fetch_images_downloads_a_missing_file(tmp_path, image_server):
    image_server.routes["/road.jpg"] = (200, image_bytes(400, 300))
    meta = {**FIGURE, "img_url_full": f"{image_server.url}/road.jpg"}
    path = article_file(tmp_path, "a.md", meta)
    only(run(path, **image_server.fetch), Result.CREATED)
    figure = Article.objects.get().lead_figure
    assert figure.image and figure.width == 400


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        ((404, b"gone"), "download failed: HTTP 404"),
        ((200, b"<html>not an image</html>"), "not a usable image"),
        ((302, b"ftp://files.example/road.jpg"), "redirected to a non-web address"),
        ((302, b"file:///etc/passwd"), "is not allowed"),
        ((200, b"x" * 3000), "the download is 3,000 bytes; the limit is 2,000"),
    ],
)
def test_a_failed_download_is_a_missing_image_warning(
    tmp_path, image_server, settings, route, reason
):
    settings.IMAGE_MAX_BYTES = 2000
    image_server.routes["/road.jpg"] = route
    meta = {**FIGURE, "img_url_full": f"{image_server.url}/road.jpg"}
    path = article_file(tmp_path, "a.md", meta)
    outcome = only(run(path, **image_server.fetch), Result.CREATED)
    assert not Figure.objects.get().image
    [warning] = [line for line in outcome.warning_lines() if "image file missing" in line]
    assert reason in warning


# --- The command ---------------------------------------------------------------------


def call(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_articles", *map(str, args), stdout=out, stderr=err)
        code = 0
    except CommandError as error:
        code = error.returncode
        err.write(str(error))
    return code, out.getvalue(), err.getvalue()


def test_command_imports_the_samples_and_is_idempotent():
    code, out, err = call(SEEDS)
    assert code == 0 and err == ""
    assert out.splitlines()[-1] == (
        "2 files: created 2, updated 0, unchanged 0, conflicts 0, skipped 0, failed 0, warnings 3."
    )
    assert "Warnings:" in out and "image file missing" in out
    code, out, err = call(SEEDS)
    assert code == 0
    assert out == (
        "2 files: created 0, updated 0, unchanged 2, conflicts 0, skipped 0, failed 0, "
        "warnings 0.\n"
    )


def test_command_reports_each_failure_on_stderr_and_exits_1_after_the_rest(tmp_path):
    good = article_file(tmp_path, "a.md", {"title": "Good"})
    bad = article_file(tmp_path, "b.md", {"title": "Bad", "header_title": "h" * 301})
    code, out, err = call(tmp_path)
    assert code == 1
    assert f"{bad}: header_title: 301 characters; the limit is 300\n" in err
    assert "Traceback" not in err and "\r" not in err  # no progress bar in a pipe
    assert "created 1," in out and "failed 1," in out
    assert Article.objects.get().title == "Good" and good.exists()


def test_command_lists_conflicts(tmp_path):
    path = article_file(tmp_path, "a.md", {"title": "T"})
    call(path)
    Article.objects.get().save()
    article_file(tmp_path, "a.md", {"title": "T"}, body="A corrected body.")
    code, out, _ = call(path)
    assert code == 0 and "conflicts 1" in out
    assert f"  {path}: article 't' edited in the admin since its last import" in out


def test_command_dry_run_says_so(tmp_path):
    code, out, _ = call(article_file(tmp_path, "a.md", {"title": "T"}), "--dry-run")
    assert code == 0 and "Dry run, nothing was written." in out
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sample_content/articles", "--timezone", "Mars/Olympus"], "unknown time zone"),
        (["no/such/dir"], "No such file or directory: no/such/dir"),
        (["sample_content/articles", "--images-root", "no/such/dir"], "is not a directory"),
        (["sample_content/articles", "--status", "withdrawn"], "invalid choice"),
        (["sample_content/articles", "--max-bytes", "0"], "must be a positive number"),
        ([], "the following arguments are required: paths"),
    ],
)
def test_usage_errors_exit_2_before_touching_the_database(args, message):
    # A real process for the real exit status; every case stops before any query.
    result = subprocess.run(
        [sys.executable, "manage.py", "import_articles", *args],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_progress_bar_draws_on_a_terminal_stream():
    stream = io.StringIO()
    bar = ProgressBar(stream)
    bar.update(5, 10)
    bar.update(10, 10)
    assert stream.getvalue().endswith("\r[" + "#" * 30 + "] 10/10")
    bar.clear()
    assert stream.getvalue().endswith("\r\033[K")


def test_a_download_that_trickles_in_is_abandoned_at_the_deadline(image_server):
    from articles.importing.image_files import ImageUnavailable, fetch_image

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def trickle():
        connection, _ = listener.accept()
        with connection:
            connection.recv(4096)
            connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 1000\r\n\r\n")
            try:
                for _ in range(1000):  # a byte every 50 ms: no single read ever times out
                    connection.sendall(b"x")
                    time.sleep(0.05)
            except OSError:
                pass  # the importer hung up

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        with pytest.raises(ImageUnavailable, match=r"the download took over 0.5 s; abandoned"):
            fetch_image(
                f"http://127.0.0.1:{listener.getsockname()[1]}/a.jpg",
                deadline=0.5,
                allow_private=True,
            )
    finally:
        listener.close()
    assert time.monotonic() - started < 3


def test_a_download_that_never_answers_times_out(image_server):
    from articles.importing.image_files import ImageUnavailable, fetch_image

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts the connection, never answers
    try:
        with pytest.raises(ImageUnavailable, match="timed out"):
            fetch_image(
                f"http://127.0.0.1:{listener.getsockname()[1]}/a.jpg",
                timeout=0.5,
                allow_private=True,
            )
    finally:
        listener.close()


def test_a_run_killed_mid_way_leaves_whole_articles_and_a_rerun_completes(tmp_path):
    # A real process, killed with SIGKILL (no chance to clean up) once a few batches have
    # committed, on a database file of its own.
    database = tmp_path / "killed.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }

    def manage(*args, **kwargs):
        command = [sys.executable, "manage.py", *args]
        return subprocess.run(command, cwd=settings.BASE_DIR, env=env, timeout=300, **kwargs)

    def count(sql):
        with closing(sqlite3.connect(database, timeout=30)) as db:
            return db.execute(sql).fetchone()[0]

    manage("migrate", "--verbosity", "0", check=True)
    total = 4000
    for n in range(0, total, 2):
        meta = {"title": f"Story {n}", "blog_url": f"https://old.example/{n}", "tags": ["a", "b"]}
        article_file(tmp_path / "files", f"{n:04d}.md", meta)
        # Every other file a Hugo post: TOML, its old address and an alias, two redirects.
        toml = f'+++\ntitle = "Story {n + 1}"\ntags = ["a", "b"]\nurl = "/old/{n + 1}/"\n'
        (tmp_path / "files" / f"{n + 1:04d}.md").write_text(
            f'{toml}aliases = ["/older/{n + 1}/"]\n+++\n\nBody text.\n'
        )

    kill_import_once_committed([str(tmp_path / "files")], env=env, count=count, articles=200)

    written = count("SELECT COUNT(*) FROM articles_article")
    assert 0 < written < total, "kill the run mid-way"
    # Each article whole: both its taggings and its redirects are there.
    assert count("SELECT COUNT(*) FROM articles_taggedarticle") == 2 * written
    hugo = count("SELECT COUNT(*) FROM articles_article WHERE source_url = ''")
    assert 0 < hugo < written
    assert count("SELECT COUNT(*) FROM django_redirect") == written + hugo

    again = manage("import_articles", str(tmp_path / "files"), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert f"created {total - written}, updated 0, unchanged {written}," in again.stdout
    assert count("SELECT COUNT(*) FROM articles_article") == total


def kill_import_once_committed(arguments, *, env, count, articles, then_wait=0.0):
    """Run `manage.py import_articles ARGUMENTS` and SIGKILL it once `count` (a query of
    its SQLite database) sees `articles` articles committed, `then_wait` seconds later;
    120 s at most."""
    command = [sys.executable, "manage.py", "import_articles", *arguments]
    process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(0.05)
        try:
            if count("SELECT COUNT(*) FROM articles_article") >= articles:
                break
        except sqlite3.OperationalError:
            pass  # the importer holds the write lock
    time.sleep(then_wait)
    process.kill()
    process.wait(timeout=30)
