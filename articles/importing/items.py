"""What an import reads one article from: a whole article file, or one post of a WordPress
or Ghost export file. Every item is read into the same ArticleData, so the rest of the
importer (identity, re-runs, conflicts, batches) never knows which it was."""

import json
from dataclasses import dataclass, field
from pathlib import Path

from .html_body import html_to_markdown
from .parsing import ArticleData, parse_article, parse_record
from .problems import InvalidArticle, Problem
from .sources import read_article_text

TITLE_SHOWN = 60


def post_name(post_id, title) -> str:
    """How a report names a post of an export file: its id and the start of its title."""
    name = f"post {post_id}"
    title = " ".join(title.split()) if isinstance(title, str) else ""
    if title:
        name += f" {title if len(title) <= TITLE_SHOWN else title[: TITLE_SHOWN - 1] + '…'!r}"
    return name


class NotAnArticle(Exception):
    """An item that is no article (a page, an attachment): reported as skipped, with why."""


@dataclass(eq=False)
class ArticleFile:
    path: Path
    name = ""  # the whole file is the article

    def text(self, options) -> str:
        """What the article is read from: its checksum is taken of this."""
        return read_article_text(self.path, max_bytes=options.max_bytes)

    def parse(self, text, options) -> ArticleData:
        return parse_article(text, tz=options.time_zone, path=self.path)


@dataclass(eq=False)
class ExportedPost:
    """One item of an export file. `record` holds keys of the archive format, as an article
    file's front matter would (see archive_format.py), and `html` the body to convert.
    An item that is no article has `not_an_article` saying why; one that cannot be read
    has `problems`."""

    path: Path
    name: str  # the post within the file, for the report: its id and title
    record: dict = field(default_factory=dict)
    html: str = ""
    not_an_article: str = ""
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def text(self, options) -> str:
        if self.not_an_article:
            raise NotAnArticle(self.not_an_article)
        if self.problems:
            raise InvalidArticle(self.problems)
        return json.dumps([self.record, self.html], sort_keys=True, ensure_ascii=False)

    def parse(self, text, options) -> ArticleData:
        body = html_to_markdown(self.html)
        data = parse_record(self.record, body.markdown, tz=options.time_zone)
        data.warnings[:0] = [*self.warnings, *body.warnings]
        return data
