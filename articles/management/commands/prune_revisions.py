from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles.models import Revision


class Command(BaseCommand):
    help = (
        "Delete old revisions: each article keeps its newest N (REVISIONS_KEEP) and, "
        "whatever their age, its newest revision and every revision readers saw."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep",
            type=int,
            metavar="N",
            help="Revisions to keep of each article besides the protected ones "
            "(default: the REVISIONS_KEEP setting).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )

    def handle(self, *args, keep, dry_run, **options):
        keep = settings.REVISIONS_KEEP if keep is None else keep
        if keep < 1:
            raise CommandError("--keep must be 1 or more", returncode=2)
        count = Revision.objects.prune(keep, dry_run=dry_run)
        noun = "revision" if count == 1 else "revisions"
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(f"{verb} {count} {noun}, keeping the newest {keep} of each article.")
