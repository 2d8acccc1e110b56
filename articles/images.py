"""Pure Pillow operations on image files: bytes in, bytes out, no ORM.

The models know which files and renditions exist; this module knows how to check and
make them.
"""

import hashlib
import io
import re
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageCms, ImageOps, IptcImagePlugin, UnidentifiedImageError

from .jpeg import strip_jpeg_metadata

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
# File name extensions of those formats, for the upload form (".jpg", ".jpeg", ".png", …).
FILE_EXTENSIONS = sorted(
    extension.lstrip(".")
    for extension, image_format in Image.registered_extensions().items()
    if image_format in ALLOWED_FORMATS
)
# Pillow names JPEGs that carry several pictures (phones' depth maps, stereo cameras) MPO;
# they are JPEG files, stored as their first picture.
SAME_FORMAT = {"MPO": "JPEG"}

EXIF_ARTIST = 0x013B
EXIF_COPYRIGHT = 0x8298
IPTC_BYLINE = (2, 80)
IPTC_CREDIT = (2, 110)
IPTC_COPYRIGHT = (2, 116)


class InvalidImage(ValueError):
    """A file that is not an image we accept; the message is written for an editor."""


# "© 2024 ", "Copyright (c) 2019-2024 ", "(c) by " before a name; "All rights reserved" after.
_COPYRIGHT_PREFIX = re.compile(
    r"^(?:(?:©|\(c\)|copyright)[\s.:]*)*(?:\d{4}(?:\s*[-–]\s*\d{4})?[\s,.:]*)?(?:by\s+)?",
    re.IGNORECASE,
)
_COPYRIGHT_SUFFIX = re.compile(r"[\s,.;]*all rights reserved\.?$", re.IGNORECASE)


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

    @property
    def credit_name(self) -> str:
        return credit_name(self.creator, self.copyright)


def credit_name(creator: str, copyright: str) -> str:
    """Whom to credit: the creator, else the copyright holder ("© 2024 Reuters" gives
    "Reuters"); empty when the file names neither."""
    if creator:
        return creator
    holder = _COPYRIGHT_SUFFIX.sub("", _COPYRIGHT_PREFIX.sub("", copyright))
    return holder.strip()


def _read_bytes(source, max_bytes: int | None = None) -> bytes:
    """The bytes of `source` (bytes or a file). With `max_bytes`, a larger file is refused
    after reading one byte past the limit: an upload is never held in memory whole just
    to find out it is too big."""
    if isinstance(source, bytes):
        data = source
    else:
        if hasattr(source, "seek"):
            source.seek(0)
        data = source.read() if max_bytes is None else source.read(max_bytes + 1)
        if hasattr(source, "seek"):
            source.seek(0)
    if max_bytes is not None and len(data) > max_bytes:
        size = getattr(source, "size", None) or len(data)
        raise InvalidImage(f"the file is {size:,} bytes; the limit is {max_bytes:,}.")
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


def read_image_file(source) -> bytes:
    """The bytes of an image file (or bytes), refused unread past IMAGE_MAX_BYTES."""
    return _read_bytes(source, settings.IMAGE_MAX_BYTES)


def inspect_image(source, *, max_pixels: int | None = None) -> ImageInfo:
    """Check that `source` (bytes or a file) is a real raster image within the pixel cap.

    Returns its format, size and any creator or copyright it carries (EXIF or IPTC),
    which editors are offered as the figure's credit. Raises InvalidImage otherwise.
    """
    data = read_image_file(source)
    max_pixels = max_pixels or settings.IMAGE_MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = SAME_FORMAT.get(image.format, image.format)
            width, height = image.size
            if image_format not in ALLOWED_FORMATS:
                raise InvalidImage(
                    f"{image_format} images are not accepted; use JPEG, PNG, WebP or GIF."
                )
            if width * height > max_pixels:
                raise InvalidImage(
                    f"the image is {width}×{height} pixels; the limit is {max_pixels:,} pixels."
                )
            creator, rights = _embedded_names(image)
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # decodes every pixel: truncated or corrupt files fail here
    except InvalidImage:
        raise
    except Image.DecompressionBombError:
        # Pillow refuses to open it at all: far beyond any cap we would set.
        raise InvalidImage(f"the image has far more than {max_pixels:,} pixels.") from None
    except UnidentifiedImageError:
        raise InvalidImage(
            "the file is not an image Pillow can read (SVG and other vector files are refused)."
        ) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise InvalidImage(f"the image file is damaged or truncated ({error}).") from None
    return ImageInfo(image_format, width, height, creator[:200], rights[:200])


def _embedded_names(image: Image.Image) -> tuple[str, str]:
    """The creator and the copyright an opened image names (EXIF, else IPTC)."""
    exif = image.getexif()
    iptc = IptcImagePlugin.getiptcinfo(image) or {}
    creator = _exif_text(exif.get(EXIF_ARTIST)) or _iptc_text(iptc.get(IPTC_BYLINE))
    rights = _exif_text(exif.get(EXIF_COPYRIGHT)) or _iptc_text(
        iptc.get(IPTC_COPYRIGHT) or iptc.get(IPTC_CREDIT)
    )
    return creator, rights


# A JPEG keeps its EXIF and IPTC segments before its pixels, in its first 64 KiB each;
# a few of them fit in this much of the file.
CREDIT_PROBE_BYTES = 512 * 1024


def embedded_credit(data: bytes) -> str:
    """Whom an image file, or just its beginning, names to credit, without decoding a
    pixel; empty when it names no one or cannot be read. For the form's proposal before
    an upload: checking the file is inspect_image's job."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            creator, rights = _embedded_names(image)
    except Exception:  # any bytes at all may come, and Pillow raises many kinds of error
        return ""
    return credit_name(creator[:200], rights[:200])


def strip_private_metadata(data: bytes) -> bytes:
    """The image without EXIF (GPS, camera serials, …), XMP, IPTC or comments,
    orientation applied; anything appended after the image is dropped too.

    The colour profile is kept: it is not private and dropping it shifts colours. An
    upright JPEG (most photographs) keeps its compressed picture as it is; other images
    are re-encoded.
    """
    with Image.open(io.BytesIO(data)) as image:
        image_format = SAME_FORMAT.get(image.format, image.format)
        if image_format == "GIF":
            # Re-encoding every frame of an animation is slow and changes its palettes;
            # GIF's metadata lives in blocks that can simply be left out.
            return strip_gif_metadata(data)
        if image_format == "JPEG" and image.getexif().get(_EXIF_ORIENTATION, 1) == 1:
            stripped = strip_jpeg_metadata(data)
            if stripped is not None:
                return stripped
        icc_profile = image.info.get("icc_profile")
        upright = ImageOps.exif_transpose(image)
        out = io.BytesIO()
        options = {"icc_profile": icc_profile} if icc_profile else {}
        if image_format == "JPEG":
            if upright.mode not in ("RGB", "L", "CMYK"):
                upright = upright.convert("RGB")
            options.update(quality=92, optimize=True, comment=b"")
        elif image_format == "WEBP":
            options.update(quality=90)
        upright.save(out, format=image_format, **options)
        return out.getvalue()


_GIF_TRAILER = 0x3B
_GIF_IMAGE = 0x2C
_GIF_EXTENSION = 0x21
_GIF_GRAPHIC_CONTROL = 0xF9  # frame delay, disposal and transparency: part of the picture
_GIF_APPLICATION = 0xFF
_GIF_LOOPING = {b"NETSCAPE2.0", b"ANIMEXTS1.0"}  # the only application block animation needs


def strip_gif_metadata(data: bytes) -> bytes:
    """A GIF with only what draws it: its frames, their timing and the loop count. Comment,
    XMP and other application or plain-text blocks, and any bytes after the trailer, go.

    Raises InvalidImage when the block structure is broken.
    """

    def end_of_sub_blocks(position):
        while (size := data[position]) != 0:
            position += 1 + size
        return position + 1

    def colour_table_size(flags):
        return 3 << ((flags & 0x07) + 1) if flags & 0x80 else 0

    try:
        if data[:6] not in (b"GIF87a", b"GIF89a"):
            raise InvalidImage("the file is not a GIF image.")
        position = 13 + colour_table_size(data[10])  # header, screen descriptor, palette
        kept = [data[:position]]
        while position < len(data) and data[position] != _GIF_TRAILER:
            block = data[position]
            if block == _GIF_IMAGE:
                # Descriptor, local palette, LZW code size, then the pixels' sub-blocks.
                start = position + 10 + colour_table_size(data[position + 9])
                end = end_of_sub_blocks(start + 1)
                kept.append(data[position:end])
            elif block == _GIF_EXTENSION:
                label = data[position + 1]
                end = end_of_sub_blocks(position + 2)
                identifier = data[position + 3 : position + 14]
                if label == _GIF_GRAPHIC_CONTROL or (
                    label == _GIF_APPLICATION and identifier in _GIF_LOOPING
                ):
                    kept.append(data[position:end])
            else:
                raise InvalidImage(f"the GIF file is damaged (unknown block {block:#04x}).")
            position = end
    except IndexError:
        raise InvalidImage("the GIF file is damaged or truncated.") from None
    return b"".join(kept) + bytes([_GIF_TRAILER])


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
