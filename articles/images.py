"""Pure Pillow operations on image files: bytes in, bytes out, no ORM.

The models know which files and renditions exist; this module knows how to check and
make them.
"""

import io
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageOps, IptcImagePlugin, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}

EXIF_ARTIST = 0x013B
EXIF_COPYRIGHT = 0x8298
IPTC_BYLINE = (2, 80)
IPTC_CREDIT = (2, 110)
IPTC_COPYRIGHT = (2, 116)


class InvalidImage(ValueError):
    """A file that is not an image we accept; the message is written for an editor."""


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int
    creator: str = ""
    copyright: str = ""

    @property
    def extension(self):
        return EXTENSIONS[self.format]


def _read_bytes(source) -> bytes:
    if isinstance(source, bytes):
        return source
    if hasattr(source, "seek"):
        source.seek(0)
    data = source.read()
    if hasattr(source, "seek"):
        source.seek(0)
    return data


def _iptc_text(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else b""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return str(value or "").strip()


def _exif_text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return str(value or "").strip().strip("\x00").strip()


def inspect_image(source, *, max_pixels: int | None = None) -> ImageInfo:
    """Check that `source` (bytes or a file) is a real raster image within the pixel cap.

    Returns its format, size and any creator or copyright it carries (EXIF or IPTC),
    which editors are offered as the figure's credit. Raises InvalidImage otherwise.
    """
    data = _read_bytes(source)
    max_pixels = max_pixels or settings.IMAGE_MAX_PIXELS
    if len(data) > settings.IMAGE_MAX_BYTES:
        raise InvalidImage(
            f"the file is {len(data):,} bytes; the limit is {settings.IMAGE_MAX_BYTES:,}."
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format
            width, height = image.size
            if image_format not in ALLOWED_FORMATS:
                raise InvalidImage(
                    f"{image_format} images are not accepted; use JPEG, PNG, WebP or GIF."
                )
            if width * height > max_pixels:
                raise InvalidImage(
                    f"the image is {width}×{height} pixels; the limit is {max_pixels:,} pixels."
                )
            exif = image.getexif()
            iptc = IptcImagePlugin.getiptcinfo(image) or {}
            creator = _exif_text(exif.get(EXIF_ARTIST)) or _iptc_text(iptc.get(IPTC_BYLINE))
            rights = _exif_text(exif.get(EXIF_COPYRIGHT)) or _iptc_text(
                iptc.get(IPTC_COPYRIGHT) or iptc.get(IPTC_CREDIT)
            )
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # decodes every pixel: truncated or corrupt files fail here
    except InvalidImage:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError):
        raise InvalidImage(
            "the file is not an image Pillow can read (SVG and other vector files are refused)."
        ) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise InvalidImage(f"the image file is damaged or truncated ({error}).") from None
    return ImageInfo(image_format, width, height, creator[:200], rights[:200])


def strip_private_metadata(data: bytes) -> bytes:
    """Re-encode an image without EXIF (GPS, camera serials, …), orientation applied.

    The colour profile is kept: it is not private and dropping it shifts colours.
    """
    with Image.open(io.BytesIO(data)) as image:
        image_format = image.format
        if image_format == "GIF":
            return data  # GIF carries no EXIF, and re-encoding would drop animation
        icc_profile = image.info.get("icc_profile")
        upright = ImageOps.exif_transpose(image)
        out = io.BytesIO()
        options = {"icc_profile": icc_profile} if icc_profile else {}
        if image_format == "JPEG":
            if upright.mode not in ("RGB", "L", "CMYK"):
                upright = upright.convert("RGB")
            options.update(quality=92, optimize=True)
        elif image_format == "WEBP":
            options.update(quality=90)
        upright.save(out, format=image_format, **options)
        return out.getvalue()
