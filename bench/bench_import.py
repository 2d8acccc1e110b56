"""Import N generated seed-like article files and print files per second: a first
import, a re-run of the same files, and a re-run after every file changed. With --export,
N posts in one generated WordPress (WXR) or Ghost export file instead: posts per second
and the importer's peak memory, each run in a process of its own.

    .venv/bin/python bench/bench_import.py                 # SQLite, 10,000 files
    .venv/bin/python bench/bench_import.py --n 2000
    .venv/bin/python bench/bench_import.py --export wxr    # 10,000 posts in one .xml
    .venv/bin/python bench/bench_import.py --export ghost  # 10,000 posts in one .json
    .venv/bin/python bench/bench_import.py --export ghost-lexical  # the same, without html
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_import.py

Never touches your data: on SQLite it migrates a temporary database file; on PostgreSQL
it uses the server and credentials of DATABASE_URL but a database called `newsroom_bench`
(or --database), dropped and created afresh (and dropped again unless --keep). Images
are not fetched or stored: this measures parsing, checking and writing.
"""

import argparse
import json
import os
import random
import resource
import subprocess
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


def wordpress_export(path: Path, count: int):
    """A WXR file of `count` posts in block markup, each with a featured image (an
    attachment item), a nested category and two tags; one page in a hundred. Written as it
    is made, so that the file is never in this process's memory."""
    rng = random.Random(2025)
    wp = "http://wordpress.org/export/1.2/"
    with path.open("w", encoding="utf-8") as out:
        out.write(
            f'<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" '
            f'xmlns:excerpt="{wp}excerpt/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="{wp}">\n<channel>\n'
            "<title>Bench</title><wp:wxr_version>1.2</wp:wxr_version>\n"
            "<wp:author><wp:author_login>olena</wp:author_login>"
            "<wp:author_display_name>Olena Shevchenko</wp:author_display_name></wp:author>\n"
            "<wp:category><wp:category_nicename>world</wp:category_nicename>"
            "<wp:category_parent></wp:category_parent><wp:cat_name>World</wp:cat_name>"
            "</wp:category>\n<wp:category><wp:category_nicename>europe</wp:category_nicename>"
            "<wp:category_parent>world</wp:category_parent><wp:cat_name>Europe</wp:cat_name>"
            "</wp:category>\n"
        )
        for n in range(count):
            post_id, image_id = 2 * n + 1, 2 * n + 2
            body = "\n\n".join(
                f"<!-- wp:paragraph -->\n<p>{p.format(n=f'{n:,}')}</p>\n<!-- /wp:paragraph -->"
                for p in rng.sample(PARAGRAPHS, 5)
            )
            body += (
                "\n\n<!-- wp:heading -->\n<h2>What we know</h2>\n<!-- /wp:heading -->\n\n"
                '<!-- wp:image {"id":1} -->\n<figure class="wp-block-image"><img src="'
                f'https://old.example/wp-content/uploads/2025/04/inline-{n}.jpg" alt="Inline '
                f'{n}"/><figcaption>Picture {n}</figcaption></figure>\n<!-- /wp:image -->'
            )
            kind = "page" if n % 100 == 99 else "post"
            tags = "".join(
                f'<category domain="post_tag" nicename="{tag}"><![CDATA[{tag}]]></category>'
                for tag in rng.sample(TAGS, 2)
            )
            out.write(
                f"<item><title>Russia lost over {n:,} soldiers in Kursk, report {n} says</title>"
                f"<link>https://old.example/2025/04/report-{n}/</link>"
                "<dc:creator><![CDATA[olena]]></dc:creator>"
                f"<content:encoded><![CDATA[{body}]]></content:encoded>"
                f"<excerpt:encoded><![CDATA[Report {n} on the Kursk operation.]]>"
                f"</excerpt:encoded><wp:post_id>{post_id}</wp:post_id>"
                f"<wp:post_date>2025-04-{1 + n % 28:02d} 10:{n % 60:02d}:00</wp:post_date>"
                f"<wp:post_date_gmt>2025-04-{1 + n % 28:02d} 07:{n % 60:02d}:00"
                f"</wp:post_date_gmt><wp:post_name>report-{n}</wp:post_name>"
                f"<wp:status>publish</wp:status><wp:post_type>{kind}</wp:post_type>"
                '<category domain="category" nicename="europe"><![CDATA[Europe]]></category>'
                f"{tags}<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key>"
                f"<wp:meta_value>{image_id}</wp:meta_value></wp:postmeta></item>\n"
                f"<item><title>ukraine_{n}</title><wp:post_id>{image_id}</wp:post_id>"
                "<wp:status>inherit</wp:status><wp:post_type>attachment</wp:post_type>"
                "<wp:attachment_url>https://old.example/wp-content/uploads/2025/04/"
                f"ukraine_{n}.jpg</wp:attachment_url><wp:postmeta><wp:meta_key>"
                "_wp_attachment_image_alt</wp:meta_key><wp:meta_value>War in Ukraine, "
                f"picture {n}</wp:meta_value></wp:postmeta></item>\n"
            )
        out.write("</channel>\n</rss>\n")


def lexical_document(paragraphs: list[str], n: int) -> dict:
    """A post as Ghost 5's editor writes it: paragraphs with bold, italic and a link, a
    heading, a list, a quote and an image card."""

    def text(value, format_bits=0):
        return {"type": "extended-text", "text": value, "format": format_bits, "version": 1}

    first, *rest = paragraphs
    return {
        "root": {
            "type": "root",
            "children": [
                {
                    "type": "paragraph",
                    "children": [
                        text(first[:40], 1),
                        text(first[40:]),
                        {
                            "type": "link",
                            "url": f"https://example.org/{n}",
                            "children": [text(" the report", 2)],
                        },
                    ],
                },
                {"type": "extended-heading", "tag": "h2", "children": [text("What we know")]},
                *({"type": "paragraph", "children": [text(p)]} for p in rest[:2]),
                {
                    "type": "list",
                    "listType": "bullet",
                    "children": [{"type": "listitem", "children": [text(tag)]} for tag in TAGS[:3]],
                },
                {"type": "extended-quote", "children": [text(rest[2])]},
                {
                    "type": "image",
                    "src": f"__GHOST_URL__/content/images/2025/04/map_{n}.jpg",
                    "alt": f"Map {n}",
                    "caption": "<span>The front line.</span>",
                },
                {"type": "paragraph", "children": [text(rest[3])]},
            ],
        }
    }


def ghost_export(path: Path, count: int, *, with_html: bool = True):
    """A Ghost 5 export of `count` posts, each with html, its lexical source and plain
    text (as Ghost writes them), two authors, two tags and posts_meta; without html
    (`with_html=False`), as some migrations write them, its lexical is what is read."""
    rng = random.Random(2025)
    posts, authors, tags, metas = [], [], [], []
    for n in range(count):
        post_id = f"{n:024x}"
        paragraphs = [p.format(n=f"{n:,}") for p in rng.sample(PARAGRAPHS, 5)]
        html = "".join(f"<p>{p}</p>" for p in paragraphs) + "<h2>What we know</h2>"
        lexical = lexical_document(paragraphs, n)
        if not with_html:
            html = None
        posts.append(
            {
                "id": post_id,
                "title": f"Russia lost over {n:,} soldiers in Kursk, report {n} says",
                "slug": f"report-{n}",
                "lexical": json.dumps(lexical),
                "html": html,
                "plaintext": "\n\n".join(paragraphs),
                "feature_image": f"__GHOST_URL__/content/images/2025/04/ukraine_{n}.jpg",
                "type": "page" if n % 100 == 99 else "post",
                "status": "published",
                "visibility": "public",
                "published_at": f"2025-04-{1 + n % 28:02d}T07:{n % 60:02d}:00.000Z",
                "custom_excerpt": f"Report {n} on the Kursk operation.",
            }
        )
        for order, author in enumerate(rng.sample(["u1", "u2", "u3"], 2)):
            authors.append({"post_id": post_id, "author_id": author, "sort_order": order})
        for order, tag in enumerate(rng.sample(range(len(TAGS)), 2)):
            tags.append({"post_id": post_id, "tag_id": f"t{tag}", "sort_order": order})
        metas.append(
            {
                "post_id": post_id,
                "meta_title": f"Report {n}",
                "og_title": f"Kursk report {n}",
                "feature_image_alt": f"War in Ukraine, picture {n}",
            }
        )
    data = {
        "posts": posts,
        "posts_authors": authors,
        "posts_tags": tags,
        "posts_meta": metas,
        "tags": [{"id": f"t{i}", "name": name} for i, name in enumerate(TAGS)],
        "users": [{"id": f"u{i}", "name": name} for i, name in enumerate(AUTHORS[:3], 1)],
    }
    with path.open("w", encoding="utf-8") as out:
        json.dump({"db": [{"meta": {"version": "5.82.2"}, "data": data}]}, out)


def import_in_a_process_of_its_own(path: Path) -> dict:
    """Import `path` in a new process (Django set up on the database of DATABASE_URL);
    what it measured: seconds, CPU seconds, the summary, and its peak resident memory
    before and after the import."""
    command = [sys.executable, __file__, "--child", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(result.stderr)
    return json.loads(result.stdout.splitlines()[-1])


def peak_resident_kib() -> int:
    """This process's peak resident memory. Not ru_maxrss: Linux carries that over from
    the parent through fork and exec, so a child would report the generator's memory."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(path: str):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    from articles.importing import Result, import_articles
    from articles.models import Article

    # As in production: with DEBUG, Django keeps the last 9,000 queries' SQL in memory.
    settings.DEBUG = False

    Article.objects.exists()  # connected, as the import will be
    before = peak_resident_kib()
    started, cpu = time.perf_counter(), time.process_time()
    report = import_articles([path], time_zone="Europe/Kyiv")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    after = peak_resident_kib()
    figures = {
        "seconds": elapsed,
        "cpu": cpu,
        "summary": report.summary(),
        "posts": report.count(Result.CREATED) + report.count(Result.UNCHANGED),
        "rss_before_kib": before,
        "rss_peak_kib": after,
    }
    print(json.dumps(figures))


def bench_export(kind: str, count: int, workdir: Path):
    path = workdir / ("export.xml" if kind == "wxr" else "export.json")
    started = time.perf_counter()
    if kind == "wxr":
        wordpress_export(path, count)
    else:
        ghost_export(path, count, with_html=kind == "ghost")
    size = path.stat().st_size
    print(
        f"generated one {kind} file of {count:,} items, {size / 1e6:.1f} MB, in "
        f"{time.perf_counter() - started:.1f} s"
    )
    for label in ("first import", "re-run (unchanged)"):
        run = import_in_a_process_of_its_own(path)
        grown = (run["rss_peak_kib"] - run["rss_before_kib"]) / 1024
        print(
            f"{label}: {run['posts']:,} posts in {run['seconds']:.1f} s = "
            f"{run['posts'] / run['seconds']:,.0f} posts/s ({run['cpu']:.1f} s CPU); peak "
            f"memory {run['rss_peak_kib'] / 1024:.0f} MiB, {grown:.0f} MiB above the "
            f"{run['rss_before_kib'] / 1024:.0f} MiB of Django before the import "
            f"({grown * 2**20 / size:.2f} × the file's size); {run['summary']}"
        )


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
        "--export",
        choices=["wxr", "ghost", "ghost-lexical"],
        help="N posts in one WordPress or Ghost export file instead of N article files "
        "(ghost-lexical: posts without html, their lexical rendered)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)  # one import, measured
    parser.add_argument(
        "--sqlite-wal",
        action="store_true",
        help="SQLite in WAL mode with synchronous=NORMAL, to see what a settings change buys",
    )
    args = parser.parse_args()
    if args.child:
        return child(args.child)

    with django_on_a_throwaway_database(args.database, keep=args.keep) as workdir:
        from django.db import connection

        if args.export:
            print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
            connection.close()  # the imports run in processes of their own
            bench_export(args.export, args.n, workdir)
            return 0

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
