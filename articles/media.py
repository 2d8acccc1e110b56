"""Media files kept in step with the rows that refer to them.

A file is written before the row that names it is committed, so a transaction that rolls
back would leave the file behind. Inside `atomic_with_files()` every file the media
storage saves is remembered, and deleted if the block rolls back. What no block can undo
(a process killed mid-transaction, a file replaced in the admin) is found by
`remove_orphan_media()`, under the `clean_media` command.
"""

import contextvars
import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from posixpath import join
from urllib.parse import urljoin

from django.apps import apps
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.utils import timezone
from django.utils.encoding import filepath_to_uri

logger = logging.getLogger(__name__)

# What each open atomic_with_files() block has saved so far, innermost last.
_open_blocks: contextvars.ContextVar[tuple[list, ...]] = contextvars.ContextVar(
    "media_files_written", default=()
)

DEFAULT_GRACE = timedelta(hours=1)


class MediaStorage(FileSystemStorage):
    """The site's default storage: the file system, telling atomic_with_files() blocks
    what it writes."""

    def _save(self, name, content):
        name = super()._save(name, content)
        for written in _open_blocks.get():
            written.append((self, name))
        return name

    def url(self, name):
        if self.base_url is None:
            return super().url(name)
        return _url(self.base_url, name)


# A listing shows a hundred rendition URLs (srcsets), each a quote() and a urljoin() in
# FileSystemStorage.url(); the same base and name always make the same URL.
@functools.lru_cache(maxsize=20_000)
def _url(base_url, name):
    path = filepath_to_uri(name)
    return urljoin(base_url, path.lstrip("/") if path is not None else path)


@contextmanager
def atomic_with_files(using=None, savepoint=True):
    """transaction.atomic() for work that saves media files: when the block rolls back
    (an exception, or set_rollback), the files saved inside it are deleted too.

    Blocks nest like atomic(): a file saved in an inner block that succeeded is deleted if
    an outer atomic_with_files() block rolls back. A plain atomic() around it knows
    nothing of its files, so wrap the whole unit of work (what a plain transaction's
    rollback leaves behind, clean_media removes).
    """
    written: list = []
    token = _open_blocks.set((*_open_blocks.get(), written))
    kept = False
    try:
        with transaction.atomic(using=using, savepoint=savepoint):
            yield
            rolling_back = transaction.get_rollback(using=using)
        kept = not rolling_back
    finally:
        _open_blocks.reset(token)
        if not kept:
            _delete(written)


def _delete(written):
    for storage, name in written:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("Could not delete %s after a rolled-back transaction", name)


# Orphans -----------------------------------------------------------------------------------


@dataclass
class OrphanReport:
    """What remove_orphan_media() removed (or, on a dry run, would remove): (name, bytes)
    pairs, and how many orphans it kept because they are younger than the grace period."""

    removed: list[tuple[str, int]] = field(default_factory=list)
    kept_young: int = 0
    dry_run: bool = False

    @property
    def bytes_freed(self) -> int:
        return sum(size for _, size in self.removed)


def remove_orphan_media(
    *, grace: timedelta = DEFAULT_GRACE, dry_run: bool = False, storage=None
) -> OrphanReport:
    """Delete the media files no row refers to (through any FileField or ImageField of any
    model: figure originals and renditions today), except those modified within `grace`,
    which an upload or import still in progress may be about to commit. Hidden files
    (named with a leading dot) are never touched: they are not the site's.
    """
    if grace < timedelta(0):
        raise ValueError("the grace period cannot be negative")
    storage = storage or default_storage
    report = OrphanReport(dry_run=dry_run)
    cutoff = timezone.now() - grace
    # Files first, rows second: a row committed in between then counts, and a file
    # written in between is young.
    files = [(name, _modified(storage, name)) for name in media_files(storage)]
    referenced = referenced_media_names()
    for name, modified in files:
        if name in referenced or modified is None:
            continue
        if modified >= cutoff:
            report.kept_young += 1
            continue
        try:
            size = storage.size(name)
            if not dry_run:
                storage.delete(name)
        except FileNotFoundError:
            continue  # someone else removed it meanwhile
        report.removed.append((name, size))
    return report


def referenced_media_names(*, using: str = DEFAULT_DB_ALIAS) -> set[str]:
    """Every file name stored in a file field of any model."""
    names = set()
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.FileField):
                names.update(
                    model._base_manager.using(using)
                    .exclude(**{model_field.attname: ""})
                    .exclude(**{f"{model_field.attname}__isnull": True})
                    .values_list(model_field.attname, flat=True)
                    .iterator()
                )
    return names


def media_files(storage, directory: str = "") -> Iterator[str]:
    """Every file under `directory`, as storage names; hidden files and folders left out."""
    if not storage.exists(directory):
        return  # no media folder yet
    directories, files = storage.listdir(directory)
    for name in sorted(files):
        if not name.startswith("."):
            yield join(directory, name) if directory else name
    for name in sorted(directories):
        if not name.startswith("."):
            yield from media_files(storage, join(directory, name) if directory else name)


def _modified(storage, name) -> datetime | None:
    """When the file was last written; None when it has gone since it was listed."""
    try:
        return storage.get_modified_time(name)
    except FileNotFoundError:
        return None
