"""Article files to checked values: front matter + Markdown (format 1) or scraped text (format 2).

Nothing here touches the database: a file either becomes an ArticleData whose every value
fits its column, or raises InvalidArticle naming each field that does not.
"""

import math
import re
import textwrap
from dataclasses import dataclass, field
from datetime import date, datetime, time
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import yaml
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from taggit.models import Tag

from ..models import HEADLINE_MAX, Article, Figure, ImageCredit, License, validate_web_url
from .problems import InvalidArticle, Problem, refuse

# Front matter key → Article field. `twitter_tittle` is the old site's spelling.
ARTICLE_KEYS = {
    "title": "title",
    "header_title": "headline",
    "des": "description",
    "page_first_p": "lede",
    "twitter_tittle": "social_title",
    "twitter_title": "social_title",
    "twitter_des": "social_description",
    "blog_url": "source_url",
    "byline": "byline",
}
# Front matter key → FigureData attribute, with the model field that bounds it.
FIGURE_KEYS = {
    "img_alt": ("alt_text", Figure, "alt_text"),
    "figure_p": ("caption", Figure, "caption"),
    "figure_author": ("author", ImageCredit, "author"),
    "figure_author_url": ("author_url", ImageCredit, "author_url"),
    "figure_license": ("license_name", License, "name"),
    "figure_license_url": ("license_url", License, "url"),
    "page_image_src_rel": ("original_path", Figure, "original_path"),
    "img_url_full": ("original_url", Figure, "original_url"),
}
URL_KEYS = {"blog_url", "figure_author_url", "figure_license_url", "img_url_full"}
OTHER_KEYS = {"page_date", "tags", "draft", "status", "slug"}
KNOWN_KEYS = set(ARTICLE_KEYS) | set(FIGURE_KEYS) | OTHER_KEYS

DATE_FORMATS = (
    "%b %d, %Y %H:%M",
    "%b %d, %Y %H:%M:%S",
    "%B %d, %Y %H:%M",
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d %b %Y %H:%M",
    "%d %b %Y",
    "%d %B %Y",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
)
DATE_LINE = re.compile(r"^\s*date\s+(\d{4}-\d{1,2}-\d{1,2})\b[ \t]*(.*)$", re.IGNORECASE)
# A sentence ends at . ! or ? followed by a capital: "Feb. 15" does not end one.
SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z])")
WEB_PAGE_SUFFIXES = (".html", ".htm", ".php", ".asp", ".aspx", ".shtml")
SLUG_MAX = Article._meta.get_field("slug").max_length
DERIVED_SLUG_MAX = 200
MAX_NESTING = 20
YAML_LOADER = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


@dataclass
class FigureData:
    alt_text: str = ""
    caption: str = ""
    author: str = ""
    author_url: str = ""
    license_name: str = ""
    license_url: str = ""
    original_path: str = ""
    original_url: str = ""

    def __bool__(self):
        return any(vars(self).values())


@dataclass
class ArticleData:
    title: str = ""
    headline: str = ""
    description: str = ""
    lede: str = ""
    social_title: str = ""
    social_description: str = ""
    byline: str = ""
    source_url: str = ""
    body: str = ""
    published_at: datetime | None = None
    status: str | None = None  # None: the importer's --status decides
    slug: str = ""  # the base slug; the writer adds a suffix on a clash
    slug_given: bool = False
    tags: list[str] = field(default_factory=list)
    figure: FigureData = field(default_factory=FigureData)
    extra_metadata: dict = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    TEXT_FIELDS = (
        "title", "headline", "description", "lede", "social_title", "social_description",
        "byline", "source_url", "body",
    )  # fmt: skip


def parse_article(text: str, *, tz: ZoneInfo) -> ArticleData:
    """Parse a whole file's text (already decoded) into checked values."""
    front_matter, body, first_line = split_front_matter(text)
    if front_matter is None:
        data = parse_plain_text(text, tz=tz)
    else:
        data = parse_front_matter_article(load_front_matter(front_matter, first_line), body, tz=tz)
    if not data.slug:
        data.slug = slug_from_url(data.source_url) or _derived_slug(data.headline or data.title)
    return data


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """(YAML source, body, line number of the YAML's first line), or (None, text, 0)."""
    lines = text.split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start == len(lines) or lines[start].strip() != "---":
        return None, text, 0
    indent = len(lines[start]) - len(lines[start].lstrip())
    for end in range(start + 1, len(lines)):
        line = lines[end]
        # A "---" indented deeper than the opening one belongs to a value, not the fence.
        if line.strip() == "---" and len(line) - len(line.lstrip()) <= indent:
            yaml_source = textwrap.dedent("\n".join(lines[start + 1 : end]))
            return yaml_source, "\n".join(lines[end + 1 :]), start + 2
    raise refuse("front matter", "no closing '---' line")


def load_front_matter(source: str, first_line: int = 1) -> dict:
    """Safe YAML with aliases refused: `*alias` expansion is how a few lines eat all memory."""
    try:
        for event in yaml.parse(source, Loader=YAML_LOADER):
            if isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + first_line if event.start_mark else "?"
                raise refuse(
                    "front matter",
                    f"YAML aliases (*{event.anchor}) are not accepted (line {line})",
                )
        meta = yaml.load(source, Loader=YAML_LOADER)  # noqa: S506 - a SafeLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" (line {mark.line + first_line}, column {mark.column + 1})" if mark else ""
        problem = error.problem or error.context or "unreadable"
        raise refuse("front matter", f"not valid YAML: {problem}{where}") from None
    except yaml.YAMLError as error:
        raise refuse("front matter", f"not valid YAML: {error}") from None
    except RecursionError:
        raise refuse("front matter", "the YAML is nested too deeply") from None
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise refuse("front matter", f"expected 'key: value' lines, got {_kind(meta)}")
    bad_keys = [key for key in meta if not isinstance(key, str)]
    if bad_keys:
        raise refuse("front matter", f"keys must be text, got {_kind(bad_keys[0])}")
    return meta


def parse_front_matter_article(meta: dict, body: str, *, tz: ZoneInfo) -> ArticleData:
    data = ArticleData(body=_strip_body(body))
    problems: list[Problem] = []

    def text(key, model, field_name):
        value = _text_value(meta.get(key), key, problems)
        limit = model._meta.get_field(field_name).max_length
        if limit and len(value) > limit:
            problems.append(Problem(key, f"{len(value):,} characters; the limit is {limit:,}"))
        if value and key in URL_KEYS:
            try:
                validate_web_url(value)
            except ValidationError:
                problems.append(Problem(key, f"{value[:80]!r} is not an http or https URL"))
        return value

    for key, field_name in ARTICLE_KEYS.items():
        if key in meta and key != "twitter_title":
            setattr(data, field_name, text(key, Article, field_name))
    if "twitter_title" in meta:
        social_title = text("twitter_title", Article, "social_title")
        if "twitter_tittle" in meta and social_title != data.social_title:
            problems.append(Problem("twitter_title", "twitter_title and twitter_tittle disagree"))
        data.social_title = social_title
    for key, (attribute, model, field_name) in FIGURE_KEYS.items():
        setattr(data.figure, attribute, text(key, model, field_name))

    data.published_at = _guard(problems, "page_date", parse_date, meta.get("page_date"), tz)
    data.status = _guard(problems, "status", _status, meta.get("status"), meta.get("draft"))
    data.tags = _guard(problems, "tags", parse_tags, meta.get("tags")) or []
    if meta.get("slug") is not None:
        data.slug = _guard(problems, "slug", _given_slug, meta["slug"], data.warnings) or ""
        data.slug_given = bool(data.slug)

    extra = {key: value for key, value in meta.items() if key not in KNOWN_KEYS}
    for key, value in extra.items():
        data.extra_metadata[key] = _guard(problems, key, _json_value, value)
    if extra:
        data.warnings.append(
            Problem(
                "front matter",
                "kept in extra metadata (no field for them): " + ", ".join(sorted(extra)),
            )
        )
    if problems:
        raise InvalidArticle(problems)
    if not (data.title or data.headline):
        if not data.body:
            raise refuse("title", "the file has no title, headline or text")
        data.headline = data.title = derive_headline(data.body)
        data.warnings.append(
            Problem(
                "title",
                "no title or headline in the file: derived "
                "from the first sentence; please review it",
            )
        )
    return data


def parse_plain_text(text: str, *, tz: ZoneInfo) -> ArticleData:
    """Format 2: an optional `date YYYY-MM-DD …` line, then paragraphs of text."""
    data = ArticleData()
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), 0)
    match = DATE_LINE.match(lines[first])
    if match:
        try:
            day = date.fromisoformat("-".join(part.zfill(2) for part in match[1].split("-")))
        except ValueError:
            raise refuse("date", f"{match[1]!r} is not a valid date") from None
        data.published_at = datetime.combine(day, time(), tzinfo=tz)
        if match[2].strip():
            data.warnings.append(
                Problem(
                    "date",
                    f"the rest of the date line ({match[2].strip()[:80]!r}) is "
                    "page furniture from the old site and was dropped",
                )
            )
        lines = lines[first + 1 :]
    data.body = _strip_body("\n".join(lines))
    if not data.body:
        raise refuse("body", "the file has no article text")
    if "\x00" in data.body:
        raise refuse("body", "contains a NUL character")
    data.headline = data.title = derive_headline(data.body)
    data.warnings.append(
        Problem(
            "headline",
            "no title in the file: the headline and title were derived from "
            "the first sentence; please review them",
        )
    )
    return data


def derive_headline(body: str) -> str:
    """The first sentence, at most HEADLINE_MAX characters, cut at a word."""
    paragraph = " ".join(body.strip().split("\n\n", 1)[0].split())
    sentence = SENTENCE_END.split(paragraph, maxsplit=1)[0].strip()
    if len(sentence) > HEADLINE_MAX:
        cut = sentence[: HEADLINE_MAX + 1].rsplit(" ", 1)[0]
        sentence = cut if 0 < len(cut) <= HEADLINE_MAX else sentence[:HEADLINE_MAX]
        sentence = sentence.rstrip(" ,;:–—-")
    return sentence.rstrip(".").strip() or sentence[:HEADLINE_MAX]


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
        raise ValueError(f"expected a date, got {_kind(value)}")
    try:
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
    except OverflowError:
        raise ValueError("the date is out of range") from None


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


def parse_tags(value) -> list[str]:
    """A YAML list or a comma-separated string; blanks and case-insensitive repeats dropped."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list):
        items = value
        for item in items:
            if not isinstance(item, str):
                raise ValueError(f"expected a list of text, found {_kind(item)}")
    else:
        raise ValueError(f"expected a list or comma-separated text, got {_kind(value)}")
    limit = Tag._meta.get_field("name").max_length
    names, seen = [], set()
    for item in items:
        name = " ".join(item.split())
        _check_string(name)
        if len(name) > limit:
            raise ValueError(
                f"the tag {name[:40]!r}… is {len(name)} characters; the limit is {limit}"
            )
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


def slug_from_url(url: str) -> str:
    """The last path segment as a valid slug: `…/russia-lost-over-62,400-…` loses its comma."""
    if not url:
        return ""
    segment = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    if segment.lower().endswith(WEB_PAGE_SUFFIXES):
        segment = segment.rsplit(".", 1)[0]
    return _derived_slug(segment)


def _derived_slug(text: str) -> str:
    slug = slugify(text)
    if len(slug) > DERIVED_SLUG_MAX:
        slug = slug[: DERIVED_SLUG_MAX + 1].rsplit("-", 1)[0] or slug[:DERIVED_SLUG_MAX]
    return slug.strip("-")


def _given_slug(value, warnings) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {_kind(value)}")
    slug = slugify(value)
    if not slug:
        raise ValueError(f"{value[:60]!r} has no letters or digits to make a slug")
    if len(slug) > SLUG_MAX:
        raise ValueError(f"{len(slug)} characters; the limit is {SLUG_MAX}")
    if slug != value:
        warnings.append(Problem("slug", f"{value[:60]!r} was normalised to {slug!r}"))
    return slug


def _status(status, draft) -> str | None:
    if draft is not None and not isinstance(draft, bool):
        raise ValueError(f"draft must be true or false, got {_kind(draft)}")
    if status is None:
        return (
            None if draft is None else (Article.Status.DRAFT if draft else Article.Status.PUBLISHED)
        )
    if status not in Article.Status.values:
        raise ValueError(f"{str(status)[:40]!r} is not one of {', '.join(Article.Status.values)}")
    if draft is not None and draft != (status == Article.Status.DRAFT):
        raise ValueError(f"status {status!r} contradicts draft: {str(draft).lower()}")
    return status


def _json_value(value, depth=0):
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
        _check_string(value)
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return [_json_value(item, depth + 1) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise ValueError("keys must be text")
        return {key: _json_value(item, depth + 1) for key, item in value.items()}
    raise ValueError(f"{_kind(value)} cannot be kept")


def _text_value(value, key, problems) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        hint = " (put it in quotes)" if isinstance(value, int | float | bool | date) else ""
        problems.append(Problem(key, f"expected text, got {_kind(value)}{hint}"))
        return ""
    try:
        _check_string(value)
    except ValueError as error:
        problems.append(Problem(key, str(error)))
        return ""
    return value.strip()


def _check_string(value: str):
    # PostgreSQL refuses NUL in text, and lone surrogates (YAML "\ud800") are not UTF-8.
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains characters that are not valid Unicode") from None


def _guard(problems, key, function, *args):
    try:
        return function(*args)
    except ValueError as error:
        problems.append(Problem(key, str(error)))
        return None


def _strip_body(body: str) -> str:
    # Leading blank lines go, the first line's indentation stays (it may be a code block).
    return re.sub(r"\A(?:[ \t]*\n)+", "", body).rstrip()


def _kind(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, datetime | date):
        return "a date"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return "text"
    return f"a {type(value).__name__}"
