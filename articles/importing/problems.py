"""What went wrong with a file, said in plain words and tied to the field it concerns."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def describe(self, path) -> str:
        """The one line a person reads: `<file>: <field>: <reason>`."""
        return f"{path}: {self.field}: {self.message}" if self.field else f"{path}: {self.message}"


class InvalidArticle(ValueError):
    """A file that cannot be imported; every reason is a Problem."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in self.problems))


def refuse(field: str, message: str) -> InvalidArticle:
    return InvalidArticle([Problem(field, message)])
