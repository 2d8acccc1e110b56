from django.core.management.base import BaseCommand

from articles.fragments import make_all


class Command(BaseCommand):
    help = (
        "Make the stored fragments of public pages (articles/fragments.py) of every article "
        "whose fragments are stale or missing, e.g. after rows were loaded in bulk. Pages "
        "make them as they first need them anyway; this spares the first readers the wait."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="Make them again for every article, fresh or not."
        )

    def handle(self, *args, all=False, verbosity=1, **options):
        def progress(done, total):
            if verbosity > 1:
                self.stdout.write(f"{done:,} of {total:,}")

        made = make_all(stale_only=not all, progress=progress)
        self.stdout.write(f"Made the fragments of {made:,} articles.")
