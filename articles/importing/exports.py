"""Export files of whole sites, which hold many articles: WordPress's WXR and Ghost's JSON."""

from pathlib import Path

from .ghost import GhostExport
from .wordpress import WordPressExport


def open_export(path: Path, options) -> WordPressExport | GhostExport:
    """The export, read through once and checked: iterate over it for its posts (each an
    items.ExportedPost), len() for how many. Raises InvalidArticle for a file that cannot
    be read, NotAnArticle for one that is not an export at all."""
    if path.suffix.lower() == ".xml":
        return WordPressExport(path, options)
    return GhostExport(path, options)
