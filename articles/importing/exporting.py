"""Articles back out as format 1 files (YAML front matter + Markdown) that re-import losslessly.

The keys, their order and their values are the archive format's (archive_format.KEYS),
the one the importer reads, so an export is also a worked example of the format.
"""

import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import yaml
from django.conf import settings
from django.contrib.redirects.models import Redirect
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage

from ..models import Article, Section, SectionTree
from .archive_format import KEYS, KNOWN_KEYS, Export
from .body_images import images_in
from .problems import printable


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


def article_front_matter(
    article: Article,
    image_file: str = "",
    sections: SectionTree | None = None,
    old_paths=(),
) -> tuple[dict, list[str]]:
    """The article's fields under the importer's keys, and the extra keys that could not go.

    `image_file` is where the export put a copy of the lead figure's file, relative to the
    export folder; `sections`, every section (read once for many articles); `old_paths`,
    the old site's paths that redirect to the article."""
    meta = {}
    export = Export(image_file=image_file, sections=sections, old_paths=tuple(old_paths))
    for key in KEYS:
        value = key.write(article, export)
        # Empty values are left out: an empty title stays empty, the headline standing in
        # for it (written as the headline, it would stop following it once re-imported).
        if key.always or value not in ("", None, []):
            meta[key.name] = value
    skipped = []
    for key, value in (article.extra_metadata or {}).items():
        if key in KNOWN_KEYS:
            skipped.append(key)
        else:
            meta[key] = value
    return meta, skipped


def article_to_text(
    article: Article, image_file: str = "", sections: SectionTree | None = None, old_paths=()
) -> tuple[str, list[str]]:
    meta, skipped = article_front_matter(article, image_file, sections, old_paths)
    front_matter = yaml.dump(
        meta, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000
    )
    return f"---\n{front_matter}---\n\n{article.body}\n", skipped


def export_articles(directory: str | Path, *, queryset=None) -> ExportReport:
    """Write each article to `<slug>.md` in `directory`, replacing files of the same name."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    report = ExportReport()
    sections = Section.objects.tree()
    articles = queryset if queryset is not None else Article.objects.all()
    articles = articles.select_related("lead_figure__credit__license").prefetch_related(
        "tags", "bylines__author", "corrections"
    )
    old_paths = _old_paths_by_target()
    for article in articles.order_by("pk"):
        path = directory / f"{article.slug}.md"
        image_file = ""
        if article.lead_figure and article.lead_figure.image:
            try:
                image = article.lead_figure.image
                image_file = _copy_image(image.name, directory, image.storage)
            except OSError as error:
                report.warnings.append(
                    f"{printable(path)}: image_file: {printable(article.lead_figure.image.name)} "
                    f"could not be copied ({error.strerror or error}); the file is written "
                    "without it"
                )
        for name in _body_figure_files(article.body):
            try:
                _copy_image(name, directory)
            except (OSError, SuspiciousFileOperation) as error:
                report.warnings.append(
                    f"{printable(path)}: body: {printable(name)} could not be copied "
                    f"({getattr(error, 'strerror', None) or error}); the body still shows it"
                )
        text, skipped = article_to_text(
            article, image_file, sections, _old_paths_of(article, old_paths)
        )
        _write_atomically(path, text)
        report.written.append(path)
        if skipped:
            report.warnings.append(
                f"{printable(path)}: extra metadata keys {', '.join(map(printable, skipped))} "
                "clash with the file's own keys and were left out"
            )
    return report


def _old_paths_by_target() -> dict[str, list[str]]:
    """Every redirect of the site's, by where it leads: one query for the whole export."""
    by_target = defaultdict(list)
    redirects = Redirect.objects.filter(site_id=settings.SITE_ID).order_by("old_path")
    for old_path, new_path in redirects.values_list("old_path", "new_path"):
        by_target[new_path].append(old_path)
    return by_target


def _old_paths_of(article: Article, by_target) -> list[str]:
    # The source URL's path comes back with the source URL itself.
    source_path = urlsplit(article.source_url).path if article.source_url else None
    return [
        path
        for path in by_target.get(article.get_absolute_url(), [])
        if unquote(path) != unquote(source_path or "")
    ]


def _copy_image(name: str, directory: Path, storage=default_storage) -> str:
    """Copy a stored image under the export's images folder; its path relative to the export."""
    relative = Path(IMAGES_FOLDER, name)
    target = directory / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    with storage.open(name, "rb") as source:
        _write_atomically(target, source.read())
    return relative.as_posix()


def exported_copy(source: str) -> str | None:
    """Where export_articles copies a figure's file that a body shows from this site's
    media (`/media/figures/…`): a path under the export's folder; None for any other
    address, or one that would lead out of the folder."""
    path = unquote(urlsplit(source).path)
    if not path.startswith(settings.MEDIA_URL):
        return None
    name = path.removeprefix(settings.MEDIA_URL)
    parts = PurePosixPath(name).parts
    if len(parts) < 2 or parts[0] != "figures" or ".." in parts or "\x00" in name:
        return None
    return PurePosixPath(IMAGES_FOLDER, *parts).as_posix()


def _body_figure_files(body: str) -> list[str]:
    """The storage names of the figures' files a body shows (figures.body_figures() points
    bodies at them): copied beside the export, where an import into another site finds
    them with --images-root."""
    names = []
    for image in images_in(body):
        exported = exported_copy(image.source)
        if exported is not None:
            names.append(exported.removeprefix(IMAGES_FOLDER + "/"))
    return names


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
