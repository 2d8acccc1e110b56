"""What went wrong with a file, said in plain words and tied to the field it concerns,
and the one way a report names a file: see printable()."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def describe(self, path, item="") -> str:
        """The one line a person reads: `<file>: <field>: <reason>`, or `<file>: <item>:
        <field>: <reason>` for a post of an export file. The field may be a key the file
        made up, so it is escaped like the file's name."""
        # Messages quote what they cite from the file already; this is the last guard.
        message = self.message if self.message.isprintable() else printable(self.message)
        where = place(path, item)
        if not self.field:
            return f"{where}: {message}"
        return f"{where}: {printable(self.field)}: {message}"


class InvalidArticle(ValueError):
    """A file that cannot be imported; every reason is a Problem."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in self.problems))


def refuse(field: str, message: str) -> InvalidArticle:
    return InvalidArticle([Problem(field, message)])


def place(path, item="") -> str:
    """A file, or an item within an export file, as a report names it."""
    return f"{printable(path)}: {printable(item)}" if item else printable(path)


def printable(name) -> str:
    """A file name (or a key, or any text a file chose) as a report prints it: as it is
    when every character is printable, else quoted and escaped the way Python writes
    strings, with `\\n` for a line break. A name may hold line breaks, carriage returns
    and terminal escapes; printed raw, one problem took four lines and could forge a line
    of the report ("x.md: imported"). A backslash is escaped too, so that a name spelling
    `\\n` is not mistaken for one holding a line break."""
    text = str(name)
    if text.isprintable() and "\\" not in text:
        return text
    return repr(text)
