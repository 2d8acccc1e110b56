"""The framework's floor for bench_http.py: Django with no middleware, no database and no
template, one view answering a fixed 14 KB page, served by the same gunicorn as the site.

    gunicorn --chdir bench floor_site:application

With FLOOR_HEADERS (a JSON list of [name, value]) the page also carries those headers:
bench_http.py gives it the ones the site's kept article carries, to tell what sending
them costs (gunicorn checks each) from what making the answer costs.
"""

import json
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

PAGE = b"<!doctype html><title>Floor</title>" + b"x" * (14 * 1024 - 35)


HEADERS = json.loads(os.environ.get("FLOOR_HEADERS") or "[]")


def page(request):
    response = HttpResponse(PAGE, content_type="text/html; charset=utf-8")
    for name, value in HEADERS:
        response[name] = str(len(PAGE)) if name.lower() == "content-length" else value
    return response


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
