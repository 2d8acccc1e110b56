"""Backup and restore of the whole site: every row of every app, and the media files.

A backup is one tar archive:

    data.jsonl      Django's `dumpdata` of every app, one object a line (loaded line by line)
    media/<name>    each media file a row refers to, under its storage name
    manifest.json   format, time, migrations, rows per model, and the size and SHA-256 of
                    every other member

The same code backs up and restores SQLite and PostgreSQL. The rows are read in one
transaction, so they are a consistent snapshot; the media files named by those rows are
copied after it. `restore_site()` reads the archive through and checks every
checksum before it writes anything, refuses a database or media folder that is not
empty unless told to replace it, and loads every row in one transaction.
"""

import datetime
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.serializers import jsonl
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from .media import media_files, referenced_media_names

FORMAT = "newsroom-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATA = "data.jsonl"
MEDIA = "media/"
# Left out: the rows migrate makes on every database (content types and permissions; the
# rows copied refer to them by natural key, so their ids may differ), and sessions
# (short-lived logins: a copy of them is a copy of live credentials).
NOT_COPIED = ["contenttypes", "auth.permission", "sessions"]
# Rows that migrations make on a new database (the Editors and Writers groups, the site):
# a restore replaces them, so they do not make a database "not empty".
MADE_BY_MIGRATIONS = {"auth.group", "sites.site"}
CHUNK = 1024 * 1024
# Django's JSON Lines, but with times to the microsecond (Serializer below); loaddata reads
# it as plain JSON Lines.
DATA_FORMAT = "newsroom-backup-jsonl"


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why."""


@dataclass
class BackupReport:
    path: Path
    rows: dict[str, int]
    files: int
    bytes: int
    missing_files: list[str] = field(default_factory=list)


@dataclass
class RestoreReport:
    created_at: str
    rows: dict[str, int]
    files: int


# Backup ------------------------------------------------------------------------------------


def backup_site(path: str | Path, *, using: str = DEFAULT_DB_ALIAS) -> BackupReport:
    """Write a backup of the database and media to `path` (a file, or an existing folder
    to write newsroom-backup-<time>.tar in). The archive appears whole or not at all, and
    only its owner may read it: it holds password hashes and e-mail addresses."""
    path = Path(path)
    if path.is_dir():
        path = path / f"newsroom-backup-{timezone.now():%Y%m%d-%H%M%S}.tar"
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} is not a folder")
    storage = default_storage
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".backup-") as scratch:
        data = Path(scratch) / DATA
        with _snapshot(using):
            serializers.register_serializer(DATA_FORMAT, __name__)
            call_command(
                "dumpdata",
                exclude=NOT_COPIED,
                use_natural_foreign_keys=True,
                use_base_manager=True,  # every row, whatever a default manager leaves out
                format=DATA_FORMAT,
                output=str(data),
                database=using,
                verbosity=0,
            )
            names = sorted(referenced_media_names(using=using))
            migrations = _applied_migrations(using)
        partial = Path(scratch) / "backup.tar"
        members, missing = {}, []
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
            with open(data, "rb") as file:
                members[DATA] = _add(archive, DATA, file, data.stat().st_size)
            for name in names:
                try:
                    file, size = storage.open(name, "rb"), storage.size(name)
                except FileNotFoundError:
                    missing.append(name)  # deleted since the snapshot, or lost before it
                    continue
                with file:
                    members[MEDIA + name] = _add(archive, MEDIA + name, file, size)
            rows = _rows_per_model(data)
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": timezone.now().isoformat(),
                "site_url": settings.SITE_URL,
                "database": connections[using].vendor,
                "migrations": migrations,
                "rows": rows,
                "members": members,
                "missing_files": missing,
            }
            content = json.dumps(manifest, indent=2, sort_keys=True).encode()
            _add(archive, MANIFEST, io.BytesIO(content), len(content))
        os.chmod(partial, 0o600)
        with open(partial, "rb") as file:
            os.fsync(file.fileno())
        os.replace(partial, path)
    media = [member for name, member in members.items() if name.startswith(MEDIA)]
    return BackupReport(
        path=path,
        rows=rows,
        files=len(media),
        bytes=sum(member["size"] for member in media),
        missing_files=missing,
    )


@contextmanager
def _snapshot(using):
    """A transaction whose reads all see the database at one moment."""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        # SQLite: the first read takes a shared lock, held (or, in WAL mode, a snapshot
        # kept) until the transaction ends; writers wait meanwhile.
        yield


def _applied_migrations(using) -> dict[str, list[str]]:
    applied = MigrationRecorder(connections[using]).applied_migrations()
    migrations: dict[str, list[str]] = {}
    for app_label, name in sorted(applied):
        migrations.setdefault(app_label, []).append(name)
    return migrations


def _add(archive, name, file, size) -> dict:
    """Add `file` as member `name`, hashing it on the way; its manifest entry."""
    reader = _HashingReader(file)
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(timezone.now().timestamp()), 0o600
    archive.addfile(info, reader)
    if reader.bytes_read != size:
        raise BackupError(f"{name} changed while it was being copied; run the backup again")
    return {"sha256": reader.hexdigest(), "size": size}


def _rows_per_model(data: Path) -> dict[str, int]:
    with open(data, encoding="utf-8") as lines:
        return dict(sorted(Counter(json.loads(line)["model"] for line in lines).items()))


class _HashingReader:
    """A file's reads, counted and hashed as they pass."""

    def __init__(self, file):
        self.file = file
        self.sha256 = hashlib.sha256()
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = self.file.read(size)
        self.sha256.update(chunk)
        self.bytes_read += len(chunk)
        return chunk

    def hexdigest(self):
        return self.sha256.hexdigest()


class _ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts times to milliseconds (as ECMAScript dates have them); a
    backup keeps every digit."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class Serializer(jsonl.Serializer):
    """The serialization format DATA_FORMAT, registered from this module by backup_site()."""

    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = _ExactJSONEncoder


Deserializer = jsonl.Deserializer


# Restore -----------------------------------------------------------------------------------


def read_backup(path: str | Path) -> dict:
    """The archive's manifest, once every member has been read and found whole.

    Raises BackupError naming the member for anything missing, extra, unsafe or changed.
    """
    path = Path(path)
    found, manifest = {}, None
    try:
        # "r:*": a backup compressed afterwards (gzip, xz…) reads as well.
        with tarfile.open(path, "r:*") as archive:
            for member in archive:
                if member.name in found or (member.name == MANIFEST and manifest is not None):
                    raise BackupError(f"{path}: {member.name} appears twice")
                if not member.isfile():
                    raise BackupError(f"{path}: {member.name} is not a regular file")
                file = archive.extractfile(member)
                if member.name == MANIFEST:
                    manifest = _parse_manifest(path, file.read())
                    continue
                reader = _HashingReader(file)
                while reader.read(CHUNK):
                    pass
                found[member.name] = {"sha256": reader.hexdigest(), "size": reader.bytes_read}
    except (OSError, tarfile.TarError, EOFError) as error:
        raise BackupError(f"{path} cannot be read as a backup archive: {error}") from None
    if manifest is None:
        raise BackupError(f"{path} has no {MANIFEST}: not a Newsroom backup")
    expected = manifest["members"]
    missing, extra = sorted(expected.keys() - found.keys()), sorted(found.keys() - expected)
    if missing:
        raise BackupError(f"{path} is damaged: {missing[0]} is missing")
    if extra:
        raise BackupError(f"{path}: {extra[0]} is not in the manifest")
    for name, entry in sorted(found.items()):
        if entry != expected[name]:
            raise BackupError(f"{path} is damaged: {name} does not match its checksum")
        if name != DATA and _media_name(name) is None:
            raise BackupError(f"{path}: {name} is not a safe media file name; refused")
    if DATA not in found:
        raise BackupError(f"{path} is damaged: {DATA} is missing")
    return manifest


def restore_site(
    path: str | Path, *, replace: bool = False, using: str = DEFAULT_DB_ALIAS
) -> RestoreReport:
    """Restore a backup into this site's database and media storage.

    The archive is checked whole first. Unless `replace`, the database must hold nothing
    but what migrations make and the media folder no file. The database is migrated, the
    media files written (over files of the same name, with `replace`), then in one
    transaction every row is deleted and the backup's loaded: a failure leaves the
    database as it was and takes the written files away again.
    """
    path = Path(path)
    manifest = read_backup(path)
    _check_migrations(path, manifest, using)
    storage = default_storage
    if not replace:
        _check_empty(using, storage)
    call_command("migrate", database=using, interactive=False, verbosity=0)
    with tempfile.TemporaryDirectory() as scratch:
        media = _MediaWriter(storage, Path(scratch) / "replaced")
        try:
            data = _unpack(path, manifest, Path(scratch), media)
            with transaction.atomic(using=using):
                # PostgreSQL refuses to empty a table with constraint checks still pending
                # (a caller's writes earlier in its transaction): make them now.
                connections[using].check_constraints()
                call_command("flush", database=using, interactive=False, verbosity=0)
                call_command("loaddata", str(data), database=using, verbosity=0)
        except BaseException as error:
            media.undo()
            if isinstance(error, Exception) and not isinstance(error, BackupError):
                reason = (str(error).strip().splitlines() or [""])[0][:300]
                raise BackupError(
                    f"{path}: its rows could not be loaded ({type(error).__name__}: {reason}); "
                    "the rows in the database are as they were"
                ) from error
            raise
    return RestoreReport(
        created_at=manifest["created_at"],
        rows=manifest["rows"],
        files=sum(1 for name in manifest["members"] if name.startswith(MEDIA)),
    )


def _unpack(path, manifest, scratch: Path, media: "_MediaWriter") -> Path:
    """Write the archive's media files and extract its data file; the data file's path.
    Every member is checked against its checksum again as it is written."""
    data = scratch / DATA
    with tarfile.open(path, "r:*") as archive:
        for member in archive:
            if member.name == MANIFEST:
                continue
            expected = manifest["members"][member.name]["sha256"]
            reader = _HashingReader(archive.extractfile(member))
            if member.name == DATA:
                with open(data, "wb") as file:
                    shutil.copyfileobj(reader, file, CHUNK)
            elif not media.write(_media_name(member.name), reader, expected):
                continue  # the very same file is there already
            if reader.hexdigest() != expected:
                raise BackupError(f"{path} changed while it was being restored")
    return data


class _MediaWriter:
    """Writes a restore's media files, and can take them back: the files it wrote are
    deleted, and those it wrote over (with --replace) put back."""

    def __init__(self, storage, aside: Path):
        self.storage = storage
        self.aside = aside
        self.written: list[str] = []
        self.replaced: dict[str, Path] = {}

    def write(self, name: str, reader, sha256: str) -> bool:
        """Store `reader` as `name`; False, reading nothing, if that file is there already."""
        storage = self.storage
        if storage.exists(name):  # only with --replace: the folder was empty otherwise
            with storage.open(name, "rb") as old:
                current = _HashingReader(old)
                while current.read(CHUNK):
                    pass
                if current.hexdigest() == sha256:
                    return False
                self.aside.mkdir(exist_ok=True)
                copy = self.aside / str(len(self.replaced))
                old.seek(0)
                with open(copy, "wb") as file:
                    shutil.copyfileobj(old, file, CHUNK)
            self.replaced[name] = copy
            storage.delete(name)
        saved = storage.save(name, File(reader, name=name))
        self.written.append(saved)
        if saved != name:
            raise BackupError(f"{name} could not be written under its own name")
        return True

    def undo(self):
        for name in self.written:
            self.storage.delete(name)
        for name, copy in self.replaced.items():
            with open(copy, "rb") as file:
                self.storage.save(name, File(file, name=name))


def _parse_manifest(path, content: bytes) -> dict:
    try:
        manifest = json.loads(content)
    except ValueError:
        raise BackupError(f"{path}: {MANIFEST} is not valid JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a Newsroom backup")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"{path} is a backup of format version {manifest.get('version')}; this site "
            f"reads version {VERSION}"
        )
    shape = {"created_at": str, "migrations": dict, "rows": dict, "members": dict}
    for key, kind in shape.items():
        if not isinstance(manifest.get(key), kind):
            raise BackupError(f"{path}: {MANIFEST} has no valid {key!r}")
    entries_valid = all(
        isinstance(entry, dict) and set(entry) == {"sha256", "size"}
        for entry in manifest["members"].values()
    )
    migrations_valid = all(
        isinstance(names, list) and all(isinstance(name, str) for name in names)
        for names in manifest["migrations"].values()
    )
    if not (entries_valid and migrations_valid):
        raise BackupError(f"{path}: {MANIFEST} is malformed")
    return manifest


def _media_name(member: str) -> str | None:
    """The storage name of a media member, or None if it could leave the media folder."""
    if not member.startswith(MEDIA):
        return None
    name = member.removeprefix(MEDIA)
    parts = PurePosixPath(name).parts
    if not parts or name.startswith("/") or ".." in parts or "\\" in name or "\x00" in name:
        return None
    return name


def _check_migrations(path, manifest, using):
    """The backup's rows fit this code's models only if it was made at the same migrations."""
    recorded = {
        (app_label, name)
        for app_label, names in manifest["migrations"].items()
        for name in names
    }
    known = set(MigrationLoader(connections[using], ignore_no_migrations=True).disk_migrations)
    newer, older = sorted(recorded - known), sorted(known - recorded)
    if newer or older:
        listed = ", ".join(f"{app}.{name}" for app, name in (newer or older)[:5])
        why = (
            f"its database has migrations this version lacks ({listed})"
            if newer
            else f"it lacks migrations this version has ({listed})"
        )
        raise BackupError(
            f"{path} was made by another version of the site: {why}. Restore it with the "
            "version that made it, then upgrade."
        )


def _check_empty(using, storage):
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    in_the_way = [
        model._meta.label
        for model in apps.get_models()
        if model._meta.db_table in tables
        and model._meta.label_lower not in MADE_BY_MIGRATIONS
        and model._meta.app_label not in NOT_COPIED
        and model._meta.label_lower not in NOT_COPIED
        and model._base_manager.using(using).exists()
    ]
    if in_the_way:
        raise BackupError(
            f"the database is not empty (it holds {', '.join(sorted(in_the_way)[:5])}"
            f"{'…' if len(in_the_way) > 5 else ''}); restore into an empty database, or "
            "give --replace to delete everything in it first"
        )
    if next(media_files(storage), None) is not None:
        raise BackupError(
            f"the media folder {settings.MEDIA_ROOT} is not empty; restore into an empty "
            "folder, or give --replace to write over files of the same names"
        )
