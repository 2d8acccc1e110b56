"""The archive format: every front matter key, declared once, with the field it fills and
how its value is read (`import_articles`) and written (`export_articles`).

The keys are the old site's (`header_title`, `des`, `twitter_tittle`…), so an export reads
like its files; the common keys of static-site generators (`date`, `description`…) are
read too, as fallbacks the old site's keys win over. Adding a field to the format (an
author, a section) is a line in KEYS: the importer copies every Article field named here
onto the article, and the exporter writes each back under its key, in this order.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone

from ..models import Article, Figure, ImageCredit, License, validate_web_url
from .problems import InvalidArticle, Problem
from .values import given_slug, parse_date, parse_status, parse_tags, text_value

# Fields the importer decides itself (a free slug, a draft when publishing is blocked,
# tags reused whatever their case) rather than copying them onto the article.
IMPORTER_DECIDES = {"slug", "status", "tags"}
FIGURE = "figure."  # a field starting so is an attribute of parsing.FigureData


@dataclass(frozen=True)
class Reading:
    """What a reader may need beside its value."""

    meta: dict  # the whole front matter
    tz: ZoneInfo  # for times written without an offset
    warnings: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Export:
    """What a writer may need beside the article."""

    image_file: str = ""  # where the export copied the lead figure's file


@dataclass(frozen=True)
class Key:
    """One key: `field` is the Article field it fills, `figure.<attribute>` of the lead
    figure's data, or one of IMPORTER_DECIDES. `read(value, reading)` raises ValueError
    with a message for the person fixing the file; `write(article, export)` gives the
    value to write, left out when empty unless `always`."""

    name: str
    field: str
    read: Callable[[Any, Reading], Any]
    write: Callable[[Article, Export], Any]
    aliases: tuple[str, ...] = ()  # other spellings read; given together, they must agree
    # Other tools' keys for the same field (a static-site generator's `date`), read only
    # when neither the key nor an alias is given: the format's own spelling wins, and the
    # first of these given wins over the rest. One that loses with another value is named
    # in a warning rather than dropped in silence; it does not fail the file.
    fallbacks: tuple[str, ...] = ()
    companions: tuple[str, ...] = ()  # other keys its reader consults in `reading.meta`
    always: bool = False

    @property
    def names(self):
        return (self.name, *self.aliases, *self.fallbacks)

    def read_from(self, meta: dict, reading: Reading):
        """The value the front matter gives (what its reader makes of none, when absent).
        Raises InvalidArticle naming the key as the file spells it."""
        given = [name for name in self.aliases if name in meta]
        fallbacks = [name for name in self.fallbacks if name in meta]
        if self.name in meta or not (given or fallbacks):
            given.insert(0, self.name)
        elif not given:
            given.append(fallbacks.pop(0))
        first = self._read(given[0], meta, reading)
        for name in given[1:]:
            if self._read(name, meta, reading) != first:
                raise InvalidArticle([Problem(name, f"{name} and {given[0]} disagree")])
        for name in fallbacks:
            try:
                agrees = self._read(name, meta, reading) == first
            except InvalidArticle:
                agrees = False
            if not agrees:
                reading.warnings.append(
                    Problem(name, f"not used: {given[0]} is given and wins")
                )
        return first

    def _read(self, name, meta, reading):
        try:
            return self.read(meta.get(name), reading)
        except ValueError as error:
            raise InvalidArticle([Problem(name, str(error))]) from None


# Readers ----------------------------------------------------------------------------------


def text(model, field_name, *, url=False):
    """Text that fits `model.field_name` (and, with `url`, an http or https address)."""
    limit = model._meta.get_field(field_name).max_length

    def read(value, reading):
        value = text_value(value)
        if limit and len(value) > limit:
            raise ValueError(f"{len(value):,} characters; the limit is {limit:,}")
        if value and url:
            try:
                validate_web_url(value)
            except ValidationError:
                raise ValueError(f"{value[:80]!r} is not an http or https URL") from None
        return value

    return read


def _read_date(value, reading):
    return parse_date(value, reading.tz)


def _read_slug(value, reading):
    return "" if value is None else given_slug(value, reading.warnings)


def _read_status(value, reading):
    return parse_status(value, reading.meta.get("draft"))


def _read_tags(value, reading):
    return parse_tags(value)


# Writers ----------------------------------------------------------------------------------


def attribute(path):
    """The value at a dotted path from the article ("lead_figure.credit.author"); empty
    when something on the way is missing."""

    def write(article, export):
        value = article
        for name in path.split("."):
            value = getattr(value, name, None) if value is not None else None
        return "" if value is None else value

    return write


def _local_time(article, export):
    return timezone.localtime(article.published_at).isoformat() if article.published_at else ""


def _status(article, export):
    return str(article.status)  # the value, also of a Status member not read back yet


def _tag_names(article, export):
    return [tag.name for tag in article.tags.all()]  # in the editor's order


def _image_file(article, export):
    return export.image_file


def _article_text(name, field_name, **options):
    return Key(name, field_name, text(Article, field_name), attribute(field_name), **options)


# The format, in the order the exporter writes it ------------------------------------------

KEYS = (
    _article_text("title", "title"),
    Key("blog_url", "source_url", text(Article, "source_url", url=True), attribute("source_url")),
    Key("img_alt", "figure.alt_text", text(Figure, "alt_text"), attribute("lead_figure.alt_text")),
    _article_text("des", "description", fallbacks=("description", "summary", "excerpt")),
    _article_text("twitter_des", "social_description"),
    # The old site misspelt it; files with the right spelling are read too.
    _article_text("twitter_tittle", "social_title", aliases=("twitter_title",)),
    _article_text("header_title", "headline"),
    Key("page_date", "published_at", _read_date, _local_time, fallbacks=("date",)),
    _article_text("page_first_p", "lede"),
    Key(
        "figure_author",
        "figure.author",
        text(ImageCredit, "author"),
        attribute("lead_figure.credit.author"),
    ),
    Key(
        "figure_author_url",
        "figure.author_url",
        text(ImageCredit, "author_url", url=True),
        attribute("lead_figure.credit.author_url"),
    ),
    Key(
        "figure_license",
        "figure.license_name",
        text(License, "name"),
        attribute("lead_figure.credit.license.name"),
    ),
    Key(
        "figure_license_url",
        "figure.license_url",
        text(License, "url", url=True),
        attribute("lead_figure.credit.license.url"),
    ),
    Key(
        "page_image_src_rel",
        "figure.original_path",
        text(Figure, "original_path"),
        attribute("lead_figure.original_path"),
    ),
    Key(
        "img_url_full",
        "figure.original_url",
        text(Figure, "original_url", url=True),
        attribute("lead_figure.original_url"),
    ),
    # Not the old site's: the copy of the lead figure's file export_articles made, a path
    # under --images-root like page_image_src_rel.
    Key("image_file", "figure.image_file", text(Figure, "original_path"), _image_file),
    Key("figure_p", "figure.caption", text(Figure, "caption"), attribute("lead_figure.caption")),
    _article_text("byline", "byline"),
    Key("slug", "slug", _read_slug, attribute("slug"), always=True),
    Key("status", "status", _read_status, _status, companions=("draft",), always=True),
    Key("tags", "tags", _read_tags, _tag_names),
)
KNOWN_KEYS = {name for key in KEYS for name in (*key.names, *key.companions)}
_KEY_OF_FIELD = {key.field: key.name for key in KEYS}
ARTICLE_FIELDS = [
    key.field
    for key in KEYS
    if not key.field.startswith(FIGURE) and key.field not in IMPORTER_DECIDES
]


def key_name(field_name: str) -> str:
    """The key that carries a field, to name it in a message about the file."""
    return _KEY_OF_FIELD[field_name]
