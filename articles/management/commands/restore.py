from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.backup import BackupError, restore_site


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` into an empty database and media folder. The "
        "archive is checked whole first; the rows are loaded in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The archive `backup` wrote.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Restore even though the database or media folder is not empty: every row "
            "in the database is deleted first, and media files of the same names are "
            "written over.",
        )

    def handle(self, *args, path, replace, **options):
        if not path.is_file():
            raise CommandError(f"No such file: {path}", returncode=2)
        try:
            report = restore_site(path, replace=replace)
        except BackupError as error:
            raise CommandError(f"Nothing restored: {error}") from None
        self.stdout.write(
            f"Restored {sum(report.rows.values()):,} rows of {len(report.rows)} models and "
            f"{report.files:,} media files from the backup of {report.created_at}."
        )
