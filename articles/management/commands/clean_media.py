from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from articles.media import DEFAULT_GRACE, remove_orphan_media


def _files(count):
    return f"{count} file{'' if count == 1 else 's'}"


class Command(BaseCommand):
    help = (
        "Remove media files that no row refers to (figure originals and renditions left by "
        "a killed import, say), except those younger than the grace period."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be removed; remove nothing."
        )
        parser.add_argument(
            "--grace-minutes",
            type=int,
            default=int(DEFAULT_GRACE.total_seconds() // 60),
            metavar="N",
            help="Keep files modified in the last N minutes, which an upload or import in "
            "progress may still commit (default %(default)s).",
        )

    def handle(self, *args, dry_run, grace_minutes, **options):
        if grace_minutes < 0:
            raise CommandError("--grace-minutes cannot be negative", returncode=2)
        report = remove_orphan_media(grace=timedelta(minutes=grace_minutes), dry_run=dry_run)
        verb = "Would remove" if dry_run else "Removed"
        for name, _ in report.removed:
            self.stdout.write(f"{verb} {name}")
        if report.removed:
            summary = (
                f"{verb} {_files(len(report.removed))}, freeing {report.bytes_freed:,} bytes"
                + (" (dry run: nothing removed)." if dry_run else ".")
            )
        else:
            summary = "No orphan media files" + (
                " old enough to remove." if report.kept_young else "."
            )
        if report.kept_young:
            orphans = "orphan" if report.kept_young == 1 else "orphans"
            summary += (
                f" Kept {report.kept_young} {orphans} younger than {grace_minutes} minutes."
            )
        self.stdout.write(summary)
