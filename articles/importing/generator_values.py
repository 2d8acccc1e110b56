"""Values as static-site generators write them: a lead image as a path, URL, list or
table; the page's old address and the aliases that led to it; a date in a file's name or
in an address. Each raises ValueError (or InvalidArticle naming another key) with a
message for the person fixing the file."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from urllib.parse import urljoin, urlsplit

from .problems import Problem, refuse
from .values import check_text, derived_slug, kind

# A URL's scheme ("https:", "data:"), or a protocol-relative "//host/…".
_SCHEME = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)
# Eleventy's and Liquid's templates in an address: only the generator can fill them.
_TEMPLATE = re.compile(r"\{\{|\{%")
# Jekyll's placeholders (/:year/:title/, Hexo's alike): expanded with the file's date,
# name and categories (expand_permalink).
_PLACEHOLDER = re.compile(r":([a-z_]+)")
_PERMALINK_PATTERN = re.compile(r"(?:^|/):[a-z_]+", re.IGNORECASE)
IMAGE_SOURCE_PARTS = ("image", "path", "src", "url")
_INDEX_PAGE = re.compile(r"/index\.html?$", re.IGNORECASE)


def is_web_address(source: str) -> bool:
    return bool(_SCHEME.match(source))


def image_source(value, key: str, warnings) -> str:
    """The lead image a static-site generator's key names: a path or URL, the first of a
    list (the rest named in a warning), or the source in a table (`cover.image`)."""
    if value is None:
        return ""
    if isinstance(value, list):
        if len(value) > 1:
            rest = ", ".join(repr(str(item)[:60]) for item in value[1:4])
            more = f" and {len(value) - 4} more" if len(value) > 4 else ""
            warnings.append(
                Problem(key, f"only the first image is the lead figure; not imported: {rest}{more}")
            )
        return image_source(value[0], key, warnings) if value else ""
    if isinstance(value, dict):
        part = next((name for name in IMAGE_SOURCE_PARTS if name in value), None)
        return image_source(value[part], key, warnings) if part else ""
    if not isinstance(value, str):
        raise ValueError(f"expected a path, a URL or a table holding one, got {kind(value)}")
    check_text(value)
    source = value.strip()
    # A protocol-relative address is read as the https one browsers load today.
    return f"https:{source}" if source.startswith("//") else source


def image_part(value, part: str):
    """The `alt` or `caption` of an image given as a table (or a list of them)."""
    if isinstance(value, list):
        return image_part(value[0], part) if value else None
    return value.get(part) if isinstance(value, dict) else None


@dataclass(frozen=True)
class OldAddresses:
    """Where an article lived on the old site, beside its source URL: `page`, the path its
    front matter gave it (permalink, url, path), and older paths that led to it."""

    page: str = ""
    aliases: tuple[str, ...] = ()
    # A Jekyll permalink with placeholders, and its key: the page's address once the
    # file's date and name fill it in (parsing.py), which only the whole file knows.
    pattern: str = ""
    pattern_key: str = ""

    @property
    def paths(self) -> list[str]:
        return list(dict.fromkeys(path for path in (self.page, *self.aliases) if path))


def old_addresses(value, key: str, meta: dict, address_keys, warnings) -> OldAddresses:
    """`value` (a path, or a list of them, given under `key`) and the first of
    `address_keys` in `meta`."""
    page, page_key, pattern = "", None, ""
    for address_key in address_keys:
        if address_key not in meta:
            continue
        given = meta[address_key]
        if isinstance(given, str) and _PERMALINK_PATTERN.search(given):
            if page_key is None:
                pattern, page_key = given.strip(), address_key
            continue
        address = page_address(address_key, given, warnings)
        if page_key is None:
            page, page_key = address, address_key
        elif address and address != page:
            warnings.append(Problem(address_key, f"not used: {page_key} is given and wins"))
    if value is None:
        items = []
    elif isinstance(value, str):
        items = [value]
    elif isinstance(value, list):
        items = value
    else:
        raise ValueError(f"expected a path or a list of paths, got {kind(value)}")
    aliases = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"expected a list of paths, found {kind(item)}")
        check_text(item)
        item = item.strip()
        if not item:
            continue
        if not (item.startswith("/") or is_web_address(item)):
            # Hugo reads a relative alias beside the page (in its section's folder).
            resolved = urljoin(page.rstrip("/") or "/", item)
            if not page:
                warnings.append(
                    Problem(
                        key,
                        f"{item[:60]!r} is relative and the file gives no address of its "
                        f"own; read as {resolved[:60]!r}",
                    )
                )
            item = resolved
        aliases.append(_path_of(item))
    return OldAddresses(page, tuple(aliases), pattern, page_key if pattern else "")


def page_address(key, value, warnings) -> str:
    if value is False:  # Eleventy: the page was never written out
        warnings.append(Problem(key, "false: the page had no address of its own"))
        return ""
    if not isinstance(value, str):
        raise refuse(key, f"expected a path, got {kind(value)}")
    try:
        check_text(value)
    except ValueError as error:
        raise refuse(key, str(error)) from None
    value = value.strip()
    if _TEMPLATE.search(value):
        warnings.append(
            Problem(key, f"{value[:60]!r} is a template, not an address: no redirect from it")
        )
        return ""
    if not value or value == "/":
        return ""
    try:
        path = _path_of(value if value.startswith("/") or is_web_address(value) else f"/{value}")
    except ValueError as error:
        raise refuse(key, str(error)) from None
    # Eleventy's /news/story/index.html was read at /news/story/.
    path = _INDEX_PAGE.sub("/", path)
    last = path.rstrip("/").rsplit("/", 1)[-1]
    # Pretty addresses (Hugo's, Zola's) end in a slash; a request without it still
    # finds the redirect (APPEND_SLASH), which is not so the other way round.
    return path if path.endswith("/") or "." in last else f"{path}/"


def _path_of(address: str) -> str:
    """The path (and query) of an old address given as a path or an http(s) URL."""
    if not is_web_address(address):
        return address
    parts = urlsplit(address)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"{address[:60]!r} is neither a path nor an http or https URL")
    return f"{parts.path or '/'}?{parts.query}" if parts.query else parts.path or "/"


# A date opening a file's name (Jekyll's, Zola's 2024-05-01-slug.md or 2024-05-01_slug)
# or written as folders in an address (/2024/05/01/slug/).
_DATED_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[-_](.+)$")
_DATED_PATH = re.compile(r"/(\d{4})/(\d{2})/(\d{2})/")
BUNDLE_FILE_NAMES = ("index", "_index")  # Hugo's and Zola's page bundles: the folder names it


def date_and_slug_of_name(path, tz) -> tuple[datetime | None, str]:
    """The date and slug a file's name gives (a page bundle's folder name for index.md)."""
    name = path.parent.name if path.stem in BUNDLE_FILE_NAMES else path.stem
    match = _DATED_NAME.match(name)
    if not match:
        return None, ""
    return _day(match[1], match[2], match[3], tz), derived_slug(match[4])


def date_of_path(path: str, tz) -> datetime | None:
    match = _DATED_PATH.search(path)
    return _day(match[1], match[2], match[3], tz) if match else None


def _day(year, month, day, tz) -> datetime | None:
    try:
        return datetime.combine(date(int(year), int(month), int(day)), time(), tzinfo=tz)
    except ValueError:
        return None  # 2024-13-45-notes.md: a name, not a date


# Jekyll's placeholders of a post's date, as its UrlDrop gives them.
_DATE_PLACEHOLDERS = {
    "year": "%Y",
    "month": "%m",
    "day": "%d",
    "short_year": "%y",
    "hour": "%H",
    "minute": "%M",
    "second": "%S",
    "y_day": "%j",
}
# Jekyll's slugs: "pretty" (for :title) keeps these and the case; the default (for :slug)
# keeps letters and digits only, lower-cased.
_PRETTY_SLUG_DROPS = re.compile(r"[^\w._~!$&'()+,;=@]+")
_DEFAULT_SLUG_DROPS = re.compile(r"(?:[^\w]|_)+")


def expand_permalink(pattern: str, *, moment, title: str, categories: list[str]) -> str:
    """The path a Jekyll permalink pattern gave a post: `moment` its date (in the site's
    zone), `title` its slug as written (the front matter's `slug`, else the file's name
    after its date), `categories` as its front matter lists them. ValueError names a
    placeholder that cannot be filled."""

    def value(match):
        name = match[1]
        if name in _DATE_PLACEHOLDERS or name in ("i_month", "i_day"):
            if moment is None:
                raise ValueError(f"the file gives no date for :{name}")
            if name == "i_month":
                return str(moment.month)
            if name == "i_day":
                return str(moment.day)
            return moment.strftime(_DATE_PLACEHOLDERS[name])
        if name == "title":
            return _PRETTY_SLUG_DROPS.sub("-", title).strip("-")
        if name == "slug":
            return _DEFAULT_SLUG_DROPS.sub("-", title).strip("-").lower()
        if name == "categories":
            return "/".join(dict.fromkeys(category.lower() for category in categories))
        if name == "output_ext":
            return ".html"
        raise ValueError(f":{name} is not a placeholder this importer fills")

    # Jekyll drops the empty segments a placeholder leaves (no categories: no "//").
    return re.sub(r"/{2,}", "/", "/" + _PLACEHOLDER.sub(value, pattern))


def jekyll_categories(value) -> list[str]:
    """A Jekyll post's `categories`: a list, or words of a string (Jekyll's own reading)."""
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(item) for item in value if isinstance(item, str | int)]
    return []


# Jekyll reads posts from these folders only; a file under one is a Jekyll post, whose
# `tags` and `categories` strings are words separated by spaces.
JEKYLL_POST_FOLDERS = ("_posts", "_drafts")


def is_jekyll_post(path) -> bool:
    return any(part in JEKYLL_POST_FOLDERS for part in path.parent.parts)


def name_of_post(path) -> str:
    """A post file's name as Jekyll's :title reads it: without its date and extension."""
    name = path.parent.name if path.stem in BUNDLE_FILE_NAMES else path.stem
    match = _DATED_NAME.match(name)
    return match[4] if match else name
