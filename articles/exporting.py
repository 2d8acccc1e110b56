"""Articles back out as format 1 files (YAML front matter + Markdown) that re-import losslessly.

Keys follow the seed files the importer reads (`header_title`, `des`, `twitter_tittle`…),
so an export is also a worked example of the format.
"""

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.utils import timezone

from .importing.parsing import KNOWN_KEYS
from .importing.problems import printable
from .models import Article


@dataclass
class ExportReport:
    written: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _Dumper(yaml.SafeDumper):
    pass


def _represent_text(dumper, value):
    # Multi-line values (ledes, captions) read best as literal blocks; PyYAML falls back to
    # quoting by itself when a block cannot hold the value exactly.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_text)


IMAGES_FOLDER = "images"  # beside the exported files; import with --images-root DIR


def article_front_matter(article: Article, image_file: str = "") -> tuple[dict, list[str]]:
    """The article's fields under the importer's keys, and the extra keys that could not go.

    `image_file` is where the export put a copy of the lead figure's file, relative to the
    export folder."""
    # An empty title stays empty (the headline stands in for it): written as the
    # headline, it would stop following the headline once re-imported.
    meta = {"title": article.title} if article.title else {}
    figure = article.lead_figure
    credit = figure.credit if figure else None
    license = credit.license if credit else None
    values = {
        "blog_url": article.source_url,
        "img_alt": figure.alt_text if figure else "",
        "des": article.description,
        "twitter_des": article.social_description,
        "twitter_tittle": article.social_title,
        "header_title": article.headline,
        "page_date": (
            timezone.localtime(article.published_at).isoformat() if article.published_at else ""
        ),
        "page_first_p": article.lede,
        "figure_author": credit.author if credit else "",
        "figure_author_url": credit.author_url if credit else "",
        "figure_license": license.name if license else "",
        "figure_license_url": license.url if license else "",
        "page_image_src_rel": figure.original_path if figure else "",
        "img_url_full": figure.original_url if figure else "",
        "image_file": image_file,
        "figure_p": figure.caption if figure else "",
        "byline": article.byline,
    }
    meta.update({key: value for key, value in values.items() if value})
    meta["slug"] = article.slug
    meta["status"] = article.status
    tags = [tag.name for tag in article.tags.all()]
    if tags:
        meta["tags"] = tags
    skipped = []
    for key, value in (article.extra_metadata or {}).items():
        if key in KNOWN_KEYS:
            skipped.append(key)
        else:
            meta[key] = value
    return meta, skipped


def article_to_text(article: Article, image_file: str = "") -> tuple[str, list[str]]:
    meta, skipped = article_front_matter(article, image_file)
    front_matter = yaml.dump(
        meta, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000
    )
    return f"---\n{front_matter}---\n\n{article.body}\n", skipped


def export_articles(directory: str | Path, *, queryset=None) -> ExportReport:
    """Write each article to `<slug>.md` in `directory`, replacing files of the same name."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    report = ExportReport()
    articles = queryset if queryset is not None else Article.objects.all()
    articles = articles.select_related("lead_figure__credit__license").prefetch_related("tags")
    for article in articles.order_by("pk"):
        path = directory / f"{article.slug}.md"
        image_file = ""
        if article.lead_figure and article.lead_figure.image:
            try:
                image_file = _copy_image(article.lead_figure.image, directory)
            except OSError as error:
                report.warnings.append(
                    f"{printable(path)}: image_file: {printable(article.lead_figure.image.name)} "
                    f"could not be copied ({error.strerror or error}); the file is written "
                    "without it"
                )
        text, skipped = article_to_text(article, image_file)
        _write_atomically(path, text)
        report.written.append(path)
        if skipped:
            report.warnings.append(
                f"{printable(path)}: extra metadata keys {', '.join(map(printable, skipped))} "
                "clash with the file's own keys and were left out"
            )
    return report


def _copy_image(image, directory: Path) -> str:
    """Copy a stored image under the export's images folder; its path relative to the export."""
    relative = Path(IMAGES_FOLDER, image.name)
    target = directory / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    with image.storage.open(image.name, "rb") as source:
        _write_atomically(target, source.read())
    return relative.as_posix()


def _write_atomically(path: Path, content: str | bytes):
    # Written beside the target then renamed: a crash never leaves half a file, and a
    # symbolic link at the target is replaced rather than followed.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".export-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(content.encode() if isinstance(content, str) else content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
