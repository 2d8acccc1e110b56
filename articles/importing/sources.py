"""Finding article files on disk and reading them as untrusted text."""

import os
import stat
from pathlib import Path

from .problems import Problem, refuse

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
ARTICLE_SUFFIXES = {".txt", ".md"}


def find_article_files(paths) -> tuple[list[Path], list[tuple[Path, Problem]]]:
    """Every article file under `paths`, in a stable order, and what was skipped and why.

    Directories are recursed for *.txt and *.md. A symbolic link is followed only when
    it stays inside the directory tree it was found in, and never into a directory
    already visited, so neither a link loop nor a link to /etc takes the import along.
    Hidden files and directories (.git, macOS's ._ files) are left alone.
    """
    found: list[Path] = []
    skipped: list[tuple[Path, Problem]] = []
    seen_files: set[Path] = set()
    for given in map(Path, paths):
        if given.is_dir():
            root = given.resolve()
            _walk(given, root, {root}, found, seen_files, skipped)
        elif given.exists() or given.is_symlink():
            real = given.resolve()
            if real not in seen_files:
                seen_files.add(real)
                found.append(given)
        else:
            skipped.append((given, Problem("file", "no such file or directory")))
    return found, skipped


def _walk(directory, root, seen_dirs, found, seen_files, skipped):
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError as error:
        skipped.append((Path(directory), Problem("file", f"cannot be read ({error.strerror})")))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        real = None
        if entry.is_symlink():
            try:
                real = path.resolve(strict=True)
            except (OSError, RuntimeError):
                skipped.append(
                    (path, Problem("file", "broken symbolic link or link loop; not followed"))
                )
                continue
            if not real.is_relative_to(root):
                skipped.append(
                    (path, Problem("file", "symbolic link leaves the tree; not followed"))
                )
                continue
        try:
            is_dir = entry.is_dir()
            is_file = not is_dir and entry.is_file()
        except OSError:
            continue
        if is_dir:
            real = real or path.resolve()
            if real in seen_dirs:
                skipped.append((path, Problem("file", "symbolic link loop; not followed")))
                continue
            seen_dirs.add(real)
            _walk(path, root, seen_dirs, found, seen_files, skipped)
        elif is_file and path.suffix.lower() in ARTICLE_SUFFIXES:
            real = real or path.resolve()
            if real not in seen_files:
                seen_files.add(real)
                found.append(path)


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
