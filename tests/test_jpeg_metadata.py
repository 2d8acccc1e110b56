"""An upright JPEG loses its metadata without being re-encoded: the stored picture is the
uploaded one, byte for byte, and what could identify or locate anyone is gone."""

import io
import struct

import pytest
from PIL import Image, ImageCms

from articles import images
from articles.jpeg import strip_jpeg_metadata
from tests.test_images import GPS_IFD, ORIENTATION, photo_bytes, with_iptc_byline

XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>SECRET-XMP</rdf:Description>'


def segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def after_soi(jpeg: bytes, *segments: bytes) -> bytes:
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def scans(jpeg: bytes) -> bytes:
    """The compressed picture: from the first start-of-scan to the end of the image."""
    return jpeg[jpeg.index(b"\xff\xda") : jpeg.index(b"\xff\xd9") + 2]


def pixels(jpeg: bytes):
    with Image.open(io.BytesIO(jpeg)) as image:
        return image.mode, image.size, image.tobytes()


def private_photo(**save_options) -> bytes:
    """An upright photo with everything a camera, an agency and an editor put in one."""
    exif = Image.Exif()
    exif[0x013B] = "SECRET-ARTIST"
    exif[0xA431] = "SECRET-SERIAL"  # the camera body's serial number
    exif.get_ifd(GPS_IFD)[2] = (51.0, 30.0, 0.0)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = photo_bytes(
        640, 480, exif=exif, comment=b"SECRET-COMMENT", icc_profile=icc, **save_options
    )
    data = with_iptc_byline(data, "SECRET-BYLINE")
    xmp = segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + XMP)
    return after_soi(data, xmp) + b"SECRET-APPENDED"


@pytest.mark.parametrize(
    "options",
    [{}, {"progressive": True}, {"restart_marker_blocks": 2}, {"subsampling": 0}],
    ids=["baseline", "progressive", "restart intervals", "4:4:4"],
)
def test_an_upright_jpeg_keeps_its_picture_byte_for_byte_and_loses_its_metadata(options):
    data = private_photo(**options)
    stripped = images.strip_private_metadata(data)
    assert scans(stripped) == scans(data)
    assert pixels(stripped) == pixels(data)
    for secret in (b"SECRET", b"Exif\x00\x00", b"8BIM", b"xmpmeta", b"ns.adobe.com/xap"):
        assert secret not in stripped, secret
    with Image.open(io.BytesIO(data)) as original:
        # The very profile the photo carries: a profile made again would hold another
        # creation time (bytes 24 to 35) once a second has passed.
        profile = original.info["icc_profile"]
    with Image.open(io.BytesIO(stripped)) as image:
        assert not image.getexif() and "xmp" not in image.info and "comment" not in image.info
        assert image.info["icc_profile"] == profile


def test_a_jfif_thumbnail_goes_and_the_density_stays():
    base = photo_bytes(64, 48, dpi=(300, 300))
    thumbnail = bytes([255, 0, 0]) * 4  # 2x2 pixels
    jfif = b"JFIF\x00\x01\x02\x01\x01\x2c\x01\x2c\x02\x02" + thumbnail
    assert base[2:4] == b"\xff\xe0"  # Pillow writes a JFIF segment first: replace it
    length = struct.unpack(">H", base[4:6])[0]
    data = base[:2] + segment(0xE0, jfif) + base[4 + length :]
    stripped = strip_jpeg_metadata(data)
    assert thumbnail not in stripped
    with Image.open(io.BytesIO(stripped)) as image:
        assert image.info["dpi"] == (300, 300)
    assert pixels(stripped) == pixels(data)


def test_a_cmyk_jpeg_keeps_its_adobe_segment_and_its_colours():
    buffer = io.BytesIO()
    Image.new("CMYK", (64, 48), (10, 200, 30, 40)).save(buffer, format="JPEG", quality=90)
    data = after_soi(buffer.getvalue(), segment(0xFE, b"SECRET"))
    stripped = images.strip_private_metadata(data)
    assert b"SECRET" not in stripped and b"Adobe" in stripped
    assert pixels(stripped) == pixels(data)


def test_a_multi_picture_jpeg_keeps_its_first_picture_only():
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (64, 48), "red"), Image.new("RGB", (64, 48), "blue")
    first.save(buffer, format="MPO", save_all=True, append_images=[second])
    stripped = images.strip_private_metadata(buffer.getvalue())
    assert stripped.count(b"\xff\xd8") == 1 and b"MPF" not in stripped
    with Image.open(io.BytesIO(stripped)) as image:
        assert image.format == "JPEG" and image.getpixel((5, 5))[0] > 200


def test_a_sideways_jpeg_is_still_turned_upright_by_re_encoding():
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    data = photo_bytes(160, 90, exif=exif)
    stripped = images.strip_private_metadata(data)
    with Image.open(io.BytesIO(stripped)) as image:
        assert image.size == (90, 160) and not image.getexif()


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:2] + b"junk" + data[2:],  # bytes where a marker should be
        lambda data: data[: data.index(b"\xff\xda") + 20],  # no end
        lambda data: data[:4] + b"\xff\xff" + data[6:],  # a length past the end
    ],
    ids=["junk between segments", "truncated", "impossible length"],
)
def test_a_structure_this_does_not_read_is_left_to_re_encoding(damage):
    assert strip_jpeg_metadata(damage(photo_bytes(64, 48))) is None


def test_what_pillow_reads_but_this_does_not_is_re_encoded_without_metadata():
    # libjpeg skips junk before a marker, with a warning; the segment reader does not.
    data = photo_bytes(64, 48, comment=b"SECRET")
    sos = data.index(b"\xff\xda")
    damaged = data[:sos] + b"\x00junk" + data[sos:]
    assert strip_jpeg_metadata(damaged) is None
    stripped = images.strip_private_metadata(damaged)
    assert b"SECRET" not in stripped
    assert pixels(stripped)[1] == (64, 48)
