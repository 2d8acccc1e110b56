"""Import N generated seed-like article files and print files per second: a first
import, a re-run of the same files, and a re-run after every file changed.

    .venv/bin/python bench/bench_import.py                 # SQLite, 10,000 files
    .venv/bin/python bench/bench_import.py --n 2000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_import.py

Never touches your data: on SQLite it migrates a temporary database file; on PostgreSQL
it uses the server and credentials of DATABASE_URL but a database called `newsroom_bench`
(or --database), dropped and created afresh (and dropped again unless --keep). Images
are not fetched or stored: this measures parsing, checking and writing.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "newsroom_bench"

PARAGRAPHS = [
    "Since the start of Ukraine’s operation in Kursk Oblast last year, the Russian military "
    "has lost {n} troops, Ukraine’s General Staff reported on April 26.",
    'Of these, 25,200 were "irretrievable" losses and 36,200 were wounded, according to the '
    "update.",
    '"An additional 983 soldiers from the (Russian) army were captured," the General Staff said.',
    "The announcement follows earlier claims by Russian officials that they had fully "
    "regained control of Kursk Oblast.",
    "Ukraine’s General Staff rejected the claim, and military sources on the ground said "
    "parts of the region remain under Ukrainian control.",
    "Ukraine launched its cross-border offensive into Russia’s Kursk Oblast in August 2024, "
    "the first major incursion into Russian territory by foreign forces since World War II.",
]
AUTHORS = ["Raw Pixel", "Kyiv Independent", "Pexels", "Unsplash", "Staff photographer"]
LICENSES = [
    ("CC BY 1.0", "https://creativecommons.org/licenses/by/1.0//"),
    ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    ("CC0", "https://creativecommons.org/publicdomain/zero/1.0/"),
]
TAGS = ["war", "kursk", "politics", "economy", "europe", "defence", "diplomacy", "energy"]


def front_matter_file(n: int, rng: random.Random) -> str:
    title = f"Russia lost over {n:,} soldiers in Kursk operation, report {n} says"
    license_name, license_url = rng.choice(LICENSES)
    description = (
        f"Report {n}: Ukraine reports Russian casualties in Kursk Oblast, denies Russian "
        "claims of full control, and highlights North Korean troop losses."
    )
    body = "\n\n".join(p.format(n=f"{n:,}") for p in rng.sample(PARAGRAPHS, 5))
    tags = ", ".join(rng.sample(TAGS, 2))
    return f"""---
  title: "{title}"
  blog_url: "https://pure.news/articles/report-{n},{rng.randint(0, 9)}-kursk-operation"
  img_alt: "War in Ukraine, picture {n}"
  des: "{description}"
  twitter_des: "{description}"
  twitter_tittle: "{title}"
  header_title: "{title}"
  page_date: "Apr {1 + n % 28}, 2025 10:{n % 60:02d}"
  page_first_p: "{description}"
  figure_author: "{rng.choice(AUTHORS)}"
  figure_author_url: "https://rawpixel.com"
  figure_license: "{license_name}"
  figure_license_url: "{license_url}"
  page_image_src_rel: "/images/posts_img/ukraine_{n}.webp"
  img_url_full: "https://pure.news/images/posts_img/ukraine_{n}.webp"
  figure_p: "War in Ukraine"
  tags: "{tags}"
---

{body}
"""


def plain_text_file(n: int, rng: random.Random) -> str:
    body = "\n\n".join(p.format(n=f"{n:,}") for p in rng.sample(PARAGRAPHS, 6))
    body = f"Scraped report number {n} from the front line. {body}"
    return f" date 2025-02-{1 + n % 28:02d} This audio is created with AI assistance\n\n{body}\n"


def generate(directory: Path, count: int):
    rng = random.Random(2025)
    for n in range(count):
        # One in five is a scraped plain-text file, like the second seed.
        text = plain_text_file(n, rng) if n % 5 == 4 else front_matter_file(n, rng)
        sub = directory / f"{n // 1000:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"{n:06d}.txt").write_text(text, encoding="utf-8")


def use_throwaway_database(workdir: Path, name: str = BENCH_DATABASE) -> str | None:
    """Point DATABASE_URL at a database nobody cares about (a SQLite file in `workdir`, or
    the PostgreSQL database `name`, made afresh); returns the PG admin URL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
        return None
    import psycopg

    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    return admin_url


def drop_database(admin_url: str, name: str = BENCH_DATABASE):
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


@contextmanager
def django_on_a_throwaway_database(name: str = BENCH_DATABASE, *, keep: bool = False):
    """Django set up and migrated on a database nobody cares about (see
    use_throwaway_database), media in a temporary folder; yields that folder. The
    PostgreSQL database is dropped at the end unless `keep`."""
    with tempfile.TemporaryDirectory(prefix="newsroom-bench-") as temporary:
        workdir = Path(temporary)
        admin_url = use_throwaway_database(workdir, name)
        os.environ["MEDIA_ROOT"] = str(workdir / "media")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        try:
            call_command("migrate", verbosity=0)
            yield workdir
        finally:
            if admin_url and not keep:
                drop_database(admin_url, name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="files to generate")
    parser.add_argument("--database", default=BENCH_DATABASE, help="PostgreSQL only")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument(
        "--sqlite-wal",
        action="store_true",
        help="SQLite in WAL mode with synchronous=NORMAL, to see what a settings change buys",
    )
    args = parser.parse_args()

    with django_on_a_throwaway_database(args.database, keep=args.keep) as workdir:
        from django.db import connection

        from articles.importing import import_articles

        if args.sqlite_wal and connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
        files = workdir / "articles"
        files.mkdir()
        started = time.perf_counter()
        generate(files, args.n)
        print(f"generated {args.n:,} files in {time.perf_counter() - started:.1f} s")
        wal = " in WAL mode" if args.sqlite_wal and connection.vendor == "sqlite" else ""
        print(f"database: {connection.vendor}{wal} ({connection.settings_dict['NAME']})")

        for label in ("first import", "re-run (unchanged)", "re-run (every file changed)"):
            if label == "re-run (every file changed)":
                for path in files.rglob("*.txt"):
                    with path.open("a", encoding="utf-8") as file:
                        file.write("\nA correction was appended to this report.\n")
            started, cpu = time.perf_counter(), time.process_time()
            report = import_articles([files], time_zone="Europe/Kyiv")
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            # CPU seconds too: on a busy machine they vary far less than the elapsed time.
            print(
                f"{label}: {args.n:,} files in {elapsed:.1f} s = "
                f"{args.n / elapsed:,.0f} files/s ({cpu:.1f} s of this process's CPU); "
                f"{report.summary()}"
            )
            if report.failed:
                print("\n".join(report.failed[0].error_lines()), file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
