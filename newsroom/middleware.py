"""Site-wide middleware: what no view should have to think about."""

from django.core.exceptions import SuspiciousOperation
from django.urls import reverse

from . import outages

# The one character PostgreSQL cannot store in text: a NUL in a query parameter made the
# query raise, and the page answer 500. Nothing else read from a request needs refusing:
# Django decodes bytes that are not UTF-8 to U+FFFD, which every database stores, and
# drops unprintable characters from the names of uploaded files.
NUL = "\x00"


class UnstorableCharacter(SuspiciousOperation):
    """Answered with a 400 and recorded on the `django.security.UnstorableCharacter` logger."""


def unstorable_part(request):
    """Which part of the request holds a NUL, in words (names quoted with repr and cut
    short, so the words stay on one short line), or None."""
    if NUL in request.path_info:
        return "path"
    forms = [("query parameter", request.GET)]
    if request.method == "POST":  # Django reads a form from a POST only
        forms.append(("form field", request.POST))
    for label, data in forms:
        for name, values in data.lists():
            if NUL in name or any(NUL in value for value in values):
                return f"{label} {name[:40]!r}"
    for name, value in request.COOKIES.items():
        if NUL in name or NUL in value:
            return f"cookie {name[:40]!r}"
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str) and NUL in value:
            return f"header {key[5:].replace('_', '-').title()}"
    return None


class RefuseUnstorableCharactersMiddleware:
    """Refuses, with a 400, any request whose path, parameters, form fields, cookies or
    headers hold a NUL, before anything reads them: every view, filter, admin
    list, autocomplete and lookup of a session or redirect is then safe from it, on
    PostgreSQL as on SQLite, without a check of its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        part = unstorable_part(request)
        if part is not None:
            raise UnstorableCharacter(
                f"The {part} holds a NUL character (U+0000), which the database cannot store."
            )
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A database that is down, frozen or too slow gives a 503 page with Retry-After and
    one log line, soon: public requests run under a statement timeout and a watchdog,
    the admin under the server's own limits. See newsroom/outages.py; errors raised
    outside views reach the same page through handler500."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = None

    def __call__(self, request):
        if self.admin_prefix is None:
            self.admin_prefix = reverse("admin:index")
        if request.path_info.startswith(self.admin_prefix):
            limits = outages.default_limits()
        else:
            limits = outages.public_request_limits()
        with limits:
            return self.get_response(request)

    def process_exception(self, request, exception):
        if outages.is_unavailable(exception):
            return outages.unavailable_response(request, exception)
        return None
