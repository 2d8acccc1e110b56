from django.conf import settings

from .metadata import language_tag


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "SITE_LANGUAGE": language_tag(),
    }
