"""The 301 redirects that keep an imported article's old addresses working."""

from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.redirects.models import Redirect
from django.utils.encoding import escape_uri_path

from .archive_format import key_name
from .problems import Problem

REDIRECT_PATH_MAX = Redirect._meta.get_field("old_path").max_length


def redirects_to(article, data, outcome) -> list[Redirect]:
    """Unsaved redirects to `article` from the old site's paths: its source URL's, and the
    old addresses its file gives (ArticleData.old_addresses). (Its own former addresses
    are kept by Article.save(), as FormerSlug rows, which also repoint these.)

    A path too long for the table is left out with a warning on `outcome`; so is said
    an old address that led to another article until now (the file read last wins).
    """
    new_path = article.get_absolute_url()
    old_paths = old_paths_of(data)
    redirects = []
    for old_path, field_name in old_paths.items():
        if old_path in ("/", new_path):
            continue
        if len(old_path) > REDIRECT_PATH_MAX or len(new_path) > REDIRECT_PATH_MAX:
            outcome.warnings.append(
                Problem(
                    key_name(field_name),
                    f"no redirect from {old_path[:60]!r}…: paths over "
                    f"{REDIRECT_PATH_MAX} characters do not fit",
                )
            )
            continue
        redirects.append(Redirect(site_id=settings.SITE_ID, old_path=old_path, new_path=new_path))
    _say_which_lead_elsewhere(
        [r.old_path for r in redirects if old_paths[r.old_path] == "old_addresses"],
        new_path,
        outcome,
    )
    return redirects


def old_paths_of(data) -> dict[str, str]:
    """The old site's paths an article's data claims (as the redirects table keeps them),
    each with the field it came from."""
    old_paths = {}
    for field_name, urls in (
        ("source_url", [data.source_url]),
        ("old_addresses", data.old_addresses.paths),
    ):
        for url in urls:
            if url:
                parts = urlsplit(url)
                path = escape_uri_path(unquote(parts.path)) or "/"
                old_paths.setdefault(f"{path}?{parts.query}" if parts.query else path, field_name)
    return old_paths


def _say_which_lead_elsewhere(old_paths: list[str], new_path: str, outcome):
    # A source URL is one article's alone (a unique column); aliases may be claimed twice.
    if not old_paths:
        return
    elsewhere = Redirect.objects.filter(site_id=settings.SITE_ID, old_path__in=old_paths).exclude(
        new_path=new_path
    )
    for old_path, other in elsewhere.values_list("old_path", "new_path").order_by("old_path"):
        outcome.warnings.append(
            Problem(
                key_name("old_addresses"),
                f"{old_path[:60]!r} led to {other[:60]!r}; it now leads here",
            )
        )


def save_redirects(redirects: list[Redirect]):
    """Insert or repoint, in one statement: old paths stay unique, a re-run updates them."""
    # The statement may not touch a row twice; of two redirects from one path, the later
    # one stands, as it would have written one after the other.
    latest = {redirect.old_path: redirect for redirect in redirects}
    if latest:
        Redirect.objects.bulk_create(
            latest.values(),
            update_conflicts=True,
            unique_fields=["site", "old_path"],
            update_fields=["new_path"],
        )
