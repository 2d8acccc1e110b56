import functools

from django.conf import settings
from django.core.signals import setting_changed
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject

from .metadata import language_tag
from .models import Section, SectionTree


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "SITE_LANGUAGE": language_tag(),
        # Each read when a template first asks: the header's and footer's links, the
        # header's navigation (from the cache).
        "SITE_LINKS": SimpleLazyObject(lambda: site_links(get_urlconf(), get_script_prefix())),
        "SECTIONS": SimpleLazyObject(lambda: section_tree(request)),
    }


@functools.cache
def site_links(urlconf, script_prefix):
    """The addresses every page's head, header and footer link to, found once per process
    (and URLconf): reversing them for each page was a third of an article page's
    template time."""
    return {
        **{name: reverse(f"articles:{name}") for name in SITE_LINKED_VIEWS},
        **{name: static(path) for name, path in SITE_LINKED_FILES.items()},
    }


SITE_LINKED_VIEWS = ("home", "search", "feed_rss", "feed_atom", "corrections")
SITE_LINKED_FILES = {
    "stylesheet": "css/site.css",
    "icon": "images/favicon.svg",
    "touch_icon": "images/apple-touch-icon.png",
}


def _forget_site_links(setting, **kwargs):
    if setting in {"ROOT_URLCONF", "STATIC_URL", "STORAGES", "FORCE_SCRIPT_NAME"}:
        site_links.cache_clear()


setting_changed.connect(_forget_site_links, dispatch_uid="forget_site_links")


def section_tree(request) -> SectionTree:
    """Every section, read once for the request (from the cache when it has them): the
    navigation, a breadcrumb and a front's subsections share it."""
    if not hasattr(request, "_section_tree"):
        request._section_tree = Section.objects.shared_tree()
    return request._section_tree
