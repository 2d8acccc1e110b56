from django.core.management.base import BaseCommand, CommandError

from articles.models import Figure


class Command(BaseCommand):
    help = "Remake the WebP and JPEG renditions of figures from their stored files."

    def add_arguments(self, parser):
        parser.add_argument(
            "--figure",
            dest="figure_ids",
            type=int,
            nargs="+",
            metavar="ID",
            help="Only these figures (default: every figure with a file).",
        )
        parser.add_argument(
            "--missing-only",
            action="store_true",
            help="Only figures that have no renditions yet.",
        )

    def handle(self, *args, figure_ids, missing_only, **options):
        report = Figure.objects.regenerate_renditions(
            figure_ids=figure_ids, missing_only=missing_only
        )
        self.stdout.write(
            f"Figures processed: {report.figures}; renditions made: {report.renditions}; "
            f"skipped without a file: {report.skipped_without_file}; "
            f"failed: {len(report.failures)}."
        )
        for figure_id, reason in report.failures:
            self.stderr.write(f"Figure {figure_id}: {reason}")
        if report.failures:
            raise CommandError(f"{len(report.failures)} figures failed.", returncode=1)
