"""A kept page answered before the middleware stack: KeptPageMiddleware, first in
MIDDLEWARE.

A warm page cache made the view's wrapper cheap, but each answer still went through every
middleware: sessions, CSRF, authentication, messages, axes, the outage guard. For a
reader's GET or HEAD (no session or CSRF cookie) of an address whose page is kept, none of
them has anything to do, so they are left out, each for the reason NOTHING_TO_DO gives.
The others (security headers, WhiteNoise, the Content-Security-Policy, Permissions-Policy,
the NUL guard, CommonMiddleware, X-Frame-Options) still run, in MIDDLEWARE's order, around
the same answer the view's wrapper gives (articles/caching.py's answer()): the response is
the one the whole stack gives, headers and order included, and a request one of them
refuses (a NUL, a plain-HTTP request to redirect) is refused the same way.

A middleware added to MIDDLEWARE runs around kept pages too, unless named in
NOTHING_TO_DO. Not answered here, and left to the whole stack: anything but a reader's GET
or HEAD; the admin; an address with no page kept for the current generation (one look-up,
which the view's wrapper then uses without asking the cache again); a kept 404, which
CommonMiddleware (APPEND_SLASH) and the redirects app may turn into a redirect.

The Content-Security-Policy nonce stays right: a page made with the nonce is never kept
(caching.py), so no kept page holds one, and its answer's header names none, as this
request never asks for one.
"""

from django.conf import settings
from django.core.exceptions import DisallowedHost, ImproperlyConfigured
from django.core.handlers.exception import convert_exception_to_response
from django.urls import reverse
from django.utils.module_loading import import_string

from .caching import CACHE_ERRORS, answer, from_the_desk, look_up

# What each middleware does with a reader's GET or HEAD answered from the page cache.
NOTHING_TO_DO = {
    "newsroom.middleware.DatabaseUnavailableMiddleware": "no query is made",
    "django.contrib.sessions.middleware.SessionMiddleware": (
        "no session cookie, and nothing reads the session: no Vary, no cookie"
    ),
    "django.middleware.csrf.CsrfViewMiddleware": "no view runs, and no token is asked for",
    "django.contrib.auth.middleware.AuthenticationMiddleware": "nobody asks who reads",
    "articles.acting.ActingUserMiddleware": "nothing is written",
    "django.contrib.messages.middleware.MessageMiddleware": "no message is read or added",
    "django.contrib.redirects.middleware.RedirectFallbackMiddleware": (
        "it acts on a 404 only, never answered here"
    ),
    "axes.middleware.AxesMiddleware": "it acts on a refused sign-in only",
}
MIDDLEWARE_PATH = f"{__name__}.KeptPageMiddleware"


class KeptPageMiddleware:
    """Answers a reader's GET or HEAD with its kept page, through the middleware that has
    something to do with it (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response
        if settings.MIDDLEWARE[0] != MIDDLEWARE_PATH:
            raise ImproperlyConfigured(f"{MIDDLEWARE_PATH} must come first in MIDDLEWARE.")
        # Built as Django builds the whole stack (BaseHandler.load_middleware), so that an
        # exception in one of them becomes the same response.
        answering = convert_exception_to_response(_answer_kept_page)
        for path in reversed(settings.MIDDLEWARE[1:]):
            if path not in NOTHING_TO_DO:
                answering = convert_exception_to_response(import_string(path)(answering))
        self.answer_kept_page = answering
        self.desk = reverse("admin:index")

    def __call__(self, request):
        if (
            settings.PAGE_CACHE
            and request.method in ("GET", "HEAD")
            and not from_the_desk(request)
            and not request.path_info.startswith(self.desk)
        ):
            try:
                page = look_up(request)[2]
            except (*CACHE_ERRORS, DisallowedHost):
                page = None  # the stack answers: a 400, or the view's wrapper logs the error
            if page is not None and page.status_code != 404:
                return self.answer_kept_page(request)
        return self.get_response(request)


def _answer_kept_page(request):
    return answer(request, request.kept_page_lookup[2])
