"""Media files follow the database: what a rolled-back transaction wrote is deleted with it,
and `clean_media` removes the files no row refers to (what a killed process leaves)."""

import io
import os
import re
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import DatabaseError, transaction

from articles import media
from articles.importing import Result
from articles.models import Article, Figure, Rendition
from tests.factories import image_bytes, image_file, small_figure
from tests.test_importing import article_file, run
from tests.test_importing_hostile import kill_import_once_committed

pytestmark = pytest.mark.django_db

HOUR = 3600


def stored_files(root) -> set[str]:
    root = Path(root)
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def age(root, names, seconds):
    """Make files look `seconds` old."""
    then = time.time() - seconds
    for name in names:
        os.utime(Path(root) / name, (then, then))


def live_files() -> set[str]:
    names = set(Figure.objects.exclude(image="").values_list("image", flat=True))
    return names | set(Rendition.objects.values_list("file", flat=True))


def failing_bulk_create(monkeypatch):
    def fail(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(Rendition.objects, "bulk_create", fail)


# Rolled-back writes ------------------------------------------------------------------------


def test_files_saved_in_a_block_that_rolls_back_are_deleted(media_root):
    with pytest.raises(RuntimeError), media.atomic_with_files():
        kept_out = default_storage.save("figures/a.txt", ContentFile(b"a"))
        raise RuntimeError("boom")
    with media.atomic_with_files():
        dry = default_storage.save("figures/b.txt", ContentFile(b"b"))
        transaction.set_rollback(True)
    with media.atomic_with_files():
        kept = default_storage.save("figures/c.txt", ContentFile(b"c"))

    assert not default_storage.exists(kept_out) and not default_storage.exists(dry)
    assert stored_files(media_root) == {kept}


def test_an_inner_block_that_rolls_back_takes_its_files_and_the_outer_keeps_its_own(media_root):
    with media.atomic_with_files():
        outer = default_storage.save("figures/outer.txt", ContentFile(b"o"))
        with pytest.raises(RuntimeError), media.atomic_with_files():
            default_storage.save("figures/inner.txt", ContentFile(b"i"))
            raise RuntimeError("boom")
    assert stored_files(media_root) == {outer}

    # An inner block that succeeded is still undone by the outer one rolling back.
    with pytest.raises(RuntimeError), media.atomic_with_files():
        with media.atomic_with_files():
            default_storage.save("figures/inner-ok.txt", ContentFile(b"i"))
        raise RuntimeError("boom")
    assert stored_files(media_root) == {outer}


def test_a_figure_whose_renditions_fail_to_save_leaves_no_file(media_root, monkeypatch):
    failing_bulk_create(monkeypatch)

    with pytest.raises(DatabaseError), transaction.atomic():
        Figure.objects.create(alt_text="A", image=image_file(width=300, height=200))

    assert not Figure.objects.exists()
    assert stored_files(media_root) == set()


def test_regenerating_renditions_that_fail_to_save_keeps_the_old_set_and_no_new_file(
    media_root, monkeypatch
):
    figure = small_figure()
    before = stored_files(media_root)
    assert before == live_files() and len(before) == 3
    failing_bulk_create(monkeypatch)

    with pytest.raises(DatabaseError), transaction.atomic():
        figure.make_renditions()

    assert stored_files(media_root) == before == live_files()


def test_a_rolled_back_import_leaves_no_file(tmp_path, media_root, monkeypatch):
    images = tmp_path / "images"
    images.mkdir()
    for name in ("a.jpg", "b.jpg"):
        (images / name).write_bytes(image_bytes(320, 200))
    failing = article_file(
        tmp_path, "a.md", {"title": "Fails", "img_alt": "A", "page_image_src_rel": "a.jpg"}
    )
    article_file(tmp_path, "b.md", {"title": "Fine", "img_alt": "B", "page_image_src_rel": "b.jpg"})
    bulk_create = Rendition.objects.bulk_create

    def fail_for_a(renditions, **kwargs):
        renditions = list(renditions)
        if re.match(r"renditions/\d+-a[-_]", renditions[0].file.name):
            raise DatabaseError("disk full")
        return bulk_create(renditions, **kwargs)

    monkeypatch.setattr(Rendition.objects, "bulk_create", fail_for_a)
    report = run(failing, tmp_path / "b.md", images_root=images)

    assert [o.result for o in report.outcomes] == [Result.FAILED, Result.CREATED]
    assert list(Article.objects.values_list("title", flat=True)) == ["Fine"]
    assert stored_files(media_root) == live_files()
    assert len(live_files()) == 3  # b's original and its renditions in WebP and JPEG


# clean_media -------------------------------------------------------------------------------


@pytest.fixture
def media_with_orphans(media_root):
    """A figure with renditions, a figure without any, and three orphans, all two hours
    old; returns (live names, orphan names)."""
    small_figure()
    bare = Figure.objects.create(alt_text="Bare")
    Figure.objects.filter(pk=bare.pk).update(
        image=default_storage.save("figures/2025/04/bare.jpg", image_file())
    )
    orphans = {
        default_storage.save("figures/2025/04/killed.jpg", ContentFile(b"x" * 1000)),
        default_storage.save("renditions/9-killed-480w-abc.webp", ContentFile(b"y" * 200)),
        default_storage.save("renditions/9-killed-480w-abc.jpg", ContentFile(b"z" * 30)),
    }
    live = live_files()
    assert len(live) == 4 and stored_files(media_root) == live | orphans
    age(media_root, live | orphans, 2 * HOUR)
    return live, orphans


def test_remove_orphan_media_removes_what_no_row_refers_to(media_root, media_with_orphans):
    live, orphans = media_with_orphans

    report = media.remove_orphan_media()

    sizes = {"figures/2025/04/killed.jpg": 1000, "renditions/9-killed-480w-abc.webp": 200,
             "renditions/9-killed-480w-abc.jpg": 30}  # fmt: skip
    assert sorted(report.removed) == sorted(sizes.items())
    assert set(sizes) == orphans
    assert report.bytes_freed == 1230
    assert stored_files(media_root) == live


def test_clean_media_dry_run_lists_orphans_and_removes_nothing(media_root, media_with_orphans):
    live, orphans = media_with_orphans
    out = io.StringIO()

    call_command("clean_media", "--dry-run", stdout=out)

    lines = out.getvalue().splitlines()
    assert sorted(lines[:-1]) == sorted(f"Would remove {name}" for name in orphans)
    assert lines[-1] == "Would remove 3 files, freeing 1,230 bytes (dry run: nothing removed)."
    assert stored_files(media_root) == live | orphans


def test_clean_media_removes_orphans_and_says_what_it_freed(media_root, media_with_orphans):
    live, orphans = media_with_orphans
    out = io.StringIO()

    call_command("clean_media", stdout=out)

    lines = out.getvalue().splitlines()
    assert sorted(lines[:-1]) == sorted(f"Removed {name}" for name in orphans)
    assert lines[-1] == "Removed 3 files, freeing 1,230 bytes."
    assert stored_files(media_root) == live
    call_command("clean_media", stdout=(again := io.StringIO()))
    assert again.getvalue() == "No orphan media files.\n"


def test_clean_media_keeps_young_orphans(media_root, media_with_orphans):
    live, orphans = media_with_orphans
    young = default_storage.save("figures/2025/04/uploading.jpg", ContentFile(b"u" * 10))
    age(media_root, [young], 59 * 60)
    out = io.StringIO()

    call_command("clean_media", stdout=out)

    assert stored_files(media_root) == live | {young}
    assert "uploading" not in out.getvalue()
    assert out.getvalue().splitlines()[-1] == (
        "Removed 3 files, freeing 1,230 bytes. Kept 1 orphan younger than 60 minutes."
    )
    call_command("clean_media", "--grace-minutes", "30", stdout=io.StringIO())
    assert stored_files(media_root) == live


def test_clean_media_never_touches_hidden_files(media_root, media_with_orphans):
    live, orphans = media_with_orphans
    hidden = {".keep", "figures/.nfs0001"}
    for name in hidden:
        (media_root / name).write_bytes(b"h")
    age(media_root, hidden, 2 * HOUR)

    media.remove_orphan_media()

    assert stored_files(media_root) == live | hidden


def test_clean_media_refuses_a_negative_grace_period():
    with pytest.raises(ValueError, match="grace"):
        media.remove_orphan_media(grace=timedelta(minutes=-1))


# A real import killed with SIGKILL ---------------------------------------------------------


def test_clean_media_removes_what_a_killed_import_left(tmp_path):
    database = tmp_path / "killed.sqlite3"
    media_root = tmp_path / "media"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "MEDIA_ROOT": str(media_root)}

    def manage(*args, **kwargs):
        command = [sys.executable, "manage.py", *args]
        return subprocess.run(command, cwd=settings.BASE_DIR, env=env, timeout=300, **kwargs)

    def count(sql):
        with closing(sqlite3.connect(database, timeout=30)) as db:
            return db.execute(sql).fetchone()[0]

    def referenced():
        with closing(sqlite3.connect(database, timeout=30)) as db:
            figures = db.execute("SELECT image FROM articles_figure WHERE image != ''")
            renditions = db.execute("SELECT file FROM articles_rendition")
            return {name for (name,) in [*figures, *renditions]}

    manage("migrate", "--verbosity", "0", check=True)
    images = tmp_path / "images"
    images.mkdir()
    total = 400
    for n in range(total):
        (images / f"{n}.jpg").write_bytes(image_bytes(64, 48, color=(n % 256, 80, 120)))
        meta = {"title": f"Story {n}", "img_alt": "A", "page_image_src_rel": f"{n}.jpg"}
        article_file(tmp_path / "files", f"{n:04d}.md", meta)

    kill_import_once_committed(
        [str(tmp_path / "files"), "--images-root", str(images)],
        env=env,
        count=count,
        articles=50,
        then_wait=0.3,  # into the next batch, whose files are written but not committed
    )

    written = count("SELECT COUNT(*) FROM articles_article")
    assert 0 < written < total, "kill the run mid-way"
    live = referenced()
    on_disk = stored_files(media_root)
    assert live <= on_disk
    orphans = on_disk - live
    print(f"{written} articles committed; {len(orphans)} orphan files left by the kill")

    cleaned = manage("clean_media", "--grace-minutes", "0", capture_output=True, text=True)

    assert cleaned.returncode == 0, cleaned.stderr
    removed = {line.removeprefix("Removed ") for line in cleaned.stdout.splitlines()[:-1]}
    assert removed == orphans
    assert stored_files(media_root) == live
    again = manage("import_articles", str(tmp_path / "files"), "--images-root", str(images),
                   capture_output=True, text=True)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert stored_files(media_root) == referenced()
    assert count("SELECT COUNT(*) FROM articles_figure WHERE image != ''") == total
