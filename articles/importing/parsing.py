"""Article files to checked values: front matter + Markdown (format 1) or scraped text (format 2).

Nothing here touches the database: a file either becomes an ArticleData whose every value
fits its column, or raises InvalidArticle naming each field that does not.
"""

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from ..models import HEADLINE_MAX, XML_FORBIDDEN_CHARACTERS, Article
from .archive_format import (
    ADDRESS_KEYS,
    ARTICLE_FIELDS,
    FIGURE,
    IMPORTER_DECIDES,
    KEYS,
    KNOWN_KEYS,
    NESTED_TABLES,
    TITLE_KEYS,
    Reading,
)
from .body_images import hugo_figures
from .front_matter import read_front_matter
from .generator_values import (
    BUNDLE_FILE_NAMES,
    OldAddresses,
    date_and_slug_of_name,
    date_of_path,
    expand_permalink,
    is_jekyll_post,
    jekyll_categories,
    name_of_post,
    page_address,
)
from .html_body import HTML_SUFFIXES, html_to_markdown
from .jekyll_site import KEY, SitePermalink, site_permalink
from .problems import InvalidArticle, Problem, printable, refuse
from .values import check_text, derived_slug, fallback_slug, json_value, slug_from_url

# What each Article field of the format holds when a file does not give it.
EMPTY_FIELDS = {
    key.field: key.read_from({}, Reading({}, ZoneInfo("UTC")))
    for key in KEYS
    if key.field in ARTICLE_FIELDS
}
_PATTERN_TITLE = re.compile(r":(?:title|slug)\b")  # placeholders filled by a post's name
DATE_LINE = re.compile(r"^\s*date\s+(\d{4}-\d{1,2}-\d{1,2})\b[ \t]*(.*)$", re.IGNORECASE)
# A sentence ends at . ! or ? followed by a capital in any script: "Feb. 15" does not end
# one. (Python's re has no \p{Lu}, so the capital is checked by first_sentence().)
SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)»]?\s+[\"“‘(«]?(.)")


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
    image_file: str = ""  # under --images-root, like original_path

    def __bool__(self):
        return any(vars(self).values())


@dataclass
class ArticleData:
    """A file's article. `fields` holds the value of each Article field the format fills
    (see archive_format.ARTICLE_FIELDS, and the body), to be copied onto the article."""

    fields: dict = field(default_factory=dict)
    status: str | None = None  # None: the importer's --status decides
    slug: str = ""  # the base slug; the writer adds a suffix on a clash
    tags: list[str] = field(default_factory=list)
    section: list[str] = field(default_factory=list)  # its path: World, Europe
    authors: list = field(default_factory=list)  # values.AuthorData, in order
    figure: FigureData = field(default_factory=FigureData)
    old_addresses: OldAddresses = field(default_factory=OldAddresses)
    updated_publicly_at: datetime | None = None  # None: the importer decides
    corrections: list[tuple[str, datetime]] = field(default_factory=list)  # (text, time)
    extra_metadata: dict = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    # What the importer itself reads of the fields: identity, slug, headline.
    title = property(lambda self: self.fields.get("title", ""))
    headline = property(lambda self: self.fields.get("headline", ""))
    source_url = property(lambda self: self.fields.get("source_url", ""))
    body = property(lambda self: self.fields.get("body", ""))

    def set(self, field_name, value):
        """Keep a value read for a field of the format (see archive_format.Key.field)."""
        if field_name.startswith(FIGURE):
            setattr(self.figure, field_name.removeprefix(FIGURE), value)
        elif field_name in IMPORTER_DECIDES:
            setattr(self, field_name, value)
        else:
            self.fields[field_name] = value


def parse_article(text: str, *, tz: ZoneInfo, path: Path | None = None) -> ArticleData:
    """Parse a whole file's text (already decoded) into checked values. A date opening the
    file's name (`2024-05-01-slug.md`, as Jekyll and Zola name posts) dates and names the
    article when its front matter does not."""
    meta, body = read_front_matter(text)
    jekyll = path is not None and is_jekyll_post(path)
    if path is not None and path.suffix.lower() in HTML_SUFFIXES:
        html = html_to_markdown(body, take_title=not (meta and _gives_a_title(meta)))
        meta = {**(meta or {}), "title": html.title} if html.title else meta or {}
        data = parse_front_matter_article(meta, html.markdown, tz=tz, jekyll=jekyll)
        data.warnings.extend(html.warnings)
    elif meta is None:
        data = parse_plain_text(text, tz=tz)
    else:
        body, shortcodes = hugo_figures(body)
        data = parse_front_matter_article(meta, body, tz=tz, jekyll=jekyll)
        if shortcodes:
            data.warnings.append(
                Problem(
                    "body",
                    "Hugo shortcodes left as written: " + ", ".join(map(printable, shortcodes)),
                )
            )
    _check_body(text, data.body)
    named_at, named_slug = date_and_slug_of_name(path, tz) if path else (None, "")
    site = _jekyll_site(data, meta or {}, path) if jekyll else SitePermalink()
    if data.old_addresses.pattern:
        title = name_of_post(path) if path else ""
        _page_from_pattern(data, meta or {}, site.tz or tz, named_at, title, site.categories)
    _date_and_slug(data, tz, named_at, named_slug)
    if path is not None:
        name = path.parent.name if path.stem in BUNDLE_FILE_NAMES else path.stem
        _own_canonical(data, {name.lower(), named_slug})
    else:
        _own_canonical(data)
    return data


def parse_record(meta: dict, body: str, *, tz: ZoneInfo) -> ArticleData:
    """An article given as keys of the format and a Markdown body, as an export file's
    reader makes of each post: checked exactly as a file's front matter and body."""
    data = parse_front_matter_article(meta, body, tz=tz)
    _check_body(body, data.body)
    if data.old_addresses.pattern:
        _page_from_pattern(data, meta, tz, None, "")
    _date_and_slug(data, tz)
    _own_canonical(data)
    return data


def _jekyll_site(data: ArticleData, meta: dict, path: Path) -> SitePermalink:
    """What a Jekyll post's site says of its address: a post without one of its own had
    the one the site's _config.yml gave every post (unless it was never published)."""
    site = site_permalink(path)
    if any(key in meta for key in ADDRESS_KEYS):
        return site
    if site.problem:
        data.warnings.append(site.problem)
    elif site.pattern and meta.get("published") is not False:
        data.old_addresses = replace(data.old_addresses, pattern=site.pattern, pattern_key=KEY)
    return site


def _one_category(value) -> list[str]:
    return [value] if isinstance(value, str) and value.strip() else []


def _page_from_pattern(data: ArticleData, meta: dict, tz, named_at, file_title: str, folders=()):
    """The old address a Jekyll permalink pattern (/:year/:month/:title/) gave the post,
    filled in from its date (the front matter's, else its file name's), its slug (the
    front matter's, else its file name's) and its categories (the site's folders above
    `_posts`, then the front matter's `category`, else its `categories`), as Jekyll did."""
    old = data.old_addresses
    moment = data.fields.get("published_at") or named_at
    slug = meta.get("slug")
    title = slug.strip() if isinstance(slug, str) and slug.strip() else file_title
    categories = [
        *folders,
        # Jekyll's singular `category` is one name, even with spaces in it.
        *(_one_category(meta.get("category")) or jekyll_categories(meta.get("categories"))),
    ]
    try:
        if not title and _PATTERN_TITLE.search(old.pattern):
            raise ValueError("no slug or file name for :title")
        expanded = expand_permalink(
            old.pattern,
            moment=moment.astimezone(tz) if moment else None,
            title=title,
            categories=categories,
        )
        page = page_address(old.pattern_key, expanded, data.warnings)
    except (ValueError, InvalidArticle) as error:
        reason = error.problems[0].message if isinstance(error, InvalidArticle) else str(error)
        data.warnings.append(
            Problem(
                old.pattern_key,
                f"{old.pattern[:60]!r} is a pattern, and {reason}: no redirect from it",
            )
        )
        page = ""
    data.old_addresses = replace(old, page=page, pattern="", pattern_key="")
def _own_canonical(data: ArticleData, file_names=frozenset()):
    """A canonical address that is the article's own page on the old site (static-site
    themes name each page so) is not kept: moved here, this page is the canonical one,
    and pointing search engines at an address that now redirects here would send them
    round in a circle. Another site's original (a syndicated article) is kept."""
    canonical = data.fields.get("canonical_url", "")
    if not canonical:
        return
    own = {_path_of(address) for address in (data.source_url, *data.old_addresses.paths) if address}
    path = _path_of(canonical)
    last = path.rsplit("/", 1)[-1]
    if path in own or last in {data.slug, *file_names} - {""}:
        data.fields["canonical_url"] = ""
        data.warnings.append(
            Problem(
                "canonical_url",
                f"{printable(canonical[:100])} is this article's own old address: not kept, "
                "this site's page being the canonical one now",
            )
        )


def _path_of(address: str) -> str:
    return unquote(urlsplit(address).path).strip("/").lower()


def _date_and_slug(data: ArticleData, tz: ZoneInfo, named_at=None, named_slug=""):
    """What the file's name, or the old page's address, says of a date and a slug the
    front matter does not give."""
    if data.fields.get("published_at") is None:
        page = data.old_addresses.page
        data.fields["published_at"] = named_at or (date_of_path(page, tz) if page else None)
    if not data.slug:
        headline = data.headline or data.title
        data.slug = (
            slug_from_url(data.old_addresses.page)
            or slug_from_url(data.source_url)
            or named_slug
            or derived_slug(headline)
        )
        if not data.slug:
            data.slug = fallback_slug(headline)
            data.warnings.append(
                Problem("slug", f"nothing in the headline spells a slug; {data.slug!r} was used")
            )


def parse_front_matter_article(
    meta: dict, body: str, *, tz: ZoneInfo, jekyll: bool = False
) -> ArticleData:
    data = ArticleData(fields={"body": _strip_body(body)})
    problems: list[Problem] = []
    meta, spelt = _lift_nested_keys(meta, data.warnings)
    reading = Reading(meta=meta, tz=tz, warnings=data.warnings, jekyll=jekyll)
    for key in KEYS:
        try:
            data.set(key.field, key.read_from(meta, reading))
        except InvalidArticle as error:
            problems += error.problems

    extra = {key: value for key, value in meta.items() if key not in KNOWN_KEYS}
    for key, value in extra.items():
        data.extra_metadata[key] = _guard(problems, key, json_value, value)
    if extra:
        names = [
            f"{key}.{inner}" if key in NESTED_TABLES and isinstance(value, dict) else key
            for key, value in extra.items()
            for inner in (value if key in NESTED_TABLES and isinstance(value, dict) else [None])
        ]
        data.warnings.append(
            Problem(
                "front matter",
                "kept in extra metadata (no field for them): "
                + ", ".join(map(printable, sorted(names))),
            )
        )
    # A key lifted from a nested table is named as the file spells it; a value some keys
    # share (an `image` read for its path and its URL) is named once.
    data.warnings[:] = dict.fromkeys(_as_spelt(data.warnings, spelt))
    problems = list(dict.fromkeys(_as_spelt(problems, spelt)))
    if problems:
        raise InvalidArticle(problems)
    if not (data.title or data.headline):
        if not data.body:
            raise refuse("title", "the file has no title, headline or text")
        data.fields["headline"] = data.fields["title"] = derive_headline(data.body)
        data.warnings.append(
            Problem(
                "title",
                "no title or headline in the file: derived "
                "from the first sentence; please review it",
            )
        )
    return data


def _gives_a_title(meta: dict) -> bool:
    return any(meta.get(name) for name in TITLE_KEYS)


def _lift_nested_keys(meta: dict, warnings) -> tuple[dict, dict[str, str]]:
    """The front matter with the keys of the format found in NESTED_TABLES lifted to the
    top (where a key given at the top wins), and how the file spells each lifted key."""
    lifted, spelt = dict(meta), {}
    for table in NESTED_TABLES:
        inner = meta.get(table)
        if not isinstance(inner, dict):
            continue
        left = {}
        for key, value in inner.items():
            if key not in KNOWN_KEYS:
                left[key] = value
            elif key not in lifted:
                lifted[key], spelt[key] = value, f"{table}.{key}"
            elif lifted[key] != value:
                wins = spelt.get(key, key)
                warnings.append(Problem(f"{table}.{key}", f"not used: {wins} is given and wins"))
        if left:
            lifted[table] = left
        else:
            del lifted[table]
    return lifted, spelt


def _as_spelt(problems: list[Problem], spelt: dict[str, str]) -> list[Problem]:
    return [Problem(spelt.get(p.field, p.field), p.message) for p in problems]


def parse_plain_text(text: str, *, tz: ZoneInfo) -> ArticleData:
    """Format 2: an optional `date YYYY-MM-DD …` line, then paragraphs of text."""
    # Every field the format fills, empty: nothing of an earlier import of the article
    # survives but what this file says.
    data = ArticleData(fields=dict(EMPTY_FIELDS))
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), 0)
    match = DATE_LINE.match(lines[first])
    if match:
        try:
            day = date.fromisoformat("-".join(part.zfill(2) for part in match[1].split("-")))
        except ValueError:
            raise refuse("date", f"{match[1]!r} is not a valid date") from None
        data.fields["published_at"] = datetime.combine(day, time(), tzinfo=tz)
        if match[2].strip():
            data.warnings.append(
                Problem(
                    "date",
                    f"the rest of the date line ({match[2].strip()[:80]!r}) is "
                    "page furniture from the old site and was dropped",
                )
            )
        lines = lines[first + 1 :]
    data.fields["body"] = _strip_body("\n".join(lines))
    if not data.body:
        raise refuse("body", "the file has no article text")
    data.fields["headline"] = data.fields["title"] = derive_headline(data.body)
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
    sentence = first_sentence(paragraph)
    if len(sentence) > HEADLINE_MAX:
        cut = sentence[: HEADLINE_MAX + 1].rsplit(" ", 1)[0]
        sentence = cut if 0 < len(cut) <= HEADLINE_MAX else sentence[:HEADLINE_MAX]
        sentence = sentence.rstrip(" ,;:–—-")
    return sentence.rstrip(".").strip() or sentence[:HEADLINE_MAX]


def first_sentence(paragraph: str) -> str:
    for end in SENTENCE_END.finditer(paragraph):
        if end.group(1).isupper():
            return paragraph[: end.start()].strip()
    return paragraph.strip()


def _guard(problems, key, function, *args):
    try:
        return function(*args)
    except ValueError as error:
        problems.append(Problem(key, str(error)))
        return None


def _check_body(text: str, body: str):
    limit = Article._meta.get_field("body").max_length
    if len(body) > limit:
        raise refuse("body", f"{len(body):,} characters; the limit is {limit:,}")
    try:
        check_text(body)
    except ValueError as error:
        # YAML refuses raw control characters, so the file's first one is the body's.
        found = XML_FORBIDDEN_CHARACTERS.search(text)
        where = f" (line {text.count(chr(10), 0, found.start()) + 1})" if found else ""
        raise refuse("body", f"{error}{where}") from None


def _strip_body(body: str) -> str:
    # Leading blank lines go, the first line's indentation stays (it may be a code block).
    return re.sub(r"\A(?:[ \t]*\n)+", "", body).rstrip()
