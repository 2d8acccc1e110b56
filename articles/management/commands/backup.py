from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.backup import BackupError, backup_site


class Command(BaseCommand):
    help = (
        "Back up the whole site (every row of the database, and the media files rows refer "
        "to) into one tar archive with checksums; restore it with `restore`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            type=Path,
            help="The archive to write, or an existing folder to write "
            "newsroom-backup-<time>.tar in.",
        )

    def handle(self, *args, path, **options):
        try:
            report = backup_site(path)
        except BackupError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror or error}") from None
        for name in report.missing_files:
            self.stderr.write(f"Missing from the media folder, not backed up: {name}")
        self.stdout.write(
            f"Backed up {sum(report.rows.values()):,} rows of {len(report.rows)} models and "
            f"{report.files:,} media files ({report.bytes:,} bytes) to {report.path}."
        )
