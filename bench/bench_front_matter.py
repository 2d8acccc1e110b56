"""Parse the same article written in each syntax the importer reads (YAML, TOML and JSON
front matter; a Markdown and an HTML body) and print files per second and the ratio to
YAML + Markdown, the old site's format. Parsing only: nothing is written.

    .venv/bin/python bench/bench_front_matter.py            # 2,000 files per syntax
    .venv/bin/python bench/bench_front_matter.py --n 500 --paragraphs 200
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
META = {
    "title": "The river bridge opens",
    "date": "2024-03-10T09:15:00+01:00",
    "description": "Four years late, the bridge carries its first cars.",
    "tags": ["bridges", "transport"],
    "aliases": ["/2024/03/bridge-opens/"],
    "image": {"path": "images/bridge.jpg", "alt": "Cars on the bridge"},
}
SENTENCE = "The first car crossed at nine, and the mayor cut a ribbon on the *new* bridge."
HTML_SENTENCE = (
    "The first car crossed at nine, and the mayor cut a ribbon on the <em>new</em> bridge."
)


def files(paragraphs: int) -> dict[str, tuple[str, str]]:
    """(file name, text) of the one article in each syntax."""
    import yaml

    markdown = "\n\n".join([SENTENCE] * paragraphs)
    html = "\n".join([f"<p>{HTML_SENTENCE}</p>"] * paragraphs)
    toml_lines = [f"{key} = {json.dumps(value)}" for key, value in META.items() if key != "image"]
    toml = (
        "\n".join(toml_lines) + '\n[image]\npath = "images/bridge.jpg"\nalt = "Cars on the bridge"'
    )
    yaml_text = yaml.safe_dump(META, sort_keys=False)
    return {
        "YAML + Markdown": ("post.md", f"---\n{yaml_text}---\n\n{markdown}\n"),
        "TOML + Markdown": ("post.md", f"+++\n{toml}\n+++\n\n{markdown}\n"),
        "JSON + Markdown": ("post.md", f"{json.dumps(META, indent=2)}\n\n{markdown}\n"),
        "YAML + HTML": ("post.html", f"---\n{yaml_text}---\n{html}\n"),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="files parsed per syntax")
    parser.add_argument("--paragraphs", type=int, default=8, help="paragraphs per body")
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from articles.importing import parse_article

    tz = ZoneInfo("UTC")
    rates = {}
    for syntax, (name, text) in files(options.paragraphs).items():
        parse_article(text, tz=tz, path=Path(name))  # warm up, and fail early if unreadable
        started = time.perf_counter()
        for _ in range(options.n):
            parse_article(text, tz=tz, path=Path(name))
        rates[syntax] = options.n / (time.perf_counter() - started)
    baseline = rates["YAML + Markdown"]
    size = len(files(options.paragraphs)["YAML + Markdown"][1])
    print(f"{options.n:,} files per syntax, {options.paragraphs} paragraphs (~{size:,} bytes)")
    for syntax, rate in rates.items():
        print(f"  {syntax:<16} {rate:>9,.0f} files/s   {rate / baseline:5.2f}× YAML + Markdown")


if __name__ == "__main__":
    main()
