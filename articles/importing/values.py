"""Single front matter values checked and converted: dates, tags, sections, authors, slugs,
status,
text, JSON.

Each raises ValueError with a message written for the person fixing the file.
"""

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from anyascii import anyascii
from django.core.exceptions import ValidationError
from django.utils.text import slugify

from ..models import (
    AUTHOR_SLUG_MAX,
    SECTION_NAME_MAX,
    Article,
    ArticleAuthor,
    Author,
    Tag,
    author_slug,
    control_character_problem,
    validate_web_url,
)
from ..models.section import PATH_SEPARATOR
from .problems import Problem

DATE_FORMATS = (
    "%b %d, %Y %H:%M",
    "%b %d, %Y %H:%M:%S",
    "%B %d, %Y %H:%M",
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",  # Astro's blog template
    "%B %d %Y",
    "%d %b %Y %H:%M",
    "%d %b %Y",
    "%d %B %Y",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
)
WEB_PAGE_SUFFIXES = (".html", ".htm", ".php", ".asp", ".aspx", ".shtml")
SLUG_MAX = Article._meta.get_field("slug").max_length
DERIVED_SLUG_MAX = 200
MAX_NESTING = 20


def parse_date(value, tz: ZoneInfo) -> datetime | None:
    """A publication time; one written without an offset is read in `tz`."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, str):
        parsed = _parse_date_text(value.strip())
    else:
        raise ValueError(f"expected a date, got {kind(value)}")
    try:
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
        # The database stores UTC: a time that has none (0001-01-01 east of Greenwich) fails.
        parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{str(value)[:40]!r} is out of the range of dates") from None
    return parsed


def _parse_date_text(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    for date_format in DATE_FORMATS:
        try:
            return datetime.strptime(value, date_format)
        except ValueError:
            continue
    raise ValueError(
        f"{value[:60]!r} is not a date this importer reads "
        "(for example 'Apr 26, 2025 10:00' or '2025-04-26T10:00:00+02:00')"
    )


def parse_tags(value, *, words=False) -> list[str]:
    """A YAML list or a comma-separated string (with `words`, as Jekyll reads its posts'
    tags: separated by spaces, or commas); blanks and case-insensitive repeats dropped."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        items = re.split(r"[\s,]+", value) if words else value.split(",")
    elif isinstance(value, list):
        items = value
        for item in items:
            if not isinstance(item, str):
                raise ValueError(f"expected a list of text, found {kind(item)}")
    else:
        raise ValueError(f"expected a list or comma-separated text, got {kind(value)}")
    limit = Tag._meta.get_field("name").max_length
    names, seen = [], set()
    for item in items:
        name = " ".join(item.split())
        check_text(name)
        if len(name) > limit:
            raise ValueError(
                f"the tag {name[:40]!r}… is {len(name)} characters; the limit is {limit}"
            )
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


def parse_section(value, warnings) -> list[str]:
    """The path of the article's section, the top-level section first: text such as
    "World/Europe", or a list of categories whose first is the article's section (each
    may be a path, as text or as a list of names from the top: ["World", "Europe"], as
    the WordPress and Ghost readers give it; the others are named in a warning)."""
    if isinstance(value, list):
        value = [_path_text(item) for item in value]
        given = [item for item in value if item.strip()]
        if len(given) > 1:
            unused = ", ".join(repr(item) for item in given[1:])
            warnings.append(
                Problem(
                    "section", f"the first category is the article's section; not used: {unused}"
                )
            )
        value = given[0] if given else None
    if value is None:
        return []
    if not isinstance(value, str):
        raise ValueError(f"expected text or a list of text, got {kind(value)}")
    names = [" ".join(part.split()) for part in value.split(PATH_SEPARATOR)]
    names = [name for name in names if name]
    for name in names:
        check_text(name)
        if len(name) > SECTION_NAME_MAX:
            raise ValueError(
                f"the section {name[:40]!r}… is {len(name)} characters; the limit is "
                f"{SECTION_NAME_MAX}"
            )
    return names


def _path_text(item) -> str:
    if isinstance(item, list) and all(isinstance(name, str) for name in item):
        for name in item:
            if PATH_SEPARATOR in name:
                raise ValueError(f"the section name {name!r} holds {PATH_SEPARATOR!r}")
        return PATH_SEPARATOR.join(item)
    if not isinstance(item, str):
        raise ValueError(f"expected a list of text or of paths, found {kind(item)}")
    return item


@dataclass(frozen=True)
class AuthorData:
    """An author as a file names them: found, or made, by `slug`."""

    name: str
    slug: str
    url: str = ""
    role: str = ArticleAuthor.Role.AUTHOR


AUTHOR_KEYS = ("name", "url", "role", "slug")


def parse_authors(value) -> list[AuthorData]:
    """A name, a list of names, or a list of mappings with a `name` and, if need be, a
    `url` (kept among the author's links), a `role` and a `slug`; an author given twice
    (by slug) counts once, at their first place."""
    if value is None or value == "":
        return []
    items = [value] if isinstance(value, str | dict) else value
    if not isinstance(items, list):
        raise ValueError(f"expected a name or a list of authors, got {kind(value)}")
    authors, seen = [], set()
    for item in items:
        author = _author_data(item)
        if author and author.slug not in seen:
            seen.add(author.slug)
            authors.append(author)
    return authors


def _author_data(item) -> AuthorData | None:
    if isinstance(item, str):
        item = {"name": item}
    if not isinstance(item, dict):
        raise ValueError(f"expected an author's name or a mapping, found {kind(item)}")
    unknown = [key for key in item if key not in AUTHOR_KEYS]
    if unknown:
        # Refused rather than dropped: nothing in a file is lost without a word.
        raise ValueError(
            f"an author has no {str(unknown[0])[:40]!r} (only {', '.join(AUTHOR_KEYS)})"
        )
    fields = {}
    for key in AUTHOR_KEYS:
        raw = item.get(key)
        if raw is not None and not isinstance(raw, str):
            raise ValueError(f"an author's {key} must be text, got {kind(raw)}")
        check_text(raw or "")
        fields[key] = " ".join((raw or "").split())
    name = fields["name"]
    if not name:
        if any(fields.values()):
            raise ValueError("an author without a name")
        return None
    limits = {"name": Author._meta.get_field("name").max_length, "url": 500}
    for key, limit in limits.items():
        if len(fields[key]) > limit:
            raise ValueError(
                f"an author's {key} is {len(fields[key]):,} characters; the limit is {limit}"
            )
    if fields["url"]:
        try:
            validate_web_url(fields["url"])
        except ValidationError:
            raise ValueError(f"{fields['url'][:80]!r} is not an http or https URL") from None
    role = fields["role"] or ArticleAuthor.Role.AUTHOR
    if role not in ArticleAuthor.Role.values:
        raise ValueError(f"{role[:40]!r} is not a role ({', '.join(ArticleAuthor.Role.values)})")
    slug = author_slug(name)
    if fields["slug"]:
        slug = ascii_slug(fields["slug"])
        if not slug or len(slug) > AUTHOR_SLUG_MAX:
            raise ValueError(f"{fields['slug'][:60]!r} is not an author's slug")
    return AuthorData(name=name, slug=slug, url=fields["url"], role=role)


def slug_from_url(url: str) -> str:
    """The last path segment as a valid slug: `…/russia-lost-over-62,400-…` loses its comma."""
    if not url:
        return ""
    segment = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    if segment.lower().endswith(WEB_PAGE_SUFFIXES):
        segment = segment.rsplit(".", 1)[0]
    return derived_slug(segment)


def ascii_slug(text: str) -> str:
    """A slug in Latin letters. Other scripts are transliterated (Україна → ukraina), not
    dropped: dropped, every headline in Cyrillic made the same empty slug."""
    return slugify(anyascii(text))


def derived_slug(text: str) -> str:
    slug = ascii_slug(text)
    if len(slug) > DERIVED_SLUG_MAX:
        slug = slug[: DERIVED_SLUG_MAX + 1].rsplit("-", 1)[0] or slug[:DERIVED_SLUG_MAX]
    return slug.strip("-")


def fallback_slug(text: str) -> str:
    """For a headline with nothing to spell a slug with: stable, and distinct per headline."""
    return "article-" + hashlib.sha256(text.encode()).hexdigest()[:8]


def given_slug(value, warnings) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {kind(value)}")
    slug = ascii_slug(value)
    if not slug:
        raise ValueError(f"{value[:60]!r} has no letters or digits to make a slug")
    if len(slug) > SLUG_MAX:
        raise ValueError(f"{len(slug)} characters; the limit is {SLUG_MAX}")
    if slug != value:
        warnings.append(Problem("slug", f"{value[:60]!r} was normalised to {slug!r}"))
    return slug


def parse_status(status, draft, published=None) -> str | None:
    """The format's `status`, or what `draft` or Jekyll's `published` (its opposite) says;
    given together, they must agree: a contradiction is refused, not guessed at."""
    if draft is not None and not isinstance(draft, bool):
        raise ValueError(f"draft must be true or false, got {kind(draft)}")
    if published is not None:
        if not isinstance(published, bool):
            raise ValueError(f"published must be true or false, got {kind(published)}")
        if draft is not None and draft == published:
            raise ValueError(
                f"draft: {str(draft).lower()} contradicts published: {str(published).lower()}"
            )
        draft = not published
    if status is None:
        return (
            None if draft is None else (Article.Status.DRAFT if draft else Article.Status.PUBLISHED)
        )
    if status not in Article.Status.values:
        raise ValueError(f"{str(status)[:40]!r} is not one of {', '.join(Article.Status.values)}")
    if draft is not None and draft != (status == Article.Status.DRAFT):
        raise ValueError(f"status {status!r} contradicts draft: {str(draft).lower()}")
    return status


def json_value(value, depth=0):
    """Extra metadata as JSON the database accepts on SQLite and PostgreSQL alike."""
    if depth > MAX_NESTING:
        raise ValueError("nested too deeply")
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("infinite and not-a-number values cannot be kept")
        return value
    if isinstance(value, str):
        check_string(value)
        return value
    if isinstance(value, datetime | date | time):  # TOML has times of day too
        return value.isoformat()
    if isinstance(value, list):
        return [json_value(item, depth + 1) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise ValueError("keys must be text")
        return {key: json_value(item, depth + 1) for key, item in value.items()}
    raise ValueError(f"{kind(value)} cannot be kept")


def text_value(value) -> str:
    """Text, stripped; nothing for a missing value."""
    if value is None:
        return ""
    if not isinstance(value, str):
        hint = " (put it in quotes)" if isinstance(value, int | float | bool | date) else ""
        raise ValueError(f"expected text, got {kind(value)}{hint}")
    check_text(value)
    return value.strip()


def check_text(value: str):
    """check_string, and nothing XML cannot carry (the model fields' own rule): one in a
    headline would take the site's feeds down. Tabs and line breaks are fine."""
    check_string(value)
    problem = control_character_problem(value)
    if problem:
        raise ValueError(problem)


def check_string(value: str):
    # PostgreSQL refuses NUL in text, and lone surrogates (YAML "\ud800") are not UTF-8.
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains characters that are not valid Unicode") from None


def kind(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, datetime | date):
        return "a date"
    if isinstance(value, time):
        return "a time of day"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return "text"
    if value is None:
        return "null"
    if isinstance(value, bytes):
        return "binary data"
    return f"a {type(value).__name__}"
