"""Backup and restore of the whole site: a filled site backed up, restored into an empty
database and media folder by a real `manage.py restore`, and compared row by row and byte
by byte; and every refusal (not empty, damaged, unsafe, another version)."""

import io
import json
import os
import stat
import subprocess
import sys
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.redirects.models import Redirect
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.utils import load_backend

from articles.backup import BackupError, backup_site, read_backup, restore_site
from articles.models import Article, Figure, ImageCredit, License, Rendition
from tests.factories import ArticleFactory, LicenseFactory, small_figure

pytestmark = pytest.mark.django_db

THEN = datetime(2024, 3, 5, 6, 7, 8, 123456, tzinfo=UTC)
# Rows migrate makes on any database: compared by natural key, since their ids may differ.
MADE_BY_MIGRATE = {ContentType, Permission}


def fill_site():
    """Users (with password hashes, groups and permissions), articles with tags and
    extra metadata, figures with files and renditions, credits, licences, redirects, an
    admin log entry and a session; timestamps set to a known past instant."""
    User = get_user_model()
    night_desk = Group.objects.create(name="Night desk")
    night_desk.permissions.add(Permission.objects.get(codename="publish_article"))
    alice = User.objects.create_user(
        "alice", "alice@example.com", "correct horse battery", first_name="Alice", is_staff=True
    )
    alice.groups.add(Group.objects.get(name="Editors"), night_desk)
    alice.user_permissions.add(
        Permission.objects.get(codename="view_tag", content_type__app_label="articles")
    )
    User.objects.create_superuser("root", "root@example.com", "another secret")
    User.objects.create_user("gone", is_active=False)
    User.objects.filter(username="alice").update(last_login=THEN, date_joined=THEN)

    public_domain = LicenseFactory(name="CC0 1.0", url="")
    photo = small_figure(caption="Snow on the road")
    other = small_figure(credit=ImageCredit.objects.create(author="Ana", license=public_domain))
    Figure.objects.create(alt_text="A map", original_url="https://old.example/map.png")
    ImageCredit.objects.create(author="Unlicensed")
    lead = ArticleFactory(
        lead_figure=photo,
        tags=["Energy", "Climate policy"],
        extra_metadata={"old_key": "kept", "nested": [1, {"two": "ü"}]},
        source_url="https://old.example/story",
        body="| a | b |\n| - | - |\n| 1 | 2 |\n\n> quoted",
    )
    ArticleFactory(lead_figure=other, tags=["Energy"], status=Article.Status.DRAFT)
    ArticleFactory(status=Article.Status.WITHDRAWN, published_at=THEN)
    Article.objects.filter(pk=lead.pk).update(created_at=THEN, updated_at=THEN, imported_at=THEN)
    Redirect.objects.create(site_id=settings.SITE_ID, old_path="/x/story", new_path="/a/")
    LogEntry.objects.log_actions(
        alice.pk, [lead], CHANGE, change_message='[{"changed": {"fields": ["Title"]}}]'
    )
    SessionStore().create()


def media_contents(root) -> dict[str, bytes]:
    root = Path(root)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def every_row(db) -> dict[str, object]:
    """Every row of every model, read with raw SQL through `db` (a database connection):
    {label: [row, ...]} by primary key, references to content types and permissions as
    natural keys, plus the natural keys of those two tables."""
    def fetch(sql):
        with db.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    content_types = dict(
        (pk, (app, model)) for pk, app, model in fetch(
            "SELECT id, app_label, model FROM django_content_type"
        )
    )
    permissions = dict(
        (pk, (codename, content_types[ct])) for pk, codename, ct in fetch(
            "SELECT id, codename, content_type_id FROM auth_permission"
        )
    )
    natural = {ContentType: content_types, Permission: permissions}
    rows = {
        "contenttypes.ContentType": sorted(content_types.values()),
        "auth.Permission": sorted(permissions.values()),
    }
    quote = db.ops.quote_name
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if model in MADE_BY_MIGRATE or meta.proxy or not meta.managed:
            continue
        fields = meta.concrete_fields
        columns = ", ".join(quote(f.column) for f in fields)
        table = fetch(
            f"SELECT {columns} FROM {quote(meta.db_table)} ORDER BY {quote(meta.pk.column)}"  # noqa: S608 - names from the models
        )
        rows[meta.label] = [
            tuple(
                natural[f.related_model][value]
                if f.is_relation and f.related_model in natural and value is not None
                else value
                for f, value in zip(fields, row, strict=True)
                # The id of a many-to-many row (a group's permission…) is nothing but a
                # counter: restored relations are the same pairs, made in another order.
                if not (meta.auto_created and f.primary_key)
            )
            for row in table
        ]
        if meta.auto_created:
            rows[meta.label].sort()
    return rows


@pytest.fixture
def target(tmp_path):
    """An empty database of our own beside the test database (SQLite file, or on
    PostgreSQL a database named after it), an empty media folder, and the environment of
    a process using both; yields (env, a connection to that database)."""
    source = connection.settings_dict
    name = f"{source['NAME']}_restore"
    env = {**os.environ, "MEDIA_ROOT": str(tmp_path / "restored-media")}
    if connection.vendor == "postgresql":
        import psycopg

        admin = {
            "host": source["HOST"],
            "port": source["PORT"] or 5432,
            "user": source["USER"],
            "password": source["PASSWORD"] or None,
            "dbname": "postgres",
            "autocommit": True,
        }
        with psycopg.connect(**admin) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}"')
            server.execute(f'CREATE DATABASE "{name}"')
        credentials = source["USER"] + (f":{source['PASSWORD']}" if source["PASSWORD"] else "")
        env["DATABASE_URL"] = (
            f"postgres://{credentials}@{source['HOST']}:{source['PORT'] or 5432}/{name}"
        )
    else:
        name = str(tmp_path / "restored.sqlite3")
        env["DATABASE_URL"] = f"sqlite:///{name}"
    # A connection of the same backend, so values read both sides compare alike; under
    # the alias Django gives its side connections, which django.contrib.postgres leaves be.
    backend = load_backend(source["ENGINE"])
    target_db = backend.DatabaseWrapper({**source, "NAME": name}, NO_DB_ALIAS)
    yield env, target_db
    target_db.close()
    if connection.vendor == "postgresql":
        with psycopg.connect(**admin) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_a_restore_into_an_empty_database_and_media_folder_gives_back_every_row_and_file(
    tmp_path, media_root, target
):
    env, restored = target
    fill_site()
    before = every_row(connection)
    for label in ("auth.User", "auth.User_groups", "auth.Group_permissions", "articles.Article",
                  "articles.TaggedArticle", "articles.Rendition", "articles.License",
                  "redirects.Redirect", "admin.LogEntry", "sessions.Session"):  # fmt: skip
        assert before[label], f"fill_site() left {label} empty"
    archive = tmp_path / "site.tar"
    out = io.StringIO()

    call_command("backup", str(archive), stdout=out)

    assert out.getvalue().startswith("Backed up ")
    assert "and 6 media files (" in out.getvalue()
    result = manage(env, "restore", str(archive))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Restored ")
    after = every_row(restored)
    assert after.pop("sessions.Session") == []  # logins are not backed up
    del before["sessions.Session"]
    assert after == before
    assert media_contents(env["MEDIA_ROOT"]) == media_contents(media_root)

    # The restored site goes on: new rows get new ids (PostgreSQL's sequences were reset).
    last = License.objects.order_by("pk").last().pk
    check = manage(env, "shell", "-c", (
        "from articles.models import License;"
        f"assert License.objects.create(name='New').pk > {last}"
    ))  # fmt: skip
    assert check.returncode == 0, check.stderr


def test_the_archive_lists_and_checksums_every_member_and_only_its_owner_may_read_it(
    tmp_path, media_root
):
    fill_site()
    orphan = default_storage.save("figures/orphan.jpg", ContentFile(b"no row names me"))
    backups = tmp_path / "backups"
    backups.mkdir()

    report = backup_site(backups)

    assert report.path.parent == backups and report.path.name.startswith("newsroom-backup-")
    assert stat.S_IMODE(report.path.stat().st_mode) == 0o600
    manifest = read_backup(report.path)
    names = {*Figure.objects.exclude(image="").values_list("image", flat=True),
             *Rendition.objects.values_list("file", flat=True)}  # fmt: skip
    assert set(manifest["members"]) == {"data.jsonl"} | {f"media/{name}" for name in names}
    assert f"media/{orphan}" not in manifest["members"]
    assert manifest["rows"]["articles.article"] == 3
    assert "sessions.session" not in manifest["rows"]
    assert "contenttypes.contenttype" not in manifest["rows"]
    assert manifest["migrations"]["articles"][0] == "0001_initial"
    assert report.files == len(names) and report.missing_files == []
    assert [path.name for path in backups.iterdir()] == [report.path.name]  # no leftovers


def test_a_file_missing_from_the_media_folder_is_reported_not_fatal(tmp_path, media_root):
    figure = small_figure()
    default_storage.delete(figure.image.name)
    err = io.StringIO()

    call_command("backup", str(tmp_path / "b.tar"), stdout=io.StringIO(), stderr=err)

    assert err.getvalue() == f"Missing from the media folder, not backed up: {figure.image.name}\n"


# Restoring in this process, into the test database ------------------------------------------


@pytest.fixture
def backed_up_site(tmp_path, media_root):
    """A filled site, its backup, and what it held: (archive, rows, files)."""
    fill_site()
    archive = backup_site(tmp_path / "site.tar").path
    rows = every_row(connection)
    del rows["sessions.Session"]
    return archive, rows, media_contents(media_root)


def empty_site(media_root):
    connection.check_constraints()  # PostgreSQL empties no table with checks pending
    call_command("flush", interactive=False, verbosity=0)
    for path in sorted(Path(media_root).rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()


def rows_now():
    rows = every_row(connection)
    del rows["sessions.Session"]
    return rows


def test_restore_refuses_a_database_that_is_not_empty(backed_up_site):
    archive, rows, files = backed_up_site
    ArticleFactory(title="Written after the backup")
    rows = rows_now()

    with pytest.raises(CommandError, match=r"Nothing restored: the database is not empty .*"
                       r"articles.Article.*give --replace"):  # fmt: skip
        call_command("restore", str(archive))

    assert rows_now() == rows


def test_restore_refuses_a_media_folder_that_is_not_empty(backed_up_site, media_root):
    archive, rows, files = backed_up_site
    empty_site(media_root)
    default_storage.save("figures/already-here.jpg", ContentFile(b"x"))
    empty = rows_now()

    with pytest.raises(CommandError, match="the media folder .* is not empty"):
        call_command("restore", str(archive))

    assert rows_now() == empty
    assert set(media_contents(media_root)) == {"figures/already-here.jpg"}


def test_restore_with_replace_brings_a_changed_site_back_to_the_backup(
    backed_up_site, media_root
):
    archive, rows, files = backed_up_site
    ArticleFactory(title="Written after the backup")
    get_user_model().objects.filter(username="alice").delete()
    changed = Figure.objects.exclude(image="").first()
    (media_root / changed.image.name).write_bytes(b"overwritten since")

    call_command("restore", str(archive), "--replace", stdout=io.StringIO())

    assert rows_now() == rows
    assert media_contents(media_root) == files


def test_restore_into_the_emptied_site_in_process(backed_up_site, media_root):
    archive, rows, files = backed_up_site
    empty_site(media_root)

    report = restore_site(archive)

    assert rows_now() == rows
    assert media_contents(media_root) == files
    assert report.files == len(files) and report.rows["articles.article"] == 3


def rewrite(archive: Path, *, members=None, manifest=None, extra=()):
    """Write the archive again with some members' bytes (and the manifest) changed."""
    with tarfile.open(archive) as old:
        contents = {m.name: old.extractfile(m).read() for m in old.getmembers()}
    current = json.loads(contents["manifest.json"])
    contents.update(members or {})
    contents["manifest.json"] = json.dumps(manifest(current) if manifest else current).encode()
    archive.unlink()
    with tarfile.open(archive, "w") as new:
        for name, data in [*contents.items(), *extra]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))


def test_a_damaged_archive_is_refused_before_anything_is_written(backed_up_site, media_root):
    archive, rows, files = backed_up_site
    empty_site(media_root)
    damaged = sorted(name for name in files if name.startswith("renditions/"))[-1]
    rewrite(archive, members={f"media/{damaged}": files[damaged][:-1] + b"\0"})
    empty = rows_now()

    with pytest.raises(CommandError, match=f"is damaged: media/{damaged} does not match its "
                       "checksum"):  # fmt: skip
        call_command("restore", str(archive))

    assert rows_now() == empty
    assert media_contents(media_root) == {}


def test_an_archive_that_is_not_a_backup_is_refused(tmp_path):
    not_tar = tmp_path / "notes.tar"
    not_tar.write_text("hello")
    with pytest.raises(BackupError, match="cannot be read as a backup archive"):
        read_backup(not_tar)
    with tarfile.open(tmp_path / "other.tar", "w") as other:
        other.addfile(tarfile.TarInfo("readme.txt"), io.BytesIO(b""))
    with pytest.raises(BackupError, match="has no manifest.json: not a Newsroom backup"):
        read_backup(tmp_path / "other.tar")


def test_a_member_that_would_leave_the_media_folder_is_refused(backed_up_site, media_root):
    archive, rows, files = backed_up_site
    empty_site(media_root)
    evil = b"written outside"

    def listing_it(manifest):
        import hashlib

        entry = {"sha256": hashlib.sha256(evil).hexdigest(), "size": len(evil)}
        manifest["members"]["media/../../evil.txt"] = entry
        return manifest

    rewrite(archive, manifest=listing_it, extra=[("media/../../evil.txt", evil)])

    with pytest.raises(BackupError, match=r"media/../../evil.txt is not a safe media file name"):
        restore_site(archive)

    assert not (media_root.parent.parent / "evil.txt").exists()
    assert media_contents(media_root) == {}


def test_a_backup_made_by_another_version_is_refused(backed_up_site, media_root):
    archive, rows, files = backed_up_site
    empty_site(media_root)

    def newer(manifest):
        manifest["migrations"]["articles"].append("9999_from_the_future")
        return manifest

    rewrite(archive, manifest=newer)

    with pytest.raises(BackupError, match=r"made by another version of the site: its database "
                       r"has migrations this version lacks \(articles.9999_from_the_future\)"):
        restore_site(archive)
    assert media_contents(media_root) == {}


def test_rows_that_fail_to_load_leave_the_database_as_it_was_and_no_file(
    backed_up_site, media_root
):
    archive, rows, files = backed_up_site
    empty_site(media_root)
    with tarfile.open(archive) as old:
        data = old.extractfile("data.jsonl").read().decode()
    lines = data.splitlines()
    broken = next(i for i, line in enumerate(lines) if '"articles.article"' in line)
    row = json.loads(lines[broken])
    row["fields"]["lead_figure"] = 999_999  # no such figure: fails when checked
    lines[broken] = json.dumps(row)
    new_data = ("\n".join(lines) + "\n").encode()

    def matching(manifest):
        import hashlib

        manifest["members"]["data.jsonl"] = {
            "sha256": hashlib.sha256(new_data).hexdigest(), "size": len(new_data)
        }
        return manifest

    rewrite(archive, members={"data.jsonl": new_data}, manifest=matching)
    empty = rows_now()

    with pytest.raises(BackupError, match="its rows could not be loaded .* as they were"):
        restore_site(archive)

    assert rows_now() == empty
    assert media_contents(media_root) == {}


def test_backup_command_refuses_a_folder_that_does_not_exist(tmp_path):
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("backup", str(tmp_path / "no" / "such" / "b.tar"))


def test_timestamps_survive_exactly(backed_up_site, media_root):
    archive, rows, files = backed_up_site
    empty_site(media_root)
    restore_site(archive)
    lead = Article.objects.get(source_url="https://old.example/story")
    assert (lead.created_at, lead.updated_at, lead.imported_at) == (THEN, THEN, THEN)
    assert get_user_model().objects.get(username="alice").last_login == THEN

