"""The archive format's keys as the Markdown table README.md shows, made from the one
declaration (archive_format.KEYS) so that the two cannot drift apart; a test compares
them."""

from ..models import Article
from .archive_format import ADDRESS_KEYS, FIGURE, IMAGE_KEYS, KEYS, NESTED_TABLES

# What a field is called where its Article field's own name would not say.
FIELD_NAMES = {
    "old_addresses": "301 redirects from old paths",
    "tags": "tags",
    "authors": "authors (bylines)",
    "updated_publicly_at": "last update shown to readers (moved by a newer correction too)",
    "corrections": "corrections: a list of `text` and `date` (added, never removed)",
}


def markdown() -> str:
    rows = ["| key | also read | fills |", "| --- | --- | --- |"]
    for key in KEYS:
        others = [*key.aliases, *key.fallback_names, *key.companions]
        also = ", ".join(f"`{name}`" for name in dict.fromkeys(others)) or "–"
        rows.append(f"| `{key.name}` | {also} | {_describe(key.field)} |")
    return "\n".join(rows) + "\n\n" + _notes()


def _describe(field_name: str) -> str:
    if field_name in FIELD_NAMES:
        return FIELD_NAMES[field_name]
    if field_name.startswith(FIGURE):
        return "lead figure: " + field_name.removeprefix(FIGURE).replace("_", " ")
    return str(Article._meta.get_field(field_name).verbose_name)


def _notes() -> str:
    tables = ", ".join(f"`{name}`" for name in NESTED_TABLES)
    images = ", ".join(f"`{name}`" for name in IMAGE_KEYS)
    addresses = ", ".join(f"`{name}`" for name in ADDRESS_KEYS)
    return (
        f"Keys under the nested tables {tables} are read as if given at the top, where a "
        "key wins. The lead image keys "
        f"({images}) take a path (looked up under `--images-root`), a URL (downloaded "
        "with `--fetch-images`), a list (the first is the lead figure) or a table with "
        "`image`, `path`, `src` or `url`, and `alt` and `caption`. The page's old address "
        f"({addresses}) gives the slug its last segment when no `slug` is given, and "
        "redirects to the article like `aliases`; a Jekyll pattern "
        "(`/:categories/:year/:month/:day/:title/`) is filled in from the file's date, "
        "name (or `slug`) and categories, as Jekyll made the address."
    )
