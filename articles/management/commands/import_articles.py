import time
from pathlib import Path
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError

from articles.importing import (
    DEFAULT_MAX_BYTES,
    JSON_VALUE_MAX,
    Result,
    import_articles,
    printable,
)


class ProgressBar:
    """A one-line bar on a terminal's stderr, redrawn at most ten times a second."""

    WIDTH = 30

    def __init__(self, stream):
        self.stream = stream  # a file, or a command's OutputWrapper
        self.drawn_at = 0.0

    def write(self, text):
        if hasattr(self.stream, "style_func"):
            self.stream.write(text, ending="", style_func=str)  # no error colour for the bar
        else:
            self.stream.write(text)
        self.stream.flush()

    def update(self, done, total):
        now = time.monotonic()
        if done < total and now - self.drawn_at < 0.1:
            return
        self.drawn_at = now
        filled = self.WIDTH * done // max(total, 1)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.write(f"\r[{bar}] {done}/{total}")

    def clear(self):
        self.write("\r\033[K")


class Command(BaseCommand):
    help = (
        "Import article files (YAML, TOML or JSON front matter + Markdown or HTML, as the old "
        "site and static-site generators write them, or plain text), WordPress exports "
        "(WXR, .xml) and Ghost exports (.json) from files or directories. Exit status: 0 none "
        "failed (conflicts and skipped files or posts are listed, not failures), 1 some "
        "failed, 2 usage error."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="Files or directories.")
        parser.add_argument(
            "--images-root",
            type=Path,
            help="Folder that the files' image paths are under (for a WordPress or Ghost "
            "export: the folder holding its wp-content or content folder).",
        )
        parser.add_argument(
            "--fetch-images",
            action="store_true",
            help="Download images that are not under --images-root from their URL (for "
            "an export: the featured image's address); from public internet addresses only.",
        )
        parser.add_argument(
            "--fetch-images-from-private-network",
            action="store_true",
            help="With --fetch-images, also download from hosts on this machine or a private "
            "network (loopback, private, link-local addresses...): for an intranet's archive "
            "whose files you trust.",
        )
        parser.add_argument(
            "--timezone",
            help="Zone for times written without an offset, such as a WordPress post's "
            "wp:post_date when it has no wp:post_date_gmt (default TIME_ZONE).",
        )
        parser.add_argument(
            "--site-url",
            default="",
            help="The old site's address (https://…), which Ghost exports write as "
            "__GHOST_URL__: featured images can then be downloaded and links inside posts "
            "lead there. Without it they become paths on this site.",
        )
        parser.add_argument(
            "--max-json-value",
            type=int,
            default=JSON_VALUE_MAX,
            help="Refuse a Ghost export holding a single value (a post) of more characters "
            f"than this; the file is read a post at a time, whatever its size (default "
            f"{JSON_VALUE_MAX:,}).",
        )
        parser.add_argument(
            "--status",
            choices=["draft", "published"],
            default="published",
            help="Status of articles whose file does not say (default published).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check everything, write nothing."
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Replace articles edited in the admin since their last import.",
        )
        parser.add_argument(
            "--max-bytes",
            type=int,
            default=DEFAULT_MAX_BYTES,
            help=f"Refuse files larger than this (default {DEFAULT_MAX_BYTES:,}).",
        )

    def handle(self, *args, paths, **options):
        missing = [printable(path) for path in paths if not (path.exists() or path.is_symlink())]
        if missing:
            raise CommandError(f"No such file or directory: {', '.join(missing)}", returncode=2)
        images_root = options["images_root"]
        if images_root is not None and not images_root.is_dir():
            raise CommandError(
                f"--images-root {printable(images_root)} is not a directory", returncode=2
            )
        for name, unit in (("max_bytes", "bytes"), ("max_json_value", "characters")):
            if options[name] < 1:
                option = "--" + name.replace("_", "-")
                raise CommandError(f"{option} must be a positive number of {unit}", returncode=2)
        site_url = options["site_url"].rstrip("/")
        if site_url and (
            urlsplit(site_url).scheme not in ("http", "https") or not urlsplit(site_url).netloc
        ):
            raise CommandError(
                f"--site-url {site_url!r} is not an http or https address", returncode=2
            )

        bar = ProgressBar(self.stderr) if self.stderr.isatty() else None

        def on_file(outcome, done, total):
            if outcome.result == Result.FAILED:
                if bar:
                    bar.clear()
                for line in outcome.error_lines():
                    self.stderr.write(line)
            if bar:
                bar.update(done, total)

        try:
            report = import_articles(
                paths,
                time_zone=options["timezone"],
                status=options["status"],
                images_root=images_root,
                fetch_images=options["fetch_images"],
                fetch_images_from_private_network=options["fetch_images_from_private_network"],
                dry_run=options["dry_run"],
                overwrite=options["overwrite"],
                max_bytes=options["max_bytes"],
                site_url=site_url,
                max_json_value=options["max_json_value"],
                on_file=on_file,
            )
        except ValueError as error:
            raise CommandError(str(error), returncode=2) from None
        except KeyboardInterrupt:
            if bar:
                bar.clear()
            raise CommandError(
                "Interrupted. Only whole articles were written; run the same command again "
                "to finish.",
                returncode=130,
            ) from None
        if bar:
            bar.clear()

        self.write_report(report)
        if report.failed:
            failed = len(report.failed)
            noun = "post or file" if any(outcome.item for outcome in report.failed) else "file"
            raise CommandError(
                f"{failed} {noun}{'' if failed == 1 else 's'} could not be imported.",
                returncode=1,
            )

    def write_report(self, report):
        warnings = report.warning_lines()
        if warnings:
            self.stdout.write("Warnings:")
            for line in warnings:
                self.stdout.write(f"  {line}")
        if report.skipped:
            self.stdout.write("Skipped (not read):")
            for outcome in report.skipped:
                self.stdout.write(f"  {outcome.skip_line()}")
        if report.conflicts:
            self.stdout.write("Conflicts (not overwritten; use --overwrite to replace):")
            for outcome in report.conflicts:
                self.stdout.write(f"  {outcome.conflict_line()}")
        self.stdout.write(report.summary())
