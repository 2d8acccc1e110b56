"""A figure uploaded in the admin answers at once: its renditions are made after the
response, in the background, while the admin says they are pending and pages show the
original image."""

import io
import threading
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from articles import background
from articles.changes import Change, article_changed
from articles.models import Figure
from tests.factories import ArticleFactory, image_bytes

# The renditions are made by another thread, on its own connection: it sees only what
# is committed, so these tests commit (and restore the groups migrations made).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PENDING = Figure.RenditionsStatus.PENDING


@pytest.fixture
def held():
    """Background work waits until the test lets it go, so that the test sees what an
    editor sees before the renditions are ready."""
    release = threading.Event()
    background.run_soon(release.wait, 30)
    yield release
    release.set()
    background.wait_for_background_work()


def upload(client, figure=None, width=1600, height=900, color=(40, 90, 160)):
    data = image_bytes(width=width, height=height, color=color)
    form = {
        "image": SimpleUploadedFile("bridge.jpg", data, content_type="image/jpeg"),
        "alt_text": "The old stone bridge",
        "caption": "",
        "credit": "",
        "original_url": "",
        "original_path": "",
    }
    if figure is None:
        url = reverse("admin:articles_figure_add")
    else:
        url = reverse("admin:articles_figure_change", args=[figure.pk])
    response = client.post(url, form)
    assert response.status_code == 302, response.content[:2000]
    return Figure.objects.latest("pk") if figure is None else Figure.objects.get(pk=figure.pk)


def test_the_upload_answers_before_the_renditions_are_made(client, editor, held):
    client.force_login(editor)
    figure = upload(client)
    assert figure.renditions_status == PENDING
    assert not figure.renditions.exists()
    assert default_storage.exists(figure.image.name)

    held.set()
    background.wait_for_background_work()
    figure.refresh_from_db()
    assert figure.renditions_status == Figure.RenditionsStatus.READY
    assert sorted(figure.renditions.values_list("width", "format")) == [
        (480, "jpeg"), (480, "webp"), (800, "jpeg"), (800, "webp"),
        (1200, "jpeg"), (1200, "webp"), (1600, "jpeg"), (1600, "webp"),
    ]  # fmt: skip
    for rendition in figure.renditions.all():
        assert default_storage.exists(rendition.file.name)


def test_the_admin_says_renditions_are_pending_until_they_are_ready(client, editor, held):
    client.force_login(editor)
    figure = upload(client)
    listing = client.get(reverse("admin:articles_figure_changelist")).content.decode()
    assert "Renditions pending" in listing
    form = client.get(reverse("admin:articles_figure_change", args=[figure.pk]))
    assert "Renditions are being made" in form.content.decode()

    held.set()
    background.wait_for_background_work()
    listing = client.get(reverse("admin:articles_figure_changelist")).content.decode()
    assert "Renditions pending" not in listing


def test_pages_show_the_original_image_meanwhile(client, editor, held):
    client.force_login(editor)
    figure = upload(client)
    article = ArticleFactory(lead_figure=figure)
    page = BeautifulSoup(client.get(article.get_absolute_url()).content, "html.parser")
    image = page.select_one("figure img")
    assert image["src"] == figure.image.url
    assert not image.has_attr("srcset")
    assert (image["width"], image["height"]) == ("1600", "900")
    og_image = page.select_one("meta[property='og:image']")["content"]
    assert og_image.endswith(figure.image.url)
    assert client.get("/feeds/rss/").status_code == 200
    assert client.get(reverse("admin:articles_figure_changelist")).status_code == 200


def test_articles_showing_the_figure_are_announced_once_its_renditions_are_ready(
    client, editor, held
):
    client.force_login(editor)
    figure = upload(client)
    article = ArticleFactory(lead_figure=figure)
    heard = []

    def listener(sender, article_ids, kind, **kwargs):
        heard.append((kind, article_ids))

    article_changed.connect(listener, dispatch_uid="test-background-listener")
    try:
        held.set()
        background.wait_for_background_work()
    finally:
        article_changed.disconnect(dispatch_uid="test-background-listener")
    assert heard == [(Change.FIGURE_CHANGED, (article.pk,))]


def test_a_file_replaced_before_its_renditions_were_made_gets_only_its_own(
    client, editor, held
):
    client.force_login(editor)
    figure = upload(client, width=1600, height=900)
    figure = upload(client, figure, width=1000, height=600, color=(200, 30, 30))
    held.set()
    background.wait_for_background_work()
    figure.refresh_from_db()
    assert figure.renditions_status == Figure.RenditionsStatus.READY
    assert {r.width for r in figure.renditions.all()} == {480, 800, 1000}


def test_replacing_a_file_drops_the_old_renditions_at_once(client, editor):
    client.force_login(editor)
    figure = upload(client, width=1600, height=900)
    background.wait_for_background_work()
    old_files = list(figure.renditions.values_list("file", flat=True))
    assert old_files
    release = threading.Event()
    background.run_soon(release.wait, 30)
    try:
        figure = upload(client, figure, width=1000, height=600)
        # No page may show the old picture's renditions for the new file.
        assert not figure.renditions.exists()
        assert not any(default_storage.exists(name) for name in old_files)
    finally:
        release.set()


def test_a_figure_deleted_meanwhile_is_skipped(client, editor, held):
    client.force_login(editor)
    figure = upload(client)
    Figure.objects.filter(pk=figure.pk).delete()
    held.set()
    background.wait_for_background_work()
    assert not Path(default_storage.location, "renditions").exists() or not any(
        Path(default_storage.location, "renditions").iterdir()
    )


def test_a_failure_is_shown_and_regenerate_makes_them_later(client, editor, held, caplog):
    client.force_login(editor)
    figure = upload(client)
    stored = Path(default_storage.path(figure.image.name))
    kept = stored.read_bytes()
    stored.unlink()  # the file went missing before the renditions were made
    held.set()
    background.wait_for_background_work()
    status = Figure.objects.values_list("renditions_status", flat=True).get(pk=figure.pk)
    assert status == Figure.RenditionsStatus.FAILED
    assert f"Renditions of figure {figure.pk} failed" in caplog.text
    listing = client.get(reverse("admin:articles_figure_changelist")).content.decode()
    assert "Renditions failed" in listing

    stored.write_bytes(kept)
    call_command("regenerate_renditions", "--missing-only", stdout=io.StringIO())
    figure.refresh_from_db()
    assert figure.renditions_status == Figure.RenditionsStatus.READY
    assert figure.renditions.count() == 8


def test_figures_left_pending_by_a_restart_are_finished_by_regenerate(client, editor, held):
    client.force_login(editor)
    figure = upload(client)
    # As if the process had died before the work ran: nothing will make them now.
    Figure.objects.filter(pk=figure.pk).update(image=figure.image.name)
    call_command("regenerate_renditions", "--missing-only", stdout=io.StringIO())
    figure.refresh_from_db()
    assert figure.renditions_status == Figure.RenditionsStatus.READY
    assert figure.renditions.count() == 8


def test_figures_saved_outside_the_admin_get_their_renditions_at_once():
    figure = Figure(alt_text="An import's figure")
    figure.image = SimpleUploadedFile("a.jpg", image_bytes(900, 600))
    figure.save()
    assert figure.renditions_status == Figure.RenditionsStatus.READY
    assert figure.renditions.count() == 6
