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
refuses (a NUL, a plain-HTTP request to redirect) is refused the same way. Mostly they
are not even called: what each adds to a kept page's answer is the same every time
(SAME_EVERY_TIME), so the headers are recorded from the first answer (one for HTTP, one
for HTTPS) and added again in the same order, unless the request or the page is one they
could treat otherwise (replayable()). The middleware's whole work is then one look-up in
the cache and a few headers set.

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
from django.http import HttpResponse
from django.urls import reverse
from django.utils.module_loading import import_string

from newsroom.middleware import unstorable_part

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
# Middleware whose work on a kept page's answer is the same every time, once the request
# passed replayable()'s checks: what it adds is recorded once (for HTTP, and for HTTPS)
# and added again, in the same order, without calling it.
SAME_EVERY_TIME = {
    "django.middleware.security.SecurityMiddleware": "headers; its HTTPS redirect: checked",
    "whitenoise.middleware.WhiteNoiseMiddleware": "its files' addresses are no page's",
    "newsroom.security.CSPMiddleware": "the plain policy: no nonce, none of the page's own",
    "newsroom.security.PermissionsPolicyMiddleware": "one header",
    "newsroom.middleware.RefuseUnstorableCharactersMiddleware": "checked: unstorable_part()",
    "django.middleware.common.CommonMiddleware": "Content-Length; its redirects: checked",
    "django.middleware.clickjacking.XFrameOptionsMiddleware": "one header",
}
# Attributes of a response that change what those do with it (django-csp's decorators,
# Django's xframe_options_exempt).
ITS_OWN_RULES = ("_csp_", "xframe_options_exempt")
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
        around = [path for path in settings.MIDDLEWARE[1:] if path not in NOTHING_TO_DO]
        for path in reversed(around):
            answering = convert_exception_to_response(import_string(path)(answering))
        self.answer_kept_page = answering
        self.may_replay = all(path in SAME_EVERY_TIME for path in around)
        self.recorded = {}  # request.is_secure(): [(header, value), ...] the stack adds
        # Read once, as SecurityMiddleware and CommonMiddleware read theirs.
        self.redirects_to_https = settings.SECURE_SSL_REDIRECT
        self.settings_allow_replay = not (
            settings.DEBUG  # WhiteNoise looks for new files on every request
            or settings.PREPEND_WWW
            or settings.DISALLOWED_USER_AGENTS
        )
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
                if self.replayable(request, page):
                    return self.replay(request, answer(request, page))
                return self.answer_kept_page(request)
        return self.get_response(request)

    def replayable(self, request, page):
        """Whether the middleware around a kept page would do with this request and page
        what it does every time (see SAME_EVERY_TIME)."""
        return (
            self.may_replay
            and self.settings_allow_replay
            and (not self.redirects_to_https or request.is_secure())
            and not any(name.startswith(ITS_OWN_RULES) for name in vars(page))
            and unstorable_part(request) is None
        )

    def replay(self, request, response):
        """The headers the middleware adds to every kept page's answer, added to this one:
        as recorded from its first (a Content-Length of this answer's own)."""
        secure = request.is_secure()
        if secure not in self.recorded:
            request.kept_page_recording = HttpResponse()
            del request.kept_page_recording["Content-Type"]
            answered = self.answer_kept_page(request)
            recording, request.kept_page_recording = request.kept_page_recording, None
            if answered is not recording:  # one of them answered instead: it decides
                return self.answer_kept_page(request)
            self.recorded[secure] = list(recording.items())
        headers = response.headers
        for name, value in self.recorded[secure]:
            if name not in headers:
                headers[name] = str(len(response.content)) if name == "Content-Length" else value
        return response


def _answer_kept_page(request):
    recording = getattr(request, "kept_page_recording", None)
    if recording is not None:  # an answer without a header: what the middleware adds
        return recording
    return answer(request, request.kept_page_lookup[2])
