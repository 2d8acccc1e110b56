"""Getting a figure's image file: from under --images-root, or downloaded with --fetch-images."""

import os
import stat
import time
import urllib.error
import urllib.request
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from django.conf import settings

from .. import images
from . import public_web

FETCH_TIMEOUT = 15  # seconds, for connecting and for each read
FETCH_DEADLINE = 60  # seconds for a whole download: a trickle never times out a read


class ImageUnavailable(Exception):
    """No usable file; the message says why, for the import's warnings."""


def read_local_image(images_root: Path, relative_path: str) -> bytes:
    """The bytes of `relative_path` under `images_root`, which it may never leave."""
    parts = PurePosixPath(relative_path.replace("\\", "/").lstrip("/")).parts
    if not parts or ".." in parts or "\x00" in relative_path:
        raise ImageUnavailable(f"{relative_path!r} leaves --images-root; refused")
    root = images_root.resolve()
    candidate = root.joinpath(*parts)
    try:
        real = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        raise ImageUnavailable(f"no file {relative_path!r} under --images-root") from None
    # resolve() followed any symbolic link: where it ends is what must be inside the root.
    if not real.is_relative_to(root):
        raise ImageUnavailable(f"{relative_path!r} links outside --images-root; refused")
    try:
        info = os.stat(real)
        if not stat.S_ISREG(info.st_mode):
            raise ImageUnavailable(f"{relative_path!r} is not a regular file")
        if info.st_size > settings.IMAGE_MAX_BYTES:
            raise ImageUnavailable(
                f"{relative_path!r} is {info.st_size:,} bytes; the limit is "
                f"{settings.IMAGE_MAX_BYTES:,}"
            )
        return real.read_bytes()
    except OSError as error:
        raise ImageUnavailable(f"{relative_path!r} cannot be read ({error.strerror})") from None


def fetch_image(
    url: str,
    *,
    timeout: float = FETCH_TIMEOUT,
    deadline: float = FETCH_DEADLINE,
    allow_private: bool = False,
) -> bytes:
    """Download `url` (http or https only), refusing anything over IMAGE_MAX_BYTES or
    slower than `deadline` seconds in all, and, unless `allow_private`, any host (the
    first or one redirected to) that is not on the public internet (see public_web)."""
    if urlsplit(url).scheme not in {"http", "https"}:
        raise ImageUnavailable(f"{url[:80]!r} is not an http or https URL")
    limit = settings.IMAGE_MAX_BYTES
    opener, redirects = public_web.opener(allow_private)
    request = urllib.request.Request(url, headers={"User-Agent": "Newsroom importer"})  # noqa: S310 - scheme checked above
    try:
        with opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > limit:
                raise ImageUnavailable(
                    f"the download is {int(length):,} bytes; the limit is {limit:,}"
                )
            data = _read_before(response, time.monotonic() + deadline, limit + 1)
            if data is None:
                raise ImageUnavailable(f"the download took over {deadline:g} s; abandoned")
    except urllib.error.HTTPError as error:
        raise ImageUnavailable(f"download failed: HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, public_web.PrivateAddress):
            hop = f"redirected to {redirects.last[:80]!r}: " if redirects.last else ""
            raise ImageUnavailable(f"{hop}{error.reason}") from None
        raise ImageUnavailable(f"download failed: {error.reason}") from None
    except (OSError, ValueError) as error:
        raise ImageUnavailable(f"download failed: {error}") from None
    if len(data) > limit:
        raise ImageUnavailable(f"the download is over the limit of {limit:,} bytes")
    return data


def _read_before(response, finish: float, most: int) -> bytes | None:
    """Up to `most` bytes of the response, or None when `finish` (monotonic) passes first."""
    data = bytearray()
    while len(data) < most:
        chunk = response.read1(min(64 * 1024, most - len(data)))
        if not chunk:
            break
        data += chunk
        if time.monotonic() > finish:
            return None
    return bytes(data)


def checked_image(data: bytes) -> bytes:
    """`data` if Pillow reads it as an accepted image within the pixel cap."""
    try:
        images.inspect_image(data)
    except images.InvalidImage as error:
        raise ImageUnavailable(f"not a usable image: {error}") from None
    return data
