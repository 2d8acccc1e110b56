"""The framework's floor for bench_http.py: Django with no middleware, no database and no
template, one view answering a fixed 14 KB page, served by the same gunicorn as the site.

    gunicorn --chdir bench floor_site:application
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

PAGE = b"<!doctype html><title>Floor</title>" + b"x" * (14 * 1024 - 35)


def page(request):
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")


urlpatterns = [path("", page)]

settings.configure(
    DEBUG=False,
    SECRET_KEY=os.environ.get("SECRET_KEY", "floor-of-a-benchmark-not-a-site"),
    ALLOWED_HOSTS=["127.0.0.1"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)
application = get_wsgi_application()
