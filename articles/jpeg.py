"""JPEG files read segment by segment, with no decoding: pure bytes in, bytes out.

A JPEG is a list of marker segments (tables, frame header, application data, comments)
and, after each start-of-scan, the compressed picture. Leaving out the segments that
carry metadata strips a photo without re-encoding it: no generation loss, and about a
hundred times faster than decoding and encoding a camera's 24 megapixels.
"""

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
APP0, APP2, APP14, COM = 0xE0, 0xE2, 0xEE, 0xFE
# Markers that stand alone, without a length: restart markers and TEM.
_STANDALONE = {*range(0xD0, 0xD8), 0x01}
# Application segments a decoder needs: the colour profile (in as many chunks as it takes)
# and Adobe's, which says how CMYK and some RGB pictures are coded. Any other one (EXIF,
# XMP, IPTC, MPF, maker notes, JFIF extensions with thumbnails…) and every comment goes.
_KEPT_APPLICATION_DATA = {APP2: b"ICC_PROFILE\x00", APP14: b"Adobe"}


def strip_jpeg_metadata(data: bytes) -> bytes | None:
    """The JPEG without EXIF, XMP, IPTC, comments, thumbnails or anything after its end
    (a multi-picture file's other pictures, appended bytes); its tables, colour profile
    and compressed picture byte for byte. None when its structure is not one this reads,
    for the caller to re-encode it instead.

    The EXIF orientation goes with EXIF: a caller must keep only pictures already upright.
    """
    if data[:2] != b"\xff\xd8":
        return None
    kept = [b"\xff\xd8"]
    position, size = 2, len(data)
    while True:
        if position >= size or data[position] != 0xFF:
            return None
        while position < size and data[position] == 0xFF:  # fill bytes may pad a marker
            position += 1
        if position >= size:
            return None
        marker = data[position]
        position += 1
        if marker == EOI:
            kept.append(b"\xff\xd9")
            return b"".join(kept)
        if marker in _STANDALONE:
            kept.append(bytes([0xFF, marker]))
            continue
        if marker in (0x00, SOI) or position + 2 > size:
            return None
        length = int.from_bytes(data[position : position + 2], "big")
        end = position + length
        if length < 2 or end > size:
            return None
        body = data[position + 2 : end]
        segment = bytes([0xFF, marker]) + data[position:end]
        position = end
        if marker == APP0 and body[:5] == b"JFIF\x00" and len(body) >= 14:
            # JFIF's version, units and pixel density, but not its thumbnail.
            kept.append(b"\xff\xe0\x00\x10" + body[:12] + b"\x00\x00")
        elif APP0 <= marker <= 0xEF or marker == COM:
            signature = _KEPT_APPLICATION_DATA.get(marker)
            if signature and body.startswith(signature):
                kept.append(segment)
        else:
            kept.append(segment)
            if marker == SOS:
                scan_end = _end_of_scan(data, position)
                if scan_end is None:
                    return None
                kept.append(data[position:scan_end])
                position = scan_end


def _end_of_scan(data: bytes, position: int) -> int | None:
    """Where the compressed data starting at `position` ends: at the first marker other
    than a restart (in the data, 0xFF is always followed by a stuffed 0x00)."""
    while True:
        found = data.find(b"\xff", position)
        if found < 0 or found + 1 >= len(data):
            return None
        following = data[found + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            position = found + 2
        else:
            return found
