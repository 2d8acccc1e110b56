import importlib
import io
import re
import struct
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.template import Context, Template
from PIL import Image, ImageCms, IptcImagePlugin

from articles import images
from articles.models import Article, Figure, Rendition
from tests.factories import ArticleFactory, FigureFactory

RED = (255, 0, 0)
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def photo_bytes(width=2000, height=1000, *, exif=None, **save_options):
    """A JPEG with a gradient and a red top-left corner, so turns and crops show."""
    gradient = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", [gradient, gradient.transpose(Image.Transpose.ROTATE_180), gradient])
    image.paste(RED, (0, 0, width // 8, height // 8))
    buffer = io.BytesIO()
    if exif is not None:
        save_options["exif"] = exif
    image.save(buffer, format="JPEG", quality=92, **save_options)
    return buffer.getvalue()


def photo_file(name="photo.jpg", **kwargs):
    return ContentFile(photo_bytes(**kwargs), name=name)


def with_iptc_byline(jpeg: bytes, byline: str) -> bytes:
    """Insert a Photoshop APP13 segment carrying an IPTC by-line (Pillow cannot write one)."""
    value = byline.encode()
    iptc = b"\x1c\x02\x50" + struct.pack(">H", len(value)) + value
    iptc += b"\x00" * (len(iptc) % 2)
    payload = b"Photoshop 3.0\x00" + b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(iptc)) + iptc
    return jpeg[:2] + b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def swapped_primaries_profile() -> bytes:
    """An RGB profile whose red is sRGB's blue and back: converting to sRGB must show it."""
    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    (count,) = struct.unpack(">I", data[128:132])
    offsets = {bytes(data[132 + 12 * i : 136 + 12 * i]): 132 + 12 * i for i in range(count)}
    red, blue = offsets[b"rXYZ"], offsets[b"bXYZ"]
    data[red + 4 : red + 12], data[blue + 4 : blue + 12] = (
        data[blue + 4 : blue + 12],
        data[red + 4 : red + 12],
    )
    return bytes(data)


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def is_red(pixel):
    red, green, blue = pixel[:3]
    return red > 200 and green < 60 and blue < 60


# Pure Pillow: images.py ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        (4000, [480, 800, 1200, 1600]),
        (1600, [480, 800, 1200, 1600]),
        (1300, [480, 800, 1200]),
        (1200, [480, 800, 1200]),
        (1000, [480, 800, 1000]),
        (480, [480]),
        (300, [300]),
    ],
)
def test_rendition_widths_never_upscale_and_always_allow_a_social_image(original, expected):
    assert images.rendition_widths(original) == expected


@pytest.mark.parametrize("image_format", ["webp", "jpeg"])
def test_make_rendition_keeps_the_aspect_ratio_and_never_upscales(image_format):
    source = photo_bytes(1000, 500)

    data, width, height = images.make_rendition(source, 480, image_format)
    rendition = decode(data)
    assert (width, height) == rendition.size == (480, 240)
    assert rendition.format == image_format.upper()

    data, width, height = images.make_rendition(io.BytesIO(source), 1600, image_format)
    assert (width, height) == decode(data).size == (1000, 500)


def test_make_rendition_applies_exif_orientation():
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # stored sideways: turn 90° clockwise to show
    source = photo_bytes(1600, 900, exif=exif)

    data, width, height = images.make_rendition(source, 480, "jpeg")

    upright = decode(data).convert("RGB")
    assert (width, height) == upright.size == (480, 853)
    # The stored top-left corner is the picture's top-right once turned.
    assert is_red(upright.getpixel((width - 5, 5)))
    assert not is_red(upright.getpixel((5, 5)))


def test_renditions_carry_no_metadata():
    exif = Image.Exif()
    exif.get_ifd(GPS_IFD)[2] = (51.0, 30.0, 0.0)
    exif[0x013B] = "Secret Artist"
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">Secret XMP</x:xmpmeta>'
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = with_iptc_byline(
        photo_bytes(1300, 700, exif=exif, xmp=xmp, icc_profile=srgb), "Secret Byline"
    )
    with Image.open(io.BytesIO(source)) as original:  # the fixture really carries it all
        assert GPS_IFD in original.getexif() and "xmp" in original.info
        assert "icc_profile" in original.info and IptcImagePlugin.getiptcinfo(original)

    made = images.make_renditions(source)

    assert {(r.format, r.width) for r in made} == {
        (image_format, width) for image_format in ("webp", "jpeg") for width in (480, 800, 1200)
    }
    for rendition in made:
        assert b"Secret" not in rendition.data and b"Exif\x00" not in rendition.data
        assert b"Photoshop 3.0" not in rendition.data
        image = decode(rendition.data)
        assert not image.getexif()
        assert not {"exif", "xmp", "icc_profile", "XML:com.adobe.xmp"} & set(image.info)


def test_colours_are_converted_to_srgb_before_the_profile_is_dropped():
    source = io.BytesIO()
    Image.new("RGB", (600, 400), RED).save(
        source, format="JPEG", quality=95, icc_profile=swapped_primaries_profile()
    )

    for rendition in images.make_renditions(source.getvalue()):
        red, green, blue = decode(rendition.data).convert("RGB").getpixel((10, 10))
        assert blue > 240 and red < 20 and green < 20, rendition.format


def test_transparency_is_kept_in_webp_and_flattened_on_white_in_jpeg():
    source = io.BytesIO()
    Image.new("RGBA", (600, 300), (0, 0, 0, 0)).save(source, format="PNG")

    made = {r.format: decode(r.data) for r in images.make_renditions(source.getvalue())}

    assert made["webp"].mode == "RGBA" and made["webp"].getpixel((5, 5))[3] == 0
    assert made["jpeg"].mode == "RGB" and made["jpeg"].getpixel((5, 5)) > (250, 250, 250)


def test_a_damaged_file_is_an_invalid_image_not_a_traceback():
    with pytest.raises(images.InvalidImage, match="damaged or truncated"):
        images.make_renditions(photo_bytes()[:2000])
    with pytest.raises(images.InvalidImage, match="not an image"):
        images.make_rendition(b"<svg xmlns='http://www.w3.org/2000/svg'/>", 480, "webp")


# Uploads: checking a file and stripping what must not be published ----------------------


def animated_gif(comment=b"SECRET comment") -> bytes:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    frames = [Image.new("RGB", (40, 30), colour).convert("P") for colour in colours]
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=[100, 200, 300],
        loop=0,
        comment=comment,
    )
    return buffer.getvalue()


def with_gif_xmp(gif: bytes, xmp: bytes) -> bytes:
    """Insert an XMP application block after the palette, as Photoshop and exiftool do."""
    palette = 3 << ((gif[10] & 0x07) + 1) if gif[10] & 0x80 else 0
    parts = [xmp[i : i + 255] for i in range(0, len(xmp), 255)]
    chunks = b"".join(bytes([len(part)]) + part for part in parts)
    block = b"\x21\xff\x0bXMP DataXMP" + chunks + b"\x00"
    return gif[: 13 + palette] + block + gif[13 + palette :]


def gif_frames(data: bytes):
    with Image.open(io.BytesIO(data)) as image:
        frames = []
        for index in range(image.n_frames):
            image.seek(index)
            frames.append((image.convert("RGB").getpixel((5, 5)), image.info.get("duration")))
        return frames, image.info.get("loop")


def test_a_gif_keeps_its_animation_and_loses_comments_xmp_and_appended_bytes():
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>51,30N</exif:GPSLatitude>'
    source = with_gif_xmp(animated_gif(), xmp) + b"<html><script>alert(1)</script></html>"
    assert images.inspect_image(source).format == "GIF"  # Pillow reads the whole thing

    stripped = images.strip_private_metadata(source)

    assert b"SECRET" not in stripped and b"GPSLatitude" not in stripped
    assert b"<script>" not in stripped and stripped.endswith(b"\x3b")
    assert gif_frames(stripped) == gif_frames(animated_gif(comment=b"")) == (
        [((255, 0, 0), 100), ((0, 255, 0), 200), ((0, 0, 255), 300)],
        0,
    )


def test_a_gif_with_broken_blocks_is_an_invalid_image():
    with pytest.raises(images.InvalidImage, match="GIF file is damaged"):
        images.strip_gif_metadata(animated_gif()[:-40])


def test_a_jpeg_loses_its_comment():
    stripped = images.strip_private_metadata(photo_bytes(64, 48, comment=b"SECRET serial 1234"))
    assert b"SECRET" not in stripped
    assert "comment" not in decode(stripped).info


def test_a_multi_picture_jpeg_is_accepted_and_stored_as_its_first_picture():
    buffer = io.BytesIO()
    first, depth_map = Image.new("RGB", (64, 48), RED), Image.new("RGB", (64, 48), "blue")
    first.save(buffer, format="MPO", save_all=True, append_images=[depth_map])
    assert Image.open(io.BytesIO(buffer.getvalue())).format == "MPO"

    info = images.inspect_image(buffer.getvalue())
    stored = decode(images.strip_private_metadata(buffer.getvalue()))

    assert (info.format, info.extension) == ("JPEG", "jpg")
    assert stored.format == "JPEG" and is_red(stored.getpixel((5, 5)))
    assert not getattr(stored, "is_animated", False)


def test_an_oversized_upload_is_refused_without_being_read_whole(settings):
    settings.IMAGE_MAX_BYTES = 1000

    class Upload(io.BytesIO):
        size = 5_000_000
        largest_read = 0

        def read(self, size=-1):
            Upload.largest_read = size if size is None or size < 0 else max(size, self.largest_read)
            return super().read(size)

    upload = Upload(photo_bytes(800, 600))
    with pytest.raises(images.InvalidImage, match="is 5,000,000 bytes; the limit is 1,000"):
        images.inspect_image(upload)
    assert 0 < Upload.largest_read <= 1001


def test_a_decompression_bomb_is_refused_for_its_pixels():
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, format="PNG")  # 400 megapixels in 50 kB
    with pytest.raises(images.InvalidImage, match="far more than 40,000,000 pixels"):
        images.inspect_image(buffer.getvalue())


@pytest.mark.parametrize(
    ("creator", "rights", "credit"),
    [
        ("Jane Photographer", "© 2024 Reuters", "Jane Photographer"),
        ("", "© 2024 Reuters", "Reuters"),
        ("", "Copyright (c) 2019-2024 Ann Lens. All rights reserved.", "Ann Lens"),
        ("", "(c) by AP Photo", "AP Photo"),
        ("", "All rights reserved", ""),
        ("", "", ""),
    ],
)
def test_credit_name_is_the_creator_else_the_copyright_holder(creator, rights, credit):
    info = images.ImageInfo("JPEG", 10, 10, creator=creator, copyright=rights)
    assert info.credit_name == credit


# The model: Figure and Rendition -----------------------------------------------------------


def rendition_set(figure):
    return {(r.format, r.width, r.height) for r in figure.renditions.all()}


@pytest.mark.django_db
def test_storing_a_figure_makes_renditions_in_both_formats():
    figure = FigureFactory(image=photo_file(width=2000, height=1000))

    assert rendition_set(figure) == {
        (image_format, width, width // 2)
        for image_format in ("webp", "jpeg")
        for width in (480, 800, 1200, 1600)
    }
    for rendition in figure.renditions.all():
        name = rendition.file.name
        assert name.startswith("renditions/") and f"/{figure.pk}-" in name
        extension = "jpg" if rendition.format == "jpeg" else "webp"
        assert re.search(rf"-{rendition.width}w-[0-9a-f]{{8}}\.{extension}$", name)
        with default_storage.open(name) as file:
            image = decode(file.read())
        assert image.format == rendition.format.upper()
        assert image.size == (rendition.width, rendition.height)


@pytest.mark.django_db
def test_a_narrow_image_is_never_upscaled_and_keeps_its_own_width():
    figure = FigureFactory(image=photo_file(width=1000, height=750))

    assert {r.width for r in figure.renditions.all()} == {480, 800, 1000}
    assert max(r.width for r in figure.renditions.all()) <= figure.width


@pytest.mark.django_db
def test_an_uploaded_sideways_photo_gets_upright_renditions_without_gps():
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif.get_ifd(GPS_IFD)[2] = (51.0, 30.0, 0.0)
    figure = FigureFactory(image=photo_file(width=1600, height=900, exif=exif))

    assert {(r.width, r.height) for r in figure.renditions.all()} == {
        (480, 853),
        (800, 1422),
        (900, 1600),
    }
    for rendition in figure.renditions.all():
        with default_storage.open(rendition.file.name) as file:
            image = decode(file.read())
        assert GPS_IFD not in image.getexif()
        assert is_red(image.convert("RGB").getpixel((image.width - 3, 3)))


@pytest.mark.django_db
def test_replacing_the_image_replaces_renditions_and_removes_old_files(
    django_capture_on_commit_callbacks,
):
    figure = FigureFactory(image=photo_file(width=2000, height=1000))
    old_names = {r.file.name for r in figure.renditions.all()}

    with django_capture_on_commit_callbacks(execute=True):
        figure.image = photo_file("square.jpg", width=900, height=900)
        figure.save()

    figure = Figure.objects.get(pk=figure.pk)
    assert rendition_set(figure) == {
        (image_format, width, width)
        for image_format in ("webp", "jpeg")
        for width in (480, 800, 900)
    }
    assert not any(default_storage.exists(name) for name in old_names)
    assert all(default_storage.exists(r.file.name) for r in figure.renditions.all())


@pytest.mark.django_db
def test_storing_a_new_file_writes_the_renditions_in_one_insert(django_assert_max_num_queries):
    figure = FigureFactory(image=photo_file(width=900, height=600))

    # Update the figure, select and delete the old renditions, insert the new ones, keep
    # their copy on the figure's row (Figure.shown_renditions); read which articles show
    # it, to announce them (articles.changes).
    with django_assert_max_num_queries(6):
        figure.image = photo_file("other.jpg", width=1300, height=700)
        figure.save()

    assert figure.renditions.count() == 6


@pytest.mark.django_db
def test_saving_without_a_new_file_keeps_the_renditions():
    figure = FigureFactory(image=photo_file(width=900, height=600))
    before = {r.pk for r in figure.renditions.all()}

    figure.caption = "A new caption"
    figure.save()

    assert {r.pk for r in figure.renditions.all()} == before


@pytest.mark.django_db
def test_deleting_a_figure_removes_its_rendition_files(django_capture_on_commit_callbacks):
    figure = FigureFactory(image=photo_file(width=900, height=600))
    names = [r.file.name for r in figure.renditions.all()]
    assert names and all(default_storage.exists(name) for name in names)

    with django_capture_on_commit_callbacks(execute=True):
        figure.delete()

    assert not Rendition.objects.exists()
    assert not any(default_storage.exists(name) for name in names)


@pytest.mark.django_db
def test_removing_the_image_removes_the_renditions(django_capture_on_commit_callbacks):
    figure = FigureFactory(image=photo_file(width=900, height=600))
    names = [r.file.name for r in figure.renditions.all()]

    with django_capture_on_commit_callbacks(execute=True):
        figure.image = None
        figure.save()

    assert not figure.renditions.exists()
    assert not any(default_storage.exists(name) for name in names)


@pytest.mark.django_db
def test_a_rolled_back_deletion_keeps_the_files(django_capture_on_commit_callbacks):
    figure = FigureFactory(image=photo_file(width=900, height=600))
    figure_id, names = figure.pk, [r.file.name for r in figure.renditions.all()]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                figure.delete()
                raise RuntimeError("abort")
        except RuntimeError:
            pass

    assert callbacks == [] and Rendition.objects.filter(figure_id=figure_id).count() == 6
    assert all(default_storage.exists(name) for name in names)


def without_renditions(figure):
    """The figure as one whose file has no renditions yet (a figure stored before they
    existed, which regenerate_renditions has not reached): neither their rows nor the
    figure's copy of them."""
    Rendition.objects.filter(figure=figure).delete()
    Figure.objects.filter(pk=figure.pk).update(shown_renditions=[])
    return Figure.objects.get(pk=figure.pk)


@pytest.mark.django_db
def test_a_figure_keeps_a_copy_of_its_renditions_that_pages_read(django_assert_num_queries):
    figure = FigureFactory(image=photo_file(width=1300, height=700))
    rows = sorted(figure.renditions.all(), key=lambda r: (r.width, r.format))
    stored = Figure.objects.get(pk=figure.pk)
    assert stored.shown_renditions == [[r.format, r.width, r.height, r.file.name] for r in rows]
    prefetched = Figure.objects.prefetch_related("renditions").get(pk=figure.pk)
    with django_assert_num_queries(0):
        assert stored.picture() == prefetched.picture()
        assert stored.social_image() == prefetched.social_image()
        assert stored.srcset("jpeg") == prefetched.srcset("jpeg")

    # A new file whose renditions are made later: the old ones go, and their copy too.
    stored.image = photo_file("other.jpg", width=900, height=500)
    stored.save(renditions_later=True)
    pending = Figure.objects.get(pk=figure.pk)
    assert pending.shown_renditions == [] and not pending.renditions.exists()
    assert pending.picture()["src"] == pending.image.url
    pending.make_renditions()
    assert Figure.objects.get(pk=figure.pk).shown_renditions == [
        [r.format, r.width, r.height, r.file.name]
        for r in sorted(pending.renditions.all(), key=lambda r: (r.width, r.format))
    ]


@pytest.mark.django_db
def test_the_migration_copies_the_renditions_of_existing_figures():
    from django.apps import apps as current_apps

    migration = importlib.import_module("articles.migrations.0025_figure_shown_renditions")
    with_file = without_renditions(FigureFactory(image=photo_file(width=1300, height=700)))
    with_file.make_renditions()
    expected = Figure.objects.get(pk=with_file.pk).shown_renditions
    Figure.objects.filter(pk=with_file.pk).update(shown_renditions=[])
    without_file = Figure.objects.create(alt_text="No file")

    migration.copy_renditions(current_apps, SimpleNamespace(connection=connection))

    assert Figure.objects.get(pk=with_file.pk).shown_renditions == expected != []
    assert Figure.objects.get(pk=without_file.pk).shown_renditions == []


@pytest.mark.django_db
def test_srcset_social_image_and_thumbnail():
    figure = FigureFactory(image=photo_file(width=2000, height=1000))
    jpegs = {r.width: r for r in figure.renditions.all() if r.format == "jpeg"}
    webps = {r.width: r for r in figure.renditions.all() if r.format == "webp"}

    assert figure.srcset("webp") == ", ".join(
        f"{webps[width].file.url} {width}w" for width in (480, 800, 1200, 1600)
    )
    assert figure.srcset("jpeg") == ", ".join(
        f"{jpegs[width].file.url} {width}w" for width in (480, 800, 1200, 1600)
    )
    assert figure.social_image() == (jpegs[1200].file.url, 1200, 600)
    assert jpegs[1200].file.url.startswith("/media/renditions/")
    thumbnail = figure.thumbnail()
    assert (thumbnail.file.url, thumbnail.width) == (jpegs[480].file.url, 480)


@pytest.mark.django_db
def test_social_image_of_a_narrow_figure_is_its_widest_jpeg():
    figure = FigureFactory(image=photo_file(width=1000, height=500))

    url, width, height = figure.social_image()

    assert (width, height) == (1000, 500) and re.search(r"-1000w-\w+\.jpg$", url)


@pytest.mark.django_db
def test_social_image_falls_back_to_the_original_file_then_the_original_url():
    figure = without_renditions(FigureFactory(image=photo_file(width=1300, height=700)))
    assert figure.social_image() == (figure.image.url, 1300, 700)
    assert figure.thumbnail() is None

    without_file = Figure.objects.create(
        alt_text="A map", original_url="https://old.example/images/map.webp"
    )
    assert without_file.social_image() == ("https://old.example/images/map.webp", None, None)
    assert Figure.objects.create(alt_text="Nothing known").social_image() is None


@pytest.mark.django_db
def test_a_figure_without_a_file_has_no_renditions_and_no_error(django_assert_num_queries):
    figure = Figure.objects.create(alt_text="No file")

    assert not figure.renditions.exists()
    with django_assert_num_queries(0):
        assert figure.srcset("webp") == "" and figure.thumbnail() is None
        assert figure.picture() is None


@pytest.mark.django_db
def test_rendition_helpers_make_no_queries_on_prefetched_articles(django_assert_num_queries):
    for _ in range(3):
        ArticleFactory(lead_figure=FigureFactory(image=photo_file(width=1300, height=700)))

    for queryset in (Article.objects.for_listing(), Article.objects.for_detail()):
        articles = list(queryset)
        with django_assert_num_queries(0):
            for article in articles:
                figure = article.lead_figure
                assert figure.srcset("webp").count("w, ") == 2
                assert figure.social_image()[1:] == (1200, 646)
                assert figure.thumbnail().width == 480
                assert figure.picture()["width"] == 1200


# The template fragment ---------------------------------------------------------------------


def render_picture(figure, options=""):
    template = Template("{% load articles_tags %}{% picture figure " + options + " %}")
    html = template.render(Context({"figure": figure}))
    return html, BeautifulSoup(html, "html.parser")


@pytest.mark.django_db
def test_picture_tag_renders_webp_sources_and_a_sized_jpeg_img():
    hostile = 'Soldiers "marching" <script>alert(1)</script> & more'
    figure = FigureFactory(image=photo_file(width=2000, height=1000), alt_text=hostile)
    sizes = "(min-width: 48rem) 42rem, 100vw"

    html, soup = render_picture(figure, f'sizes="{sizes}" loading="eager"')

    (source,) = soup.select("picture > source")
    assert source["type"] == "image/webp"
    assert source["srcset"] == figure.srcset("webp") and source["sizes"] == sizes
    (img,) = soup.select("picture > img")
    url, width, height = figure.social_image()
    assert img["src"] == url and (img["width"], img["height"]) == ("1200", "600")
    assert img["srcset"] == figure.srcset("jpeg") and img["sizes"] == sizes
    assert img["loading"] == "eager" and img["fetchpriority"] == "high"
    assert img["decoding"] == "async"
    assert img["alt"] == hostile
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.mark.django_db
def test_picture_tag_is_lazy_by_default():
    figure = FigureFactory(image=photo_file(width=900, height=600))

    _, soup = render_picture(figure)

    img = soup.select_one("picture > img")
    assert img["loading"] == "lazy" and not img.has_attr("fetchpriority")
    assert img["sizes"] == "100vw" and soup.select_one("source")["sizes"] == "100vw"
    assert (img["width"], img["height"]) == ("900", "600")


@pytest.mark.django_db
def test_picture_tag_falls_back_to_the_original_while_renditions_are_missing():
    figure = without_renditions(FigureFactory(image=photo_file(width=1300, height=700)))

    _, soup = render_picture(figure, 'loading="eager"')

    assert soup.select("picture > source") == []
    img = soup.select_one("picture > img")
    assert img["src"] == figure.image.url and not img.has_attr("srcset")
    assert (img["width"], img["height"]) == ("1300", "700")


@pytest.mark.django_db
def test_picture_tag_renders_nothing_without_a_file():
    figure = Figure.objects.create(alt_text="A map", original_url="https://old.example/map.png")

    html, _ = render_picture(figure)

    assert html.strip() == ""


# Regenerating: the command and the function under it ---------------------------------------


@pytest.mark.django_db
def test_regenerate_renditions_command_remakes_deleted_renditions(
    django_capture_on_commit_callbacks,
):
    figures = [FigureFactory(image=photo_file(width=900, height=600)) for _ in range(2)]
    Figure.objects.create(alt_text="No file")
    expected = {figure.pk: rendition_set(figure) for figure in figures}
    with django_capture_on_commit_callbacks(execute=True):
        Rendition.objects.all().delete()
    assert not any(default_storage.listdir("renditions")[1])

    out = io.StringIO()
    call_command("regenerate_renditions", stdout=out)

    assert out.getvalue().strip() == (
        "Figures processed: 2; renditions made: 12; skipped without a file: 1; failed: 0."
    )
    for figure in figures:
        assert rendition_set(figure) == expected[figure.pk]
        assert all(default_storage.exists(r.file.name) for r in figure.renditions.all())


@pytest.mark.django_db
def test_regenerate_renditions_for_chosen_or_missing_figures_only():
    done, chosen, bare = (FigureFactory(image=photo_file(width=700, height=500)) for _ in range(3))
    Rendition.objects.filter(figure__in=[chosen, bare]).delete()
    done_ids = {r.pk for r in done.renditions.all()}

    report = Figure.objects.regenerate_renditions(figure_ids=[chosen.pk, 999_999])

    assert (report.figures, report.renditions) == (1, 4)
    assert report.failures == [(999_999, "no such figure")]
    assert rendition_set(chosen) and not bare.renditions.exists()

    report = Figure.objects.regenerate_renditions(missing_only=True)

    assert (report.figures, report.renditions, report.failures) == (1, 4, [])
    assert bare.renditions.count() == 4
    assert {r.pk for r in done.renditions.all()} == done_ids  # left alone


@pytest.mark.django_db
def test_regenerate_renditions_reports_missing_and_broken_files(
    django_capture_on_commit_callbacks,
):
    missing = FigureFactory(image=photo_file(width=700, height=500))
    broken = FigureFactory(image=photo_file(width=700, height=500))
    fine = FigureFactory(image=photo_file(width=700, height=500))
    kept = {r.pk for r in missing.renditions.all()}
    default_storage.delete(missing.image.name)
    with default_storage.open(broken.image.name, "wb") as file:
        file.write(b"not a picture any more")

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as error, django_capture_on_commit_callbacks(execute=True):
        call_command("regenerate_renditions", stdout=out, stderr=err)

    assert error.value.returncode == 1
    assert out.getvalue().startswith("Figures processed: 1; renditions made: 4;")
    assert out.getvalue().strip().endswith("failed: 2.")
    assert f"Figure {missing.pk}: its file {missing.image.name} is missing from storage" in (
        err.getvalue()
    )
    assert f"Figure {broken.pk}: its file {broken.image.name} cannot be used" in err.getvalue()
    assert "Traceback" not in err.getvalue()
    assert {r.pk for r in missing.renditions.all()} == kept
    assert fine.renditions.count() == 4
