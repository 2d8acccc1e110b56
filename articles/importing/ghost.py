"""Ghost export files (Ghost 4 to 6, `{"db": [{"data": {...}}]}`): each post becomes a
record of the archive format.

A Ghost export is one JSON document, often of hundreds of megabytes (each post is in it
three times: html, lexical and plain text). It is read as a stream (json_stream.py),
twice: first for the tables posts refer to (users, tags, their links, posts_meta), to
count the posts and to find any syntax error before a post is written; then post by
post. Only one post is in memory at a time; a single value longer than
--max-json-value is refused.
"""

import codecs
import re
from contextlib import contextmanager
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..models import Article
from .archive_format import key_name
from .ghost_documents import DocumentError, render_lexical, render_mobiledoc
from .html_body import text_of_html
from .items import ExportedPost, NotAnArticle, post_name
from .json_stream import JsonError, JsonStream, ValueTooLarge
from .problems import InvalidArticle, Problem, refuse
from .values import kind

GHOST_EXPORT_START = re.compile(r'\A\s*\{\s*"db"\s*:')
# Ghost writes its own address as this placeholder in exports.
GHOST_URL = "__GHOST_URL__"
STATUSES = {
    "published": Article.Status.PUBLISHED,
    "scheduled": Article.Status.PUBLISHED,  # with its date to come: scheduled
    "draft": Article.Status.DRAFT,
}
SOCIAL_NETWORKS = ("og", "twitter")
# A post's own document, newest format first, read when the export has no html for it.
DOCUMENTS = {"lexical": render_lexical, "mobiledoc": render_mobiledoc}
TABLES = ("users", "tags", "posts_authors", "posts_tags", "posts_meta")


class GhostExport:
    """A Ghost export file, read and checked on opening; iterating reads its posts."""

    def __init__(self, path: Path, options):
        self.path = path
        self.site_url = options.site_url.rstrip("/")
        self.value_limit = options.max_json_value
        self.count = 0
        tables = {name: [] for name in TABLES}
        with self._stream() as stream:
            for table in _tables(stream):
                if table == "posts":
                    self.count = sum(1 for _position in _rows(stream, table, skip=True))
                elif table in TABLES:
                    tables[table] = list(_rows(stream, table))
                else:
                    stream.skip()
        self.users = _by(tables["users"], "id")
        self.tags = _by(tables["tags"], "id")
        self.meta = _by(tables["posts_meta"], "post_id")
        self.authors_of = _links(tables["posts_authors"], "author_id")
        self.tags_of = _links(tables["posts_tags"], "tag_id")

    def __len__(self):
        return self.count

    def __iter__(self):
        try:
            with self._stream() as stream:
                for table in _tables(stream):
                    if table != "posts":
                        stream.skip()
                        continue
                    for position in stream.elements():
                        yield self._post(position, stream.value())
        except InvalidArticle as error:  # the file changed since it was opened
            yield ExportedPost(self.path, "after the last post read", problems=error.problems)

    @contextmanager
    def _stream(self):
        """The export as a JSON stream, its errors refused by name."""
        try:
            with open(self.path, "rb") as file:
                if not GHOST_EXPORT_START.match(
                    file.read(64).decode("utf-8", errors="replace").lstrip("\ufeff")
                ):
                    raise NotAnArticle(
                        'a JSON file, but not a Ghost export: it does not start {"db":'
                    )
                file.seek(0)
                stream = JsonStream(_Utf8Reader(file), value_limit=self.value_limit)
                yield stream
        except ValueTooLarge as error:
            raise refuse(
                "file", f"a single value of {error}; refused (see --max-json-value)"
            ) from None
        except JsonError as error:
            raise refuse("file", f"not valid JSON: {error}") from None
        except UnicodeDecodeError as error:
            raise refuse("file", f"not UTF-8 text (at byte {error.start:,})") from None
        except RecursionError:
            raise refuse("file", "the JSON is nested too deeply") from None
        except OSError as error:
            raise refuse("file", f"cannot be read ({error.strerror or error})") from None

    def _post(self, position, row) -> ExportedPost:
        if not isinstance(row, dict):
            return ExportedPost(
                self.path,
                f"post {position + 1}",
                problems=[Problem("", f"expected an object, got {kind(row)}")],
            )
        post_id = row.get("id")
        if not isinstance(post_id, str | int):
            post_id = position + 1
        post = ExportedPost(self.path, post_name(post_id, row.get("title")))
        fields = _Fields(row, self.meta.get(post_id) or {}, post.problems)
        if row.get("type", "post") != "post" or row.get("page") in (True, 1):
            post.not_an_article = "not a post: a page"
            return post
        record = post.record
        record[key_name("headline")] = fields.text("title")
        slug = fields.text("slug")
        if slug:
            record["slug"] = slug
            record[key_name("old_addresses")] = [f"/{slug}/"]
        self._status(fields, post)
        if published_at := fields.text("published_at"):
            try:
                moment = datetime.fromisoformat(published_at)
            except ValueError:
                post.problems.append(
                    Problem("published_at", f"{published_at[:40]!r} is not an ISO 8601 time")
                )
            else:
                # Ghost keeps times in UTC; old exports write them without the offset.
                moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
                record[key_name("published_at")] = moment.isoformat()
        self._seo_and_social(fields, record)
        record["tags"], internal = self._tags(post_id)
        if internal:
            post.warnings.append(
                Problem(
                    "tags",
                    "internal tags not imported (Ghost uses them for themes and routing): "
                    + ", ".join(internal),
                )
            )
        if record["tags"]:
            # The primary tag is the one Ghost's themes show above a post: the section.
            record["categories"] = [[record["tags"][0]]]
        if authors := self._authors(post_id):
            record["authors"] = authors
        if canonical := fields.text("canonical_url"):
            record["canonical"] = canonical
        self._lead_image(fields, record)
        self._body(fields, post)
        return post

    def _status(self, fields, post):
        status = fields.text("status")
        if status == "sent":
            post.warnings.append(
                Problem("status", "sent by email only in Ghost: imported as a draft")
            )
            status = "draft"
        if status not in STATUSES:
            post.problems.append(Problem("status", f"{status[:40]!r} is not a status Ghost uses"))
            return
        status = STATUSES[status]
        visibility = fields.text("visibility") or "public"
        if visibility != "public" and status == Article.Status.PUBLISHED:
            status = Article.Status.DRAFT
            post.warnings.append(
                Problem(
                    "visibility",
                    f"for {visibility} readers only in Ghost: imported as a draft (this site "
                    "has no members), to be published when it may be read by all",
                )
            )
        post.record["status"] = status

    def _seo_and_social(self, fields, record):
        excerpt = fields.text("custom_excerpt")
        # As Ghost does: the meta description, else the excerpt, which its themes also
        # show under the title (our standfirst).
        record[key_name("title")] = fields.text("meta_title")
        record[key_name("description")] = fields.text("meta_description") or excerpt
        record[key_name("lede")] = excerpt
        # Ghost has a title and description for each network (og_title, twitter_title…);
        # this site one pair for all: Open Graph's, else X's.
        for field in ("title", "description"):
            values = [fields.text(f"{network}_{field}") for network in SOCIAL_NETWORKS]
            record[key_name(f"social_{field}")] = next(filter(None, values), "")

    def _tags(self, post_id) -> tuple[list[str], list[str]]:
        public, internal = [], []
        for tag_id in self.tags_of.get(post_id, []):
            tag = self.tags.get(tag_id) or {}
            name = tag.get("name")
            if not isinstance(name, str) or not name.strip():
                continue
            if name.startswith("#") or tag.get("visibility") == "internal":
                internal.append(name)
            else:
                public.append(name)
        return public, internal

    def _authors(self, post_id) -> list[dict]:
        authors = []
        for user_id in self.authors_of.get(post_id, []):
            user = self.users.get(user_id) or {}
            if isinstance(user.get("name"), str) and user["name"].strip():
                author = {"name": user["name"].strip()}
                if isinstance(user.get("website"), str) and user["website"].strip():
                    author["url"] = user["website"].strip()
                authors.append(author)
        return authors

    def _lead_image(self, fields, record):
        url = fields.text("feature_image").replace(GHOST_URL, self.site_url)
        if not url:
            return
        if urlsplit(url).scheme in ("http", "https"):
            record[key_name("figure.original_url")] = url
        record[key_name("figure.original_path")] = unquote(urlsplit(url).path)
        record[key_name("figure.alt_text")] = fields.text("feature_image_alt")
        record[key_name("figure.caption")] = text_of_html(fields.text("feature_image_caption"))

    def _body(self, fields, post):
        html = fields.text("html")
        if not html:
            html = self._rendered_document(fields, post)
        post.html = html.replace(GHOST_URL, self.site_url)

    def _rendered_document(self, fields, post) -> str:
        """A post exported without its html (some exports and migration tools): the HTML
        of its lexical or mobiledoc, else its plain text, each said."""
        name = next((name for name in DOCUMENTS if fields.text(name)), None)
        plaintext = fields.text("plaintext")
        if name is None:
            return _paragraphs(plaintext)
        try:
            rendered = DOCUMENTS[name](fields.text(name))
        except DocumentError as error:
            if not plaintext:
                post.problems.append(Problem(name, f"cannot be read: {error}"))
                return ""
            post.warnings.append(
                Problem(
                    name,
                    f"cannot be read ({error}): the post's plain text was imported; its "
                    "formatting, images and cards were not",
                )
            )
            return _paragraphs(plaintext)
        if rendered.skipped:
            post.warnings.append(
                Problem(name, f"not imported (no HTML for them): {rendered.skipped_text()}")
            )
        if not text_of_html(rendered.html) and plaintext and "<img" not in rendered.html:
            post.warnings.append(
                Problem(name, "holds no text, but the post's plain text does: imported that")
            )
            return _paragraphs(plaintext)
        return rendered.html


def _paragraphs(plaintext: str) -> str:
    return "".join(f"<p>{escape(paragraph)}</p>" for paragraph in plaintext.split("\n\n"))


class _Fields:
    """A post's values, from its row or its posts_meta row (Ghost 4 and later keep the SEO
    and social fields there); a value of the wrong type is a problem of the post."""

    def __init__(self, row, meta, problems):
        self.row, self.meta, self.problems = row, meta, problems

    def text(self, name) -> str:
        value = self.row.get(name)
        if value is None or value == "":
            value = self.meta.get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.problems.append(Problem(name, f"expected text, got {kind(value)}"))
            return ""
        return value.strip()


def _tables(stream: JsonStream):
    """The names of the tables in db[0].data, the stream at each one's value in turn;
    the caller reads or skips it."""
    for key in stream.members():
        if key != "db":
            stream.skip()
            continue
        if stream.kind() != "[":
            raise refuse("db", "expected a list holding an object, as Ghost writes")
        for position in stream.elements():
            if position:
                stream.skip()
                continue
            if stream.kind() != "{":
                raise refuse("db", "expected a list holding an object, as Ghost writes")
            for name in stream.members():
                if name != "data":
                    stream.skip()
                elif stream.kind() != "{":
                    value = stream.value()
                    raise refuse("db[0].data", f"expected an object, got {kind(value)}")
                else:
                    yield from stream.members()


def _rows(stream, table, *, skip=False):
    """The rows of a table (each checked to be an object), or with `skip` only their
    positions: a post is read in the second pass."""
    if stream.kind() != "[":
        raise refuse(f"db[0].data.{table}", f"expected a list, got {kind(stream.value())}")
    for position in stream.elements():
        if skip:
            stream.skip()
            yield position
            continue
        row = stream.value()
        if not isinstance(row, dict):
            where = f"db[0].data.{table}[{position}]"
            raise refuse(where, f"expected an object, got {kind(row)}")
        yield row


class _Utf8Reader:
    """The file's text, its byte-order mark dropped; an invalid byte raises
    UnicodeDecodeError with its offset in the file."""

    def __init__(self, file):
        self.file = file
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.offset = 0  # bytes decoded before the current chunk

    def read(self, size):
        data = self.file.read(size)
        try:
            text = self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as error:
            error.start += self.offset
            raise
        self.offset += len(data)
        return text


def _by(rows: list[dict], key: str) -> dict:
    return {row[key]: row for row in rows if isinstance(row.get(key), str | int)}


def _links(rows: list[dict], target: str) -> dict:
    """post id → the ids its rows link it to, in their sort_order."""
    links: dict = {}
    for row in sorted(rows, key=_sort_order):
        if isinstance(row.get("post_id"), str | int) and isinstance(row.get(target), str | int):
            links.setdefault(row["post_id"], []).append(row[target])
    return links


def _sort_order(row) -> int:
    order = row.get("sort_order")
    return order if isinstance(order, int) else 0
