"""The archive format: every front matter key, declared once, with the field it fills and
how its value is read (`import_articles`) and written (`export_articles`).

The keys are the old site's (`header_title`, `des`, `twitter_tittle`…), so an export reads
like its files; the common keys of static-site generators (Jekyll, Hugo, Zola, Eleventy,
Astro: `date`, `description`, `image`, `redirect_from`…) are read too, as fallbacks the old
site's keys win over, and looked up in their nested tables (NESTED_TABLES) when not given
at the top. Adding a field to the format (an author, a section) is a line in KEYS: the
importer copies every Article field named here onto the article, and the exporter writes
each back under its key, in this order.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone

from ..models import (
    CORRECTION_MAX_CHARS,
    Article,
    ArticleAuthor,
    Figure,
    ImageCredit,
    License,
    SectionTree,
    author_slug,
    validate_web_url,
)
from ..models.section import PATH_SEPARATOR
from .generator_values import image_part, image_source, is_web_address, old_addresses
from .problems import InvalidArticle, Problem
from .values import (
    check_text,
    given_slug,
    kind,
    parse_authors,
    parse_date,
    parse_section,
    parse_status,
    parse_tags,
    text_value,
)

# Fields the importer decides itself (a free slug, a draft when publishing is blocked,
# tags reused whatever their case, sections and authors found by slug or made, redirects
# that stay unique) rather than copying them onto the article.
# Its update time and corrections are written beside what the article holds already.
IMPORTER_DECIDES = {
    "slug", "status", "tags", "section", "authors", "old_addresses", "updated_publicly_at",
    "corrections",
}  # fmt: skip
FIGURE = "figure."  # a field starting so is an attribute of parsing.FigureData
# Tables of static-site generators' front matter whose keys are looked up as if given at
# the top, which wins: Hugo's `params`, Zola's `extra` and `taxonomies` (its tags).
NESTED_TABLES = ("params", "extra", "taxonomies")
# Where static-site generators (and their themes) put the lead image: a path or a URL, a
# list of them (Hugo's `images`, the first is the lead), or a table with its `image`,
# `path`, `src` or `url`, and its `alt` and `caption` (PaperMod's `cover`, Chirpy's `image`).
IMAGE_KEYS = ("image", "images", "cover", "featured_image", "heroImage")
# The old page's own address (Jekyll's and Eleventy's `permalink`, Hugo's `url`, Zola's
# `path`): its last segment is the slug when none is given, and it redirects here.
ADDRESS_KEYS = ("permalink", "url", "path")


@dataclass(frozen=True)
class Reading:
    """What a reader may need beside its value."""

    meta: dict  # the whole front matter
    tz: ZoneInfo  # for times written without an offset
    warnings: list[Problem] = field(default_factory=list)
    # A Jekyll post (generator_values.is_jekyll_post): its `tags` and `categories` given
    # as a string are words separated by spaces, as Jekyll reads them; elsewhere (Hugo,
    # Eleventy, the old site's files) such a string is one tag, or tags split at commas.
    jekyll: bool = False


@dataclass(frozen=True)
class Export:
    """What a writer may need beside the article."""

    image_file: str = ""  # where the export copied the lead figure's file
    sections: SectionTree | None = None  # every section, read once for the export
    old_paths: tuple[str, ...] = ()  # the old site's paths that redirect to the article


@dataclass(frozen=True)
class Fallback:
    """Another tool's key read with a reader of its own, because its value is shaped
    differently (an `image` that may be a path, a URL or a table). A reading that is
    empty means the key says nothing for this field: it is then not counted as given."""

    name: str
    read: Callable[[Any, Reading], Any]


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
    fallbacks: tuple[str | Fallback, ...] = ()
    companions: tuple[str, ...] = ()  # other keys its reader consults in `reading.meta`
    always: bool = False

    @property
    def fallback_names(self):
        return tuple(getattr(fallback, "name", fallback) for fallback in self.fallbacks)

    @property
    def names(self):
        return (self.name, *self.aliases, *self.fallback_names)

    def read_from(self, meta: dict, reading: Reading):
        """The value the front matter gives (what its reader makes of none, when absent).
        Raises InvalidArticle naming the key as the file spells it."""
        given = [name for name in self.aliases if name in meta]
        fallbacks = [
            name
            for name in self.fallback_names
            if name in meta and self._gives(name, meta, reading)
        ]
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
                reading.warnings.append(Problem(name, f"not used: {given[0]} is given and wins"))
        return first

    def _reader(self, name):
        for fallback in self.fallbacks:
            if isinstance(fallback, Fallback) and fallback.name == name:
                return fallback.read
        return self.read

    def _gives(self, name, meta, reading) -> bool:
        if self._reader(name) is self.read:
            return True
        try:
            return self._read(name, meta, reading) not in ("", None, [])
        except InvalidArticle:
            return True  # to be named, should it be the one read

    def _read(self, name, meta, reading):
        try:
            return self._reader(name)(meta.get(name), reading)
        except InvalidArticle:
            raise  # a reader that names the companion key at fault
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


def _read_corrections(value, reading) -> list[tuple[str, datetime]]:
    """(text, time) of each correction, as Correction holds them: a list of mappings,
    each with its `text` and its `date`."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"expected a list of corrections (text and date), got {kind(value)}")
    corrections = []
    for number, entry in enumerate(value, 1):
        if not isinstance(entry, dict) or not {"text", "date"} <= entry.keys():
            raise ValueError(f"correction {number}: give its text and its date")
        if unknown := sorted(set(entry) - {"text", "date"}):
            raise ValueError(f"correction {number}: unknown key(s) {', '.join(map(str, unknown))}")
        if not isinstance(entry["text"], str) or not entry["text"].strip():
            raise ValueError(f"correction {number}: its text must be text, and not empty")
        text = entry["text"].strip()
        check_text(text)
        if len(text) > CORRECTION_MAX_CHARS:
            raise ValueError(
                f"correction {number}: {len(text):,} characters; the limit is "
                f"{CORRECTION_MAX_CHARS:,}"
            )
        try:
            published_at = parse_date(entry["date"], reading.tz)
        except ValueError as error:
            raise ValueError(f"correction {number}: date: {error}") from None
        if published_at is None:
            raise ValueError(f"correction {number}: its date is empty")
        corrections.append((text, published_at))
    return corrections


def _read_slug(value, reading):
    return "" if value is None else given_slug(value, reading.warnings)


def _read_status(value, reading):
    return parse_status(value, reading.meta.get("draft"), reading.meta.get("published"))


def _read_tags(value, reading):
    return parse_tags(value, words=reading.jekyll)


def _read_section(value, reading):
    return parse_section(value, reading.warnings)


def _read_categories(value, reading):
    if reading.jekyll and isinstance(value, str):
        value = value.split()
    return parse_section(value, reading.warnings)


def _read_authors(value, reading):
    return parse_authors(value)


def old_addresses_under(key):
    def read(value, reading):
        return old_addresses(value, key, reading.meta, ADDRESS_KEYS, reading.warnings)

    return read


def image(model, field_name, *, web):
    """Readers of the image source a static-site generator's key gives, when it is a path
    (or, with `web`, a URL, which must be http or https) that fits `model.field_name`."""
    read_text = text(model, field_name, url=web)

    def reader(key):
        def read(value, reading):
            source = image_source(value, key, reading.warnings)
            return read_text(source, reading) if source and is_web_address(source) == web else ""

        return read

    return tuple(Fallback(key, reader(key)) for key in IMAGE_KEYS)


def image_text(model, field_name, part):
    """Readers of the `alt` or `caption` of an image given as a table."""
    read_text = text(model, field_name)

    def read(value, reading):
        return read_text(image_part(value, part), reading)

    return tuple(Fallback(key, read) for key in IMAGE_KEYS)


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


def local_time(field_name):
    def write(article, export):
        value = getattr(article, field_name)
        return timezone.localtime(value).isoformat() if value else ""

    return write


def _corrections(article, export):
    """Oldest first, as they were published."""
    corrections = sorted(article.corrections.all(), key=lambda c: (c.published_at, c.pk))
    return [
        {"text": c.text, "date": timezone.localtime(c.published_at).isoformat()}
        for c in corrections
    ]


def _status(article, export):
    return str(article.status)  # the value, also of a Status member not read back yet


def _tag_names(article, export):
    return [tag.name for tag in article.tags.all()]  # in the editor's order


def _section_path(article, export):
    if not article.section_id:
        return ""
    sections = export.sections.ancestry(article.section_id) if export.sections else None
    if sections is None:
        sections, section = [], article.section
        while section is not None:
            sections.insert(0, section)
            section = section.parent
    return PATH_SEPARATOR.join(section.name for section in sections)


def _authors(article, export):
    """Each author in order: the name alone, or a mapping when there is more to say (a
    link, a role other than author, a slug not made from the name)."""
    written = []
    for byline in article.bylines.all():
        author = byline.author
        entry = {"name": author.name}
        if author.links:
            entry["url"] = author.links[0]
        if byline.role != ArticleAuthor.Role.AUTHOR:
            entry["role"] = str(byline.role)
        if author.slug != author_slug(author.name):
            entry["slug"] = author.slug
        written.append(entry if len(entry) > 1 else author.name)
    return written


def _image_file(article, export):
    return export.image_file


def _old_paths(article, export):
    return list(export.old_paths)


def _article_text(name, field_name, *, url=False, **options):
    read = text(Article, field_name, url=url)
    return Key(name, field_name, read, attribute(field_name), **options)


# The format, in the order the exporter writes it ------------------------------------------

KEYS = (
    _article_text("title", "title"),
    Key("blog_url", "source_url", text(Article, "source_url", url=True), attribute("source_url")),
    Key(
        "img_alt",
        "figure.alt_text",
        text(Figure, "alt_text"),
        attribute("lead_figure.alt_text"),
        fallbacks=image_text(Figure, "alt_text", "alt"),
    ),
    _article_text("des", "description", fallbacks=("description", "summary", "excerpt")),
    _article_text("twitter_des", "social_description"),
    # The old site misspelt it; files with the right spelling are read too.
    _article_text("twitter_tittle", "social_title", aliases=("twitter_title",)),
    _article_text("header_title", "headline"),
    Key(
        "page_date",
        "published_at",
        _read_date,
        local_time("published_at"),
        fallbacks=("date", "pubDate", "publishDate"),
    ),
    # Not the old site's: when readers were last told of an update (the page's "Updated"
    # time and dateModified). Zola's updated, Hugo's lastmod, Jekyll's last_modified_at
    # (its plugin) and Astro's updatedDate are read too. A correction moves it as well.
    Key(
        "page_updated",
        "updated_publicly_at",
        _read_date,
        local_time("updated_publicly_at"),
        fallbacks=("updated", "lastmod", "last_modified_at", "updatedDate"),
    ),
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
        fallbacks=image(Figure, "original_path", web=False),
    ),
    Key(
        "img_url_full",
        "figure.original_url",
        text(Figure, "original_url", url=True),
        attribute("lead_figure.original_url"),
        fallbacks=image(Figure, "original_url", web=True),
    ),
    # Not the old site's: the copy of the lead figure's file export_articles made, a path
    # under --images-root like page_image_src_rel.
    Key("image_file", "figure.image_file", text(Figure, "original_path"), _image_file),
    Key(
        "figure_p",
        "figure.caption",
        text(Figure, "caption"),
        attribute("lead_figure.caption"),
        fallbacks=image_text(Figure, "caption", "caption"),
    ),
    _article_text("byline", "byline"),
    # A static-site generator's single `author` is read when `authors` is not given.
    Key("authors", "authors", _read_authors, _authors, fallbacks=("author",)),
    # Not the old site's: a syndicated article's original, its canonical address
    # (Article.canonical_url), as Ghost names it; Hugo's and Astro's canonicalURL too.
    _article_text(
        "canonical_url", "canonical_url", url=True, fallbacks=("canonical", "canonicalURL")
    ),
    Key("slug", "slug", _read_slug, attribute("slug"), always=True),
    Key("status", "status", _read_status, _status, companions=("draft", "published"), always=True),
    Key("tags", "tags", _read_tags, _tag_names),
    # The article's section as a path from the top (World/Europe), found by slug or made.
    # Other tools' categories are read too: a list's first is the section (see
    # values.parse_section).
    Key(
        "section",
        "section",
        _read_section,
        _section_path,
        fallbacks=("category", Fallback("categories", _read_categories)),
    ),
    # Not the old site's: old paths that redirect here (Hugo's `aliases`, Jekyll's
    # `redirect_from`), with the page's own old address (ADDRESS_KEYS) when given.
    Key(
        "aliases",
        "old_addresses",
        old_addresses_under("aliases"),
        _old_paths,
        fallbacks=(Fallback("redirect_from", old_addresses_under("redirect_from")),),
        companions=ADDRESS_KEYS,
    ),
    # Not the old site's: the corrections published with the article, oldest first.
    Key("corrections", "corrections", _read_corrections, _corrections),
)
KNOWN_KEYS = {name for key in KEYS for name in (*key.names, *key.companions)}
TITLE_KEYS = tuple(name for key in KEYS if key.field in ("title", "headline") for name in key.names)
_KEY_OF_FIELD = {key.field: key.name for key in KEYS}
ARTICLE_FIELDS = [
    key.field
    for key in KEYS
    if not key.field.startswith(FIGURE) and key.field not in IMPORTER_DECIDES
]


def key_name(field_name: str) -> str:
    """The key that carries a field, to name it in a message about the file."""
    return _KEY_OF_FIELD[field_name]
