"""Finding article files on disk and reading them as untrusted text."""

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .problems import Problem, printable, refuse

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
ARTICLE_SUFFIXES = (".md", ".markdown", ".mdown", ".html", ".htm", ".txt")
# A Ghost export is read a value (a post) at a time: one of more characters is refused.
JSON_VALUE_MAX = 16 * 1024 * 1024
# A whole site exported by WordPress (WXR) or Ghost: many articles in one file.
EXPORT_SUFFIXES = (".xml", ".json")


@dataclass(frozen=True)
class NotRead:
    """A path under the ones given that no article comes from, and why. `failed` when it
    was meant to be read and could not be (a missing path, a folder that cannot be
    listed); otherwise it was passed over on purpose, which a report lists as skipped."""

    path: Path
    problem: Problem
    failed: bool = False


def _skip(path, reason) -> NotRead:
    return NotRead(Path(path), Problem("", reason))


def _not_an_article(path: Path) -> NotRead | None:
    """Why a file's name says it is not an article, or None when it may be one."""
    suffix = path.suffix.lower()
    if suffix in ARTICLE_SUFFIXES or suffix in EXPORT_SUFFIXES:
        return None
    return _skip(
        path,
        f"not an article file ({path.suffix or 'no extension'}); articles end in "
        f"{', '.join(ARTICLE_SUFFIXES[:-1])} or {ARTICLE_SUFFIXES[-1]}, "
        "WordPress and Ghost exports in .xml or .json",
    )


def find_article_files(paths) -> tuple[list[Path], list[NotRead]]:
    """Every article file under `paths`, in a stable order, and every other path met,
    with the reason it was not read: nothing is passed over in silence.

    Directories are recursed; files ending in ARTICLE_SUFFIXES (any case) are articles,
    and in EXPORT_SUFFIXES may be exports of many, whether found there or named. A
    symbolic link is followed only when it stays inside the directory tree it was found
    in, and never into a directory already visited, so neither a link loop nor a link to
    /etc takes the import along; a file reached twice is read once. Hidden files and
    folders (.git, macOS's ._ files) are not read; a hidden folder is named once, not
    file by file.
    """
    found: list[Path] = []
    not_read: list[NotRead] = []
    seen_files: dict[Path, Path] = {}
    for given in map(Path, paths):
        if given.is_dir():
            root = given.resolve()
            _walk(given, root, {root}, found, seen_files, not_read)
        elif given.exists() or given.is_symlink():
            _add_file(given, given.resolve(), found, seen_files, not_read)
        else:
            not_read.append(NotRead(given, Problem("file", "no such file or directory"), True))
    return found, not_read


def _add_file(path, real, found, seen_files, not_read):
    if (why := _not_an_article(path)) is not None:
        not_read.append(why)
    elif real in seen_files:
        not_read.append(_skip(path, f"the same file as {printable(seen_files[real])}; read once"))
    else:
        seen_files[real] = path
        found.append(path)


def _walk(directory, root, seen_dirs, found, seen_files, not_read):
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError as error:
        problem = Problem("file", f"cannot be read ({error.strerror})")
        not_read.append(NotRead(Path(directory), problem, failed=True))
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.name.startswith("."):
            try:
                hidden_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                hidden_dir = False
            kind = "hidden folder; nothing in it is read" if hidden_dir else "hidden file; not read"
            not_read.append(_skip(path, kind))
            continue
        real = None
        if entry.is_symlink():
            try:
                real = path.resolve(strict=True)
            except (OSError, RuntimeError):
                not_read.append(_skip(path, "broken symbolic link or link loop; not followed"))
                continue
            if not real.is_relative_to(root):
                not_read.append(_skip(path, "symbolic link leaves the tree; not followed"))
                continue
        try:
            is_dir = entry.is_dir()
            is_file = not is_dir and entry.is_file()
        except OSError as error:
            not_read.append(_skip(path, f"cannot be examined ({error.strerror}); not read"))
            continue
        if is_dir:
            real = real or path.resolve()
            if real in seen_dirs:
                not_read.append(_skip(path, "symbolic link loop; not followed"))
                continue
            seen_dirs.add(real)
            _walk(path, root, seen_dirs, found, seen_files, not_read)
        elif is_file:
            _add_file(path, real or path.resolve(), found, seen_files, not_read)
        else:
            # Opening a FIFO named *.md would wait for a writer for ever.
            not_read.append(_skip(path, "not a regular file (a pipe, socket or device); not read"))


def is_export_file(path: Path) -> bool:
    return path.suffix.lower() in EXPORT_SUFFIXES


def read_article_text(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The file's text with any byte-order mark removed and line endings made "\\n".

    Raises InvalidArticle for anything that is not a UTF-8 text file within the cap.
    """
    try:
        info = os.stat(path)
        # A FIFO or device named *.txt would block or never end; only plain files are read.
        if not stat.S_ISREG(info.st_mode):
            raise refuse("file", "not a regular file")
        if info.st_size > max_bytes:
            raise refuse("file", f"the file is {info.st_size:,} bytes; the limit is {max_bytes:,}")
        with open(path, "rb") as file:
            data = file.read(max_bytes + 1)
    except OSError as error:
        raise refuse("file", f"cannot be read ({error.strerror or error})") from None
    if len(data) > max_bytes:
        raise refuse("file", f"the file is over the limit of {max_bytes:,} bytes")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise refuse("file", "the file is UTF-16 text; save it as UTF-8")
    if b"\x00" in data:
        raise refuse("file", "the file is binary (it contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise refuse(
            "file",
            f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}); "
            "save it as UTF-8",
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise refuse("file", "the file is empty")
    return text
