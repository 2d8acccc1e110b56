from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.importing import export_articles, printable


class Command(BaseCommand):
    help = (
        "Write every article as a front matter + Markdown file, and each lead figure's "
        "image file to DIR/images/, so that `import_articles DIR --images-root DIR` reads "
        "everything back."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="Folder to write <slug>.md files to.")

    def handle(self, *args, directory, **options):
        if directory.exists() and not directory.is_dir():
            raise CommandError(
                f"{printable(directory)} exists and is not a directory", returncode=2
            )
        try:
            report = export_articles(directory)
        except OSError as error:
            raise CommandError(
                f"Cannot write to {printable(directory)}: {error.strerror}"
            ) from None
        for line in report.warnings:
            self.stderr.write(line)
        self.stdout.write(f"Exported {len(report.written)} articles to {printable(directory)}.")
