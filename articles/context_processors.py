from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .metadata import language_tag
from .models import Section, SectionTree


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "SITE_LANGUAGE": language_tag(),
        # Read when a template first asks (the header's navigation), from the cache.
        "SECTIONS": SimpleLazyObject(lambda: section_tree(request)),
    }


def section_tree(request) -> SectionTree:
    """Every section, read once for the request (from the cache when it has them): the
    navigation, a breadcrumb and a front's subsections share it."""
    if not hasattr(request, "_section_tree"):
        request._section_tree = Section.objects.shared_tree()
    return request._section_tree
