"""Images inside imported bodies (static-site Markdown and HTML, WordPress, Ghost) brought
into the figure library and shown from there; what cannot be had named, and re-runs that
make no second figure."""

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.files.storage import default_storage

from articles.importing import Result, export_articles
from articles.importing.body_images import images_in, point_images
from articles.models import Article, Figure
from tests.factories import ArticleFactory, image_bytes
from tests.test_importing import only, run
from tests.test_importing_hostile import image_server  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

DATA = Path(settings.BASE_DIR) / "tests" / "data"
HARBOUR = DATA / "body_images" / "2024-07-01-harbour-cranes.md"
WXR = DATA / "wxr" / "site.xml"
GHOST = DATA / "ghost" / "site.json"
METRO = "/wp-content/uploads/2024/05/metro.jpg"
PLATFORM = "/wp-content/uploads/2024/05/platform.jpg"
NIGHT_TRAIN = "/content/images/2024/05/night-train.jpg"
CARRIAGE = "/content/images/2024/05/carriage.jpg"


def images_under(tmp_path, *paths, image_format="JPEG") -> Path:
    root = tmp_path / "images"
    for path in paths:
        (root / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (root / path.lstrip("/")).write_bytes(image_bytes(800, 500, image_format=image_format))
    return root


def body_of(client, slug):
    response = client.get(f"/articles/{slug}/")
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").select_one(".article__body")


def assert_shows_figure(img, figure):
    """The <img> shows the figure's own stored file."""
    assert img["src"] == figure.image.url and img["src"].startswith(settings.MEDIA_URL)
    assert default_storage.exists(figure.image.name)


# --- Static-site Markdown -----------------------------------------------------------------


def test_markdown_and_html_images_become_figures_shown_on_the_page(tmp_path, client):
    root = images_under(tmp_path, "/images/crane-barge.jpg", "/images/crane-night.jpg")
    (root / "images" / "crane-cab.png").write_bytes(image_bytes(300, 200, image_format="PNG"))
    outcome = only(run(HARBOUR, images_root=root), Result.CREATED)

    barge = Figure.objects.get(original_path="/images/crane-barge.jpg")
    assert (barge.alt_text, barge.caption, barge.original_url) == (
        "The first crane on its barge",
        "Towed in at dawn",  # the Markdown image's title
        "",
    )
    cab = Figure.objects.get(original_path="/images/crane-cab.png")
    assert (cab.alt_text, cab.width, cab.height) == ("Inside the operator's cab", 300, 200)
    # Hugo's figure shortcode: a Markdown image, its caption and attribution under it.
    night = Figure.objects.get(original_path="/images/crane-night.jpg")
    assert (night.alt_text, night.caption) == ("The cranes lit at night", 'Working "late".')
    assert Figure.objects.count() == 3

    body = body_of(client, "harbour-cranes")
    shown = body.select("img")
    assert [img["alt"] for img in shown] == [
        "The first crane on its barge",
        "The cranes lit at night",
        "Inside the operator's cab",
        "A crane that never made it",
    ]
    assert_shows_figure(shown[0], barge)
    assert shown[0]["title"] == "Towed in at dawn"
    assert_shows_figure(shown[1], night)
    credit_line = shown[1].find_parent("p").find_next_sibling("p")
    assert credit_line.get_text() == "Working “late”. — Port of Odesa"
    assert credit_line.a["href"] == "https://port.example.org"
    assert_shows_figure(shown[2], cab)
    # Not under --images-root: it stays where it was, and the report names it.
    assert shown[3]["src"] == "/images/lost-crane.jpg"
    assert f"{HARBOUR}: body: Hugo shortcodes left as written: tweet" in outcome.warning_lines()
    (missing,) = [line for line in outcome.warning_lines() if "brought over" in line]
    assert missing == (
        f"{HARBOUR}: body: 1 image(s) not brought over, left at their old address: "
        "/images/lost-crane.jpg (no file '/images/lost-crane.jpg' under --images-root)"
    )
    # What readers see as code is left as written.
    assert "![The first crane on its barge](/images/crane-barge.jpg)" in body.pre.get_text()


def test_a_rerun_makes_no_second_figure_with_or_without_images(tmp_path):
    root = images_under(
        tmp_path, "/images/crane-barge.jpg", "/images/crane-cab.png", "/images/crane-night.jpg"
    )
    only(run(HARBOUR, images_root=root), Result.CREATED)
    article = Article.objects.get()
    body, figures = article.body, list(Figure.objects.values_list("pk", "image"))
    assert len(figures) == 3

    only(run(HARBOUR, images_root=root), Result.UNCHANGED)
    # A run without --images-root finds the figures made before: the body stays theirs.
    only(run(HARBOUR), Result.UPDATED)
    changed = HARBOUR.read_text().replace("Two cranes arrived", "Two new cranes arrived")
    edited = tmp_path / HARBOUR.name
    edited.write_text(changed)
    only(run(edited, images_root=root), Result.UPDATED)

    article.refresh_from_db()
    assert article.body == body.replace("Two cranes arrived", "Two new cranes arrived")
    assert list(Figure.objects.values_list("pk", "image")) == figures


def test_a_dry_run_makes_no_figure_and_leaves_no_file(tmp_path):
    root = images_under(
        tmp_path, "/images/crane-barge.jpg", "/images/crane-cab.png", "/images/crane-night.jpg"
    )
    outcome = only(run(HARBOUR, images_root=root, dry_run=True), Result.CREATED)
    assert not Figure.objects.exists() and not Article.objects.exists()
    assert not (Path(settings.MEDIA_ROOT) / "figures").exists()
    # Only the image that cannot be had is named.
    assert [line for line in outcome.warning_lines() if "brought over" in line] == [
        f"{HARBOUR}: body: 1 image(s) not brought over, left at their old address: "
        "/images/lost-crane.jpg (no file '/images/lost-crane.jpg' under --images-root)"
    ]


def test_images_of_another_kind_or_address_are_named(tmp_path, image_server):  # noqa: F811
    image_server.routes["/ok.jpg"] = (200, image_bytes(200, 100))
    image_server.routes["/page.html"] = (200, b"<html>not an image</html>")
    body = (
        f"![ok]({image_server.url}/ok.jpg)\n\n"
        f"![gone]({image_server.url}/gone.jpg)\n\n"
        f"![page]({image_server.url}/page.html)\n\n"
        "![ftp](ftp://files.example/x.jpg)\n"
    )
    path = tmp_path / "a.md"
    path.write_text(f"---\ntitle: T\ndate: 2024-01-01\n---\n\n{body}")
    outcome = only(run(path, **image_server.fetch), Result.CREATED)
    (figure,) = Figure.objects.all()
    assert figure.original_url == f"{image_server.url}/ok.jpg" and figure.alt_text == "ok"
    article = Article.objects.get()
    assert f"![ok]({figure.image.url})" in article.body
    (line,) = [line for line in outcome.warning_lines() if "brought over" in line]
    assert line.startswith(f"{path}: body: 3 image(s) not brought over, left at their old ")
    assert f"{image_server.url}/gone.jpg (" in line and "HTTP 404" in line
    assert f"{image_server.url}/page.html (" in line and "not a usable image" in line
    assert "ftp://files.example/x.jpg (a ftp: address;" in line


def test_an_address_without_a_scheme_is_the_old_sites_by_https(tmp_path):
    root = images_under(tmp_path, "/images/x.jpg")
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: T\ndate: 2024-01-01\n---\n\n![X](//old.example/images/x.jpg)\n")
    only(run(path, images_root=root), Result.CREATED)
    (figure,) = Figure.objects.all()
    assert (figure.original_url, figure.original_path) == (
        "https://old.example/images/x.jpg",
        "/images/x.jpg",  # found under --images-root by the address's path
    )
    assert Article.objects.get().body == f"![X]({figure.image.url})"


# --- WordPress and Ghost ------------------------------------------------------------------


def test_wordpress_body_images_become_figures_with_their_captions(tmp_path, client):
    root = images_under(tmp_path, METRO, PLATFORM)
    report = run(WXR, images_root=root)
    assert not [line for line in report.warning_lines() if "brought over" in line]

    platform = Figure.objects.get(original_url=f"https://old.example.com{PLATFORM}")
    assert (platform.alt_text, platform.caption) == (
        "The platform at Khreshchatyk",
        "A platform at rush hour.",  # its <figcaption>
    )
    assert platform.original_path == PLATFORM
    body = body_of(client, "kyiv-metro-reopens")
    assert_shows_figure(body.img, platform)
    assert body.img["alt"] == "The platform at Khreshchatyk"
    assert "A platform at rush hour." in body.get_text()

    again = run(WXR, images_root=root)
    assert again.count(Result.UNCHANGED) == 4
    assert Figure.objects.filter(original_url=f"https://old.example.com{PLATFORM}").count() == 1


def test_a_wordpress_library_image_is_its_original_file_and_one_figure(tmp_path, client):
    """wp-image-<id> names the media library's attachment: its original file rather than
    the size the post showed, with the library's alt text; the same figure as the
    featured image when they are one image."""
    text = WXR.read_text(encoding="utf-8")
    shown = 'src="https://old.example.com/wp-content/uploads/2024/05/platform.jpg" '
    shown += 'alt="The platform at Khreshchatyk" class="wp-image-21"'
    assert shown in text
    copy = tmp_path / "site.xml"
    copy.write_text(
        text.replace(
            shown,
            'src="https://old.example.com/wp-content/uploads/2024/05/metro-1024x576.jpg" '
            'alt="" class="wp-image-20"',
        ),
        encoding="utf-8",
    )
    run(copy, images_root=images_under(tmp_path, METRO))
    article = Article.objects.get(slug="kyiv-metro-reopens")
    body = body_of(client, "kyiv-metro-reopens")
    assert_shows_figure(body.img, article.lead_figure)
    assert body.img["alt"] == article.lead_figure.alt_text != ""
    assert Figure.objects.filter(original_url=f"https://old.example.com{METRO}").count() == 1


def test_ghost_image_cards_become_figures(tmp_path, client, image_server):  # noqa: F811
    image_server.routes[NIGHT_TRAIN] = (200, image_bytes(1400, 900))
    image_server.routes[CARRIAGE] = (200, image_bytes(900, 600))
    report = run(GHOST, site_url=image_server.url, **image_server.fetch)
    assert not [line for line in report.warning_lines() if "brought over" in line]
    carriage = Figure.objects.get(original_url=f"{image_server.url}{CARRIAGE}")
    assert (carriage.alt_text, carriage.caption, carriage.width) == (
        "A sleeper carriage",
        "Inside a sleeper carriage.",  # the kg-image-card's <figcaption>
        900,
    )
    body = body_of(client, "night-trains-lviv")
    assert_shows_figure(body.img, carriage)
    again = run(GHOST, site_url=image_server.url, **image_server.fetch)
    assert again.count(Result.UNCHANGED) == 2
    assert Figure.objects.count() == 2  # the feature image and the card's


def test_a_ghost_body_image_without_its_file_is_named(tmp_path):
    data = json.loads(GHOST.read_text(encoding="utf-8"))
    copy = tmp_path / "ghost.json"
    copy.write_text(json.dumps(data), encoding="utf-8")
    report = run(copy, images_root=images_under(tmp_path, NIGHT_TRAIN))
    (line,) = [line for line in report.warning_lines() if "brought over" in line]
    assert line == (
        f"{copy}: post 6650a1b2c3d4e5f601000001 'Night trains return to Lviv': body: 1 "
        f"image(s) not brought over, left at their old address: {CARRIAGE} (no file "
        f"'{CARRIAGE}' under --images-root)"
    )


# --- The body's text ----------------------------------------------------------------------


def test_only_the_images_readers_see_are_found_and_pointed_elsewhere():
    body = (
        "![A \\[b\\]](<http://x/a b.jpg> \"T\") and <img alt='q' src='/img/q.jpg'>\n\n"
        "![Alone](/img/alone.jpg)\n\n*The caption, [linked](http://y)*\n\n"
        "    ![indented code](/img/alone.jpg)\n\n"
        "```\n<img src='/img/q.jpg'>\n```\n"
    )
    found = images_in(body)
    assert [(i.source, i.alt, i.caption) for i in found] == [
        ("http://x/a%20b.jpg", "A [b]", "T"),
        ("/img/q.jpg", "q", ""),
        ("/img/alone.jpg", "Alone", "The caption, linked"),
    ]
    new = {found[0].source: "/media/1.jpg", "/img/q.jpg": "/media/2.jpg"}
    pointed = point_images(body, {**new, "/img/alone.jpg": "/media/3.jpg"})
    # The same sources in code blocks are left as written.
    assert pointed == (
        '![A \\[b\\]](/media/1.jpg "T") and <img alt=\'q\' src="/media/2.jpg">\n\n'
        "![Alone](/media/3.jpg)\n\n*The caption, [linked](http://y)*\n\n"
        "    ![indented code](/img/alone.jpg)\n\n"
        "```\n<img src='/img/q.jpg'>\n```\n"
    )


# --- Export and import --------------------------------------------------------------------


def test_body_figures_travel_with_an_export_to_another_site(tmp_path, client):
    root = images_under(
        tmp_path, "/images/crane-barge.jpg", "/images/crane-cab.png", "/images/crane-night.jpg"
    )
    only(run(HARBOUR, images_root=root), Result.CREATED)
    out = tmp_path / "out"
    assert export_articles(out).warnings == []
    exported = (out / "harbour-cranes.md").read_text()
    names = list(Figure.objects.order_by("pk").values_list("image", flat=True))
    for name in names:  # the body keeps this site's addresses; the files go beside it
        assert f"{settings.MEDIA_URL}{name}" in exported
        assert (out / "images" / name).read_bytes() == default_storage.open(name).read()

    # The same site: its own files, nothing made again.
    exported_file = out / "harbour-cranes.md"
    before = Article.objects.values_list("body", "updated_publicly_at").get()
    only(run(exported_file, images_root=out), Result.UPDATED)  # another file, the same article
    assert Article.objects.values_list("body", "updated_publicly_at").get() == before
    assert Figure.objects.count() == 3

    # Another site: the library empty, the files found beside the export.
    Article.objects.all().delete()
    Figure.objects.all().delete()
    for name in names:
        default_storage.delete(name)
    outcome = only(run(exported_file, images_root=out), Result.CREATED)
    (missing,) = [line for line in outcome.warning_lines() if "brought over" in line]
    assert "1 image(s)" in missing and "/images/lost-crane.jpg" in missing  # as before
    figures = list(Figure.objects.order_by("pk"))
    assert [figure.original_path for figure in figures] == [f"images/{name}" for name in names]
    assert figures[0].alt_text == "The first crane on its barge"
    shown = body_of(client, "harbour-cranes").select("img")
    for img, figure in zip(shown, figures, strict=False):
        assert_shows_figure(img, figure)
    only(run(exported_file, images_root=out), Result.UNCHANGED)
    assert Figure.objects.count() == 3


def test_a_media_address_that_leads_elsewhere_is_not_copied(tmp_path):
    body = "![a](/media/../secret.jpg) ![b](/media/renditions/x.jpg) ![c](/media/figures/gone.jpg)"
    article = ArticleFactory(body=body)
    report = export_articles(tmp_path / "out")
    assert report.warnings == [
        f"{tmp_path / 'out' / article.slug}.md: body: figures/gone.jpg could not be copied "
        "(No such file or directory); the body still shows it"
    ]
    copied = [p.relative_to(tmp_path / "out") for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert all(p.parts[:2] == ("images", "figures") or p.suffix == ".md" for p in copied)
