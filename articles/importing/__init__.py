"""Bringing article files in (`import_articles`) and writing them back out
(`export_articles`), in the one archive format declared in archive_format.py.

The management commands are thin shells over these functions.
"""

from .exporting import ExportReport, export_articles
from .outcomes import FileOutcome, ImportOptions, ImportReport, Result, get_time_zone
from .parsing import ArticleData, FigureData, parse_article
from .problems import InvalidArticle, Problem, printable
from .sources import DEFAULT_MAX_BYTES, JSON_VALUE_MAX, find_article_files, read_article_text
from .writing import import_article_file, import_articles

__all__ = [
    "DEFAULT_MAX_BYTES",
    "JSON_VALUE_MAX",
    "ArticleData",
    "ExportReport",
    "FigureData",
    "FileOutcome",
    "ImportOptions",
    "ImportReport",
    "InvalidArticle",
    "Problem",
    "Result",
    "export_articles",
    "find_article_files",
    "get_time_zone",
    "import_article_file",
    "import_articles",
    "parse_article",
    "printable",
    "read_article_text",
]
