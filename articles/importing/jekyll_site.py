"""The permalink a Jekyll site's `_config.yml` gives its posts, for a post whose front
matter gives none: read only where it is simple (one `permalink` for all posts, a style
name or a pattern, or the `posts` collection's); a config that sets permalinks by scope
(`defaults`) is named in a warning instead of guessed at.

The config sits beside the `_posts` folder (the site's root). Without one, nothing is
assumed: the importer cannot tell a Jekyll site's root from a folder of posts.
"""

import os
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .front_matter import load_yaml
from .problems import InvalidArticle, Problem
from .sources import DEFAULT_MAX_BYTES, read_article_text

CONFIG_NAMES = ("_config.yml", "_config.yaml")
# Jekyll's built-in styles; its default is "date".
STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
KEY = "permalink (_config.yml)"  # how a warning names where the pattern came from


# How far above a `_posts` folder its site's config is looked for (news/_posts, with the
# config two folders up, is a site's "news" category).
CONFIG_LEVELS = 4


@dataclass(frozen=True)
class SitePermalink:
    pattern: str = ""
    tz: ZoneInfo | None = None  # the config's `timezone`, which dated the site's addresses
    problem: Problem | None = None  # why the config could not be read
    # The folders between the site's root and `_posts`: Jekyll's categories of the post,
    # before those its front matter gives.
    categories: tuple[str, ...] = ()


def site_permalink(post: Path) -> SitePermalink:
    """The permalink pattern of the site a file under `_posts` belongs to, if its
    `_config.yml` is found beside that folder or a few above it, and simple; else an
    empty one, with a problem to report when the config was there but could not be used."""
    posts = next((folder for folder in post.parents if folder.name == "_posts"), None)
    if posts is None:
        return SitePermalink()
    for root in [posts.parent, *posts.parent.parents][:CONFIG_LEVELS]:
        categories = posts.parent.relative_to(root).parts
        for name in CONFIG_NAMES:
            config = root / name
            if config.is_symlink():
                problem = Problem(KEY, f"{config} is a link: not followed")
                return SitePermalink(problem=problem, categories=categories)
            try:
                info = os.stat(config)
            except OSError:
                continue
            site = _read(str(config), info.st_mtime_ns, info.st_size)
            return replace(site, categories=categories)
    return SitePermalink()


@lru_cache(maxsize=16)
def _read(config: str, mtime_ns: int, size: int) -> SitePermalink:
    """Read once per run (and again should the file change) for every post of the site."""
    try:
        settings = load_yaml(read_article_text(Path(config), max_bytes=DEFAULT_MAX_BYTES))
    except InvalidArticle as error:
        reason = "; ".join(f"{p.field}: {p.message}" for p in error.problems)
        return SitePermalink(problem=Problem(KEY, f"{config} cannot be read ({reason})"))
    defaults = settings.get("defaults")
    if isinstance(defaults, list) and any(
        isinstance(entry, dict)
        and isinstance(entry.get("values"), dict)
        and "permalink" in entry["values"]
        for entry in defaults
    ):
        return SitePermalink(
            problem=Problem(
                KEY,
                f"{config} sets permalinks by scope (defaults), which is not read: give "
                "each post its permalink or redirect_from",
            )
        )
    collections = settings.get("collections")
    posts = collections.get("posts") if isinstance(collections, dict) else None
    given = posts.get("permalink") if isinstance(posts, dict) else None
    given = given if given is not None else settings.get("permalink", "date")
    if not isinstance(given, str) or not (given in STYLES or given.startswith("/")):
        return SitePermalink(
            problem=Problem(KEY, f"{config}: {str(given)[:60]!r} is neither a style nor a path")
        )
    zone = settings.get("timezone")
    try:
        tz = ZoneInfo(zone) if zone else None
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return SitePermalink(
            problem=Problem(KEY, f"{config}: timezone {str(zone)[:40]!r} is not a time zone")
        )
    return SitePermalink(STYLES.get(given, given), tz)
