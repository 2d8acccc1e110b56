"""Writing parsed article files to the database, one transaction per article.

`import_articles()` is what the `import_articles` command calls; `import_article_file()`
does one file. Both return outcomes rather than printing, so tests and other code can
use them directly.
"""

import hashlib
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.redirects.models import Redirect
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils.encoding import escape_uri_path
from taggit.models import Tag

from ..models import Article, ImageCredit, License, TaggedArticle
from .figures import can_get_image, get_image, save_figure, store_image
from .identity import ArticleIndex, edited_since_import, locked_article
from .outcomes import FileOutcome, ImportOptions, ImportReport, Result, get_time_zone
from .parsing import ArticleData, parse_article
from .problems import InvalidArticle, Problem
from .sources import DEFAULT_MAX_BYTES, find_article_files, read_article_text

logger = logging.getLogger(__name__)

# Part of every checksum: bump it when parsing changes, so the next run re-imports.
PARSER_VERSION = "1"
REDIRECT_PATH_MAX = Redirect._meta.get_field("old_path").max_length


class _RunCache:
    """Licences, credits and tags already fetched this run; emptied whenever a write rolls back."""

    def __init__(self):
        self.licenses: dict[tuple, License] = {}
        self.credits: dict[tuple, ImageCredit] = {}
        self.tags: dict[str, Tag] = {}

    def clear(self):
        self.licenses.clear()
        self.credits.clear()
        self.tags.clear()


def import_articles(
    paths: Iterable[str | Path],
    *,
    time_zone: str | None = None,
    status: str = Article.Status.PUBLISHED,
    images_root: str | Path | None = None,
    fetch_images: bool = False,
    dry_run: bool = False,
    overwrite: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_file: Callable[[FileOutcome, int, int], None] | None = None,
) -> ImportReport:
    """Import every article file under `paths`; each file's fate is in the report.

    `on_file(outcome, done, total)` is called after each file (the command's progress bar).
    Raises ValueError for bad options (unknown time zone or status).
    """
    if status not in (Article.Status.DRAFT, Article.Status.PUBLISHED):
        raise ValueError(f"status must be draft or published, not {status!r}")
    options = ImportOptions(
        time_zone=get_time_zone(time_zone),
        status=status,
        images_root=Path(images_root) if images_root else None,
        fetch_images=fetch_images,
        dry_run=dry_run,
        overwrite=overwrite,
        max_bytes=max_bytes,
    )
    files, skipped = find_article_files([paths] if isinstance(paths, str | Path) else paths)
    report = ImportReport(dry_run=dry_run)
    cache = _RunCache()
    index = ArticleIndex.load()
    seen: dict[str, Path] = {}
    total = len(skipped) + len(files)
    for path, problem in skipped:
        report.outcomes.append(FileOutcome(path, Result.FAILED, errors=[problem]))
        if on_file:
            on_file(report.outcomes[-1], len(report.outcomes), total)
    for path in files:
        outcome = import_article_file(path, options=options, cache=cache, seen=seen, index=index)
        report.outcomes.append(outcome)
        if on_file:
            on_file(report.outcomes[-1], len(report.outcomes), total)
    return report


def import_article_file(
    path: Path,
    *,
    options: ImportOptions,
    cache: _RunCache | None = None,
    seen: dict[str, Path] | None = None,
    index: ArticleIndex | None = None,
) -> FileOutcome:
    """Read, check and write one file in its own transaction. Never raises for bad input.

    `cache`, `seen` and `index` carry what a run has learnt from one file to the next.
    """
    cache = cache or _RunCache()
    index = index or ArticleIndex.load()
    outcome = FileOutcome(Path(path))
    try:
        text = read_article_text(path, max_bytes=options.max_bytes)
        data = parse_article(text, tz=options.time_zone)
    except InvalidArticle as error:
        outcome.errors = error.problems
        return outcome
    except Exception as error:  # a bug the file brought out: this file fails, the run goes on
        outcome.errors = [_unexpected_error(path, error)]
        return outcome
    outcome.warnings.extend(data.warnings)
    identity = data.source_url or f"slug:{data.slug}"
    if seen is not None:
        if identity in seen:
            outcome.errors = [
                Problem(
                    "file",
                    f"the same article as {seen[identity]} "
                    f"({data.source_url or 'slug ' + data.slug}); skipped",
                )
            ]
            return outcome
        seen[identity] = outcome.path
    checksum = hashlib.sha256(
        "\0".join([PARSER_VERSION, options.time_zone.key, options.status, text]).encode()
    ).hexdigest()
    stored_files: list[str] = []
    # Decided from the run's index, without a query: most files of a re-run stop here.
    known = index.find(data)
    if known and _nothing_to_write(known, data, checksum, options, outcome):
        return outcome
    try:
        with transaction.atomic():
            # Read again under a lock: an editor may have saved it since the run began.
            existing = locked_article(known.pk) if known else None
            if existing and _nothing_to_write(existing, data, checksum, options, outcome):
                return outcome
            old_slug = existing.slug if existing else None
            article = _write_article(
                data, existing, index, checksum, options, cache, outcome, stored_files
            )
            if options.dry_run:
                transaction.set_rollback(True)
                cache.clear()
        if not options.dry_run:
            index.remember(article, old_slug=old_slug)
    except BaseException as error:
        cache.clear()
        _delete_files(stored_files)
        if isinstance(error, InvalidArticle):
            outcome.errors = error.problems
        elif isinstance(error, DatabaseError):
            reason = (
                str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            )
            outcome.errors = [Problem("database", f"{reason}; nothing was written for this file")]
        elif isinstance(error, Exception):
            outcome.errors = [_unexpected_error(path, error)]
        else:
            raise  # KeyboardInterrupt and friends: the transaction has rolled back
        outcome.result = Result.FAILED
    return outcome


def _unexpected_error(path, error: Exception) -> Problem:
    logger.exception("Unexpected error importing %s", path)
    return Problem(
        "",
        f"unexpected error ({type(error).__name__}: {error}); nothing was written for this file",
    )


def _nothing_to_write(existing, data: ArticleData, checksum, options, outcome) -> bool:
    """True, with the outcome set, for a conflict or an unchanged article.

    `existing` is a KnownArticle from the run's index, or the locked Article itself.
    """
    outcome.slug = existing.slug
    edited = edited_since_import(existing)
    file_changed = existing.import_checksum != checksum
    if edited and not options.overwrite:
        if file_changed:
            outcome.result = Result.CONFLICT
            outcome.note = (
                "never imported: it was created in the admin"
                if existing.imported_at is None
                else "edited in the admin since its last import"
            )
        else:
            # Nothing in the file is new, so nothing would be overwritten: the editor's
            # version simply stands.
            outcome.result = Result.UNCHANGED
            outcome.warnings = []
        return True
    if edited or file_changed:
        return False
    missing_image = existing.lead_figure_id and not existing.figure_image
    if missing_image and can_get_image(data.figure, options):
        return False  # unchanged, but this run may bring the missing image file
    outcome.result = Result.UNCHANGED
    outcome.warnings = []  # said when it was imported; nothing is imported now
    return True


def _write_article(
    data: ArticleData, existing, index, checksum, options, cache, outcome, stored_files
) -> Article:
    """Write the file's article (new when `existing` is None); returns it as written."""
    if existing and not edited_since_import(existing) and existing.import_checksum == checksum:
        image = get_image(data.figure, options, outcome)
        if image and not options.dry_run:
            figure = existing.lead_figure
            store_image(figure, image, data.figure, stored_files)
            # The importer's own write to the figure: not an editor's.
            existing.imported_at = figure.updated_at
            Article.objects.filter(pk=existing.pk).update(imported_at=existing.imported_at)
        outcome.result = Result.UPDATED if image else Result.UNCHANGED
        return existing

    article = existing or Article()
    old_url = existing.get_absolute_url() if existing else None
    for name in ArticleData.TEXT_FIELDS:
        setattr(article, name, getattr(data, name))
    article.published_at = data.published_at
    article.extra_metadata = data.extra_metadata
    article.import_checksum = checksum
    article.lead_figure = save_figure(
        existing.lead_figure if existing else None,
        data.figure,
        options,
        cache,
        outcome,
        stored_files,
    )
    article.slug = index.unique_slug(data.slug, own_pk=article.pk)
    article.status = data.status or options.status
    if article.status == Article.Status.PUBLISHED:
        errors = article.publishing_errors()
        if errors:
            article.status = Article.Status.DRAFT
            outcome.warnings.append(
                Problem("status", "imported as a draft: " + " ".join(errors.values()))
            )
    article.save()
    # Our own write must not look like an editor's: imported_at == updated_at exactly.
    Article.objects.filter(pk=article.pk).update(imported_at=F("updated_at"))
    article.imported_at = article.updated_at
    _set_tags(article, data.tags, cache, created=existing is None)
    _save_redirects(article, data.source_url, old_url, outcome)
    outcome.slug = article.slug
    outcome.result = Result.UPDATED if existing else Result.CREATED
    return article


def _set_tags(article: Article, names: list[str], cache: _RunCache, *, created: bool):
    # Straight to the through model: taggit's add() costs two queries and two savepoints
    # per tag, which is a third of an import's time.
    tags = {}
    for name in names:
        key = name.casefold()
        if key not in cache.tags:
            cache.tags[key] = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(
                name=name
            )
        tags[cache.tags[key].pk] = cache.tags[key]
    links = TaggedArticle.objects.filter(content_object=article)
    current = set() if created else set(links.values_list("tag_id", flat=True))
    if current - tags.keys():
        links.exclude(tag_id__in=tags.keys()).delete()
    TaggedArticle.objects.bulk_create(
        TaggedArticle(content_object=article, tag=tag)
        for pk, tag in tags.items()
        if pk not in current
    )


def _save_redirects(article: Article, source_url: str, old_url: str | None, outcome):
    """The old site's path and any previous slug answer with a 301 to the article."""
    new_path = article.get_absolute_url()
    old_paths = []
    if source_url:
        parts = urlsplit(source_url)
        path = escape_uri_path(unquote(parts.path)) or "/"
        old_paths.append(f"{path}?{parts.query}" if parts.query else path)
    if old_url and old_url != new_path:
        old_paths.append(old_url)
        Redirect.objects.filter(site_id=settings.SITE_ID, new_path=old_url).update(
            new_path=new_path
        )
    for old_path in old_paths:
        if old_path in ("/", new_path):
            continue
        if len(old_path) > REDIRECT_PATH_MAX or len(new_path) > REDIRECT_PATH_MAX:
            outcome.warnings.append(
                Problem(
                    "blog_url",
                    f"no redirect from {old_path[:60]!r}…: paths over "
                    f"{REDIRECT_PATH_MAX} characters do not fit",
                )
            )
            continue
        # One upsert: old paths stay unique, and a re-run points them at the current URL.
        Redirect.objects.bulk_create(
            [Redirect(site_id=settings.SITE_ID, old_path=old_path, new_path=new_path)],
            update_conflicts=True,
            unique_fields=["site", "old_path"],
            update_fields=["new_path"],
        )


def _delete_files(names: list[str]):
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("Could not delete %s after a failed import", name)
