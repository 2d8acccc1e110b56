"""Pure Pillow operations on image files: bytes in, bytes out, no ORM.

The models know which files and renditions exist; this module knows how to check and
make them.
"""

import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageCms, ImageOps, IptcImagePlugin, UnidentifiedImageError

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


# Renditions -------------------------------------------------------------------------------

RENDITION_WIDTHS = (480, 800, 1200, 1600)
SOCIAL_WIDTH = 1200
RENDITION_FORMATS = ("webp", "jpeg")
EXTENSIONS_BY_RENDITION_FORMAT = {"webp": "webp", "jpeg": "jpg"}
# JPEG 82 is WordPress's long-tested default; progressive files are smaller past a few
# kilobytes and show early. WebP's scale is not JPEG's: 80 gives similar quality in fewer
# bytes (bench/bench_renditions.py prints both). WebP encoding is most of the time spent.
SAVE_OPTIONS = {
    "jpeg": {"format": "JPEG", "quality": 82, "optimize": True, "progressive": True},
    "webp": {"format": "WEBP", "quality": 80, "method": 4},
}
_SRGB = ImageCms.createProfile("sRGB")
_SRGB_PRIMARIES = ImageCms.ImageCmsProfile(_SRGB).profile
_SWAPS_AXES = {5, 6, 7, 8}  # EXIF orientations that turn the picture a quarter turn
_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class RenditionImage:
    format: str
    width: int
    height: int
    data: bytes

    @property
    def extension(self):
        return EXTENSIONS_BY_RENDITION_FORMAT[self.format]

    @property
    def checksum(self):
        return hashlib.blake2b(self.data, digest_size=4).hexdigest()


def rendition_widths(original_width: int) -> list[int]:
    """The widths to make for an image this wide: never wider than it, and always one
    at least as wide as a social preview can use (the original's own, when narrower)."""
    widths = [width for width in RENDITION_WIDTHS if width <= original_width]
    if original_width < SOCIAL_WIDTH and original_width not in widths:
        widths.append(original_width)
    return widths


def make_rendition(source, width: int, format: str) -> tuple[bytes, int, int]:
    """One rendition of an image (bytes or a file) `width` pixels wide, never upscaled,
    as "webp" or "jpeg" bytes with its width and height.

    To make several, `make_renditions` decodes the source once for all of them.
    """
    base, _ = _decode(source, max_width=width)
    resized = _resize(base, width)
    return _encode(resized, format), resized.width, resized.height


def make_renditions(
    source, *, widths: list[int] | None = None, formats=RENDITION_FORMATS
) -> list[RenditionImage]:
    """Every rendition of an image (bytes or a file), decoding it only once.

    Orientation is applied, colours are converted to sRGB and no metadata is carried
    over. `widths` defaults to `rendition_widths()` of the upright image.
    Raises InvalidImage when the source cannot be decoded.
    """
    base, upright_width = _decode(source, max_width=max(widths) if widths else None)
    renditions = []
    for width in sorted(widths or rendition_widths(upright_width), reverse=True):
        resized = _resize(base, width)
        for image_format in formats:
            data = _encode(resized, image_format)
            renditions.append(RenditionImage(image_format, resized.width, resized.height, data))
    return renditions


def _decode(source, *, max_width: int | None) -> tuple[Image.Image, int]:
    """Pixels ready to resize (upright, sRGB, 8-bit RGB, RGBA or L, no metadata) and the
    upright width of the original. `max_width` defaults to the widest rendition's."""
    try:
        with Image.open(io.BytesIO(_read_bytes(source))) as image:
            width, height = image.size
            if image.getexif().get(_EXIF_ORIENTATION) in _SWAPS_AXES:
                width, height = height, width
            max_width = max_width or max(rendition_widths(width))
            if image.format == "JPEG" and max_width < width:
                # libjpeg decodes at 1/2, 1/4 or 1/8 scale, staying at least as large as
                # asked: several times faster on camera-sized photographs.
                scale = max_width / width
                image.draft(None, (int(image.width * scale) + 1, int(image.height * scale) + 1))
            icc_profile = image.info.get("icc_profile")
            base = _to_srgb(ImageOps.exif_transpose(image), icc_profile)
    except (UnidentifiedImageError, Image.DecompressionBombError):
        raise InvalidImage("the file is not an image Pillow can read.") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise InvalidImage(f"the image file is damaged or truncated ({error}).") from None
    base.info = {}
    return base, width


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Pixels browsers show right without a profile: untagged images are taken as sRGB."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    elif image.mode in ("1", "F"):
        image = image.convert("L")
    elif image.mode in ("LA", "La", "PA", "RGBa") or image.has_transparency_data:
        image = image.convert("RGBA")
    elif image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    profile = _profile(icc_profile)
    if profile is not None and image.mode in ("RGB", "RGBA", "CMYK"):
        output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        try:
            transform = ImageCms.buildTransform(profile, _SRGB, image.mode, output_mode)
            return ImageCms.applyTransform(image, transform)
        except ImageCms.PyCMSError:
            pass  # a profile lcms cannot use: the pixels are kept as they are
    return image.convert("RGB") if image.mode == "CMYK" else image


def _profile(icc_profile: bytes | None):
    """The image's own colour profile, or None when it is sRGB already or unusable."""
    if not icc_profile:
        return None
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
    except (ImageCms.PyCMSError, OSError, TypeError):
        return None
    if profile.profile.xcolor_space.strip() == "RGB" and _has_srgb_primaries(profile.profile):
        return None  # most camera files: converting would cost time and change nothing
    return profile


def _has_srgb_primaries(profile) -> bool:
    for name in ("red_colorant", "green_colorant", "blue_colorant"):
        ours, srgb = getattr(profile, name), getattr(_SRGB_PRIMARIES, name)
        if ours is None or any(abs(a - b) > 0.005 for a, b in zip(ours[0], srgb[0], strict=True)):
            return False
    return True


def _resize(image: Image.Image, width: int) -> Image.Image:
    if width >= image.width:
        return image
    height = max(1, round(image.height * width / image.width))
    # reducing_gap: a fast integer box reduction first, then Lanczos over the last
    # factor of three; indistinguishable from Lanczos all the way at these sizes.
    return image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)


def _encode(image: Image.Image, image_format: str) -> bytes:
    if image_format not in SAVE_OPTIONS:
        raise ValueError(f"unknown rendition format {image_format!r}; use webp or jpeg.")
    if image_format == "jpeg" and image.mode == "RGBA":
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    out = io.BytesIO()
    image.save(out, **SAVE_OPTIONS[image_format])
    return out.getvalue()
