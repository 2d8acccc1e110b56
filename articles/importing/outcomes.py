"""What an import did, file by file: the API's return values, and its options."""

import enum
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from ..models import Article
from .problems import Problem, place
from .sources import DEFAULT_MAX_BYTES, JSON_VALUE_MAX


class Result(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"
    SKIPPED = "skipped"  # not an article file (or reached twice): listed, not a failure
    FAILED = "failed"


@dataclass(frozen=True)
class ImportOptions:
    time_zone: ZoneInfo
    status: str = Article.Status.PUBLISHED
    images_root: Path | None = None
    fetch_images: bool = False
    fetch_images_from_private_network: bool = False  # intranet archives only
    dry_run: bool = False
    overwrite: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    site_url: str = ""  # the old site's address, which Ghost exports leave out
    max_json_value: int = JSON_VALUE_MAX


@dataclass
class FileOutcome:
    path: Path
    result: Result = Result.FAILED
    slug: str = ""
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    note: str = ""  # why a conflict is one, or why the file was skipped
    item: str = ""  # the post of an export file the outcome is of (its id and title)

    def error_lines(self) -> list[str]:
        return [problem.describe(self.path, self.item) for problem in self.errors]

    def warning_lines(self) -> list[str]:
        return [problem.describe(self.path, self.item) for problem in self.warnings]

    def conflict_line(self) -> str:
        return f"{place(self.path, self.item)}: article {self.slug!r} {self.note}"

    def skip_line(self) -> str:
        return f"{place(self.path, self.item)}: {self.note}"


@dataclass
class ImportReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    dry_run: bool = False

    def count(self, result: Result) -> int:
        return sum(1 for outcome in self.outcomes if outcome.result == result)

    @property
    def failed(self) -> list[FileOutcome]:
        return [outcome for outcome in self.outcomes if outcome.result == Result.FAILED]

    @property
    def conflicts(self) -> list[FileOutcome]:
        return [outcome for outcome in self.outcomes if outcome.result == Result.CONFLICT]

    @property
    def skipped(self) -> list[FileOutcome]:
        return [outcome for outcome in self.outcomes if outcome.result == Result.SKIPPED]

    def warning_lines(self) -> list[str]:
        return [line for outcome in self.outcomes for line in outcome.warning_lines()]

    def summary(self) -> str:
        counts = {
            "created": self.count(Result.CREATED),
            "updated": self.count(Result.UPDATED),
            "unchanged": self.count(Result.UNCHANGED),
            "conflicts": self.count(Result.CONFLICT),
            "skipped": self.count(Result.SKIPPED),
            "failed": self.count(Result.FAILED),
            "warnings": len(self.warning_lines()),
        }
        figures = ", ".join(f"{name} {number}" for name, number in counts.items())
        files = _plural(len({outcome.path for outcome in self.outcomes}), "file")
        if any(outcome.item for outcome in self.outcomes):  # an export file holds many
            files += f" holding {_plural(len(self.outcomes), 'item')}"
        if self.dry_run:
            return f"Dry run, nothing was written. {files} would give: {figures}."
        return f"{files}: {figures}."


def _plural(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def get_time_zone(name: str | None) -> ZoneInfo:
    """The zone for times written without an offset; ValueError names an unknown one."""
    name = name or settings.TIME_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use a name such as 'Europe/Kyiv')") from None
