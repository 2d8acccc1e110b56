"""A kept page answered before the middleware stack: KeptPageMiddleware, first in
MIDDLEWARE; and before Django's handler: KeptPageApplication, newsroom/wsgi.py's WSGI
application, which asks the middleware's rules of the WSGI environ alone (one home for
the rules; the middleware stays, as it records the headers the WSGI layer sends, answers
whoever the WSGI layer leaves to Django, and serves ASGI).

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
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.cookie import parse_cookie
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.module_loading import import_string

from newsroom.middleware import unstorable_part

from .caching import CACHE_ERRORS, LOOKED_UP, answer, from_the_desk, look_up

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
# What the WSGI layer answers itself: a 404 goes through the stack (see the docstring), a
# 410 too, as Django's handler logs every answer of 400 or more (django.request).
ANSWERED_BEFORE_DJANGO = frozenset({200, 301})
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

    def answer_before_django(self, environ):
        """The answer __call__ would give with recorded headers, made from the WSGI environ
        alone (see KeptPageApplication), as (response, all its headers in order); or
        None: Django's handler then answers, with the look-up made here
        (caching.LOOKED_UP), not asked of the cache again."""
        path = environ.get("PATH_INFO") or "/"
        if (
            not settings.PAGE_CACHE
            or environ.get("REQUEST_METHOD") not in ("GET", "HEAD")
            or not self.recorded
            # Django's request.path is then PATH_INFO itself (get_script_name(),
            # get_path_info()); else it decides.
            or settings.FORCE_SCRIPT_NAME is not None
            or environ.get("SCRIPT_NAME")
            or environ.get("SCRIPT_URL")
            or environ.get("REDIRECT_URL")
            or not path.startswith("/")
            or not path.isascii()
            or path.startswith(self.desk)
        ):
            return None
        request = _EnvironRequest(environ, path)
        if from_the_desk(request):
            return None
        try:
            page = look_up(request)[2]
        except (*CACHE_ERRORS, DisallowedHost):
            return None  # Django's handler answers: a 400, or the view's wrapper logs it
        finally:
            if hasattr(request, "kept_page_lookup"):
                environ[LOOKED_UP] = request.kept_page_lookup
        secure = request.is_secure()
        if (
            page is None
            or page.status_code not in ANSWERED_BEFORE_DJANGO
            or secure not in self.recorded
            or not self.replayable(request, page)
        ):
            return None
        # The recorded headers are not set on the response (each header set is checked
        # and encoded again): they are sent after its own, where replay() would set them.
        response = answer(request, page)
        return response, [*response.items(), *self.recorded_headers(secure, response)]

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
        for name, value in self.recorded_headers(secure, response):
            response.headers[name] = value
        return response

    def recorded_headers(self, secure, response):
        """The recorded headers `response` lacks, in their order (Content-Length its own)."""
        headers = response.headers
        return [
            (name, str(len(response.content)) if name == "Content-Length" else value)
            for name, value in self.recorded[secure]
            if name not in headers
        ]


def _answer_kept_page(request):
    recording = getattr(request, "kept_page_recording", None)
    if recording is not None:  # an answer without a header: what the middleware adds
        return recording
    return answer(request, request.kept_page_lookup[2])


# Hosts HttpRequest.get_host() found allowed (never one it refused), as the settings it
# reads were then.
_ALLOWED_HOSTS_SEEN = set()


@receiver(setting_changed)
def _forget_allowed_hosts(setting, **kwargs):
    if setting in ("ALLOWED_HOSTS", "DEBUG"):
        _ALLOWED_HOSTS_SEEN.clear()


class _EnvironRequest:
    """What look_up(), answer(), from_the_desk(), replayable() and replay() read of a
    request, read from the WSGI environ as Django's WSGIRequest reads it: the scheme, the
    host and its validation against ALLOWED_HOSTS are HttpRequest's own methods."""

    scheme = cached_property(HttpRequest.scheme.fget)  # read twice or three times
    _get_raw_host = HttpRequest._get_raw_host
    get_port = HttpRequest.get_port
    is_secure = HttpRequest.is_secure

    def get_host(self):
        """HttpRequest.get_host(), whose validation against ALLOWED_HOSTS is remembered
        for the few hosts a site answers to (a sixth of a kept page's answer otherwise)."""
        host = self._get_raw_host()
        if host not in _ALLOWED_HOSTS_SEEN:
            HttpRequest.get_host(self)  # raises DisallowedHost for a host not allowed
            if len(_ALLOWED_HOSTS_SEEN) < 64:
                _ALLOWED_HOSTS_SEEN.add(host)
        return host

    def __init__(self, environ, path):
        self.META = environ
        self.method = environ["REQUEST_METHOD"]
        self.path = self.path_info = path
        self.COOKIES = parse_cookie(environ.get("HTTP_COOKIE", ""))

    def _get_scheme(self):
        return self.META.get("wsgi.url_scheme")

    @cached_property
    def GET(self):
        # WSGIRequest.GET: the query string's bytes, decoded in DEFAULT_CHARSET.
        return QueryDict(self.META.get("QUERY_STRING", "").encode("iso-8859-1"))


class KeptPageApplication:
    """A WSGI application answering kept pages before Django's handler, which answers
    everything else unchanged.

    KeptPageMiddleware's answer with recorded headers is the whole stack's, and needs of
    the request only its environ: made here, it costs no HttpRequest, no request_started
    and request_finished signals (their handlers look at database connections that a kept
    page never uses) and no middleware chain. The rules stay the middleware's, which this
    asks (answer_before_django()); a request it has any doubt about (not a reader's GET or
    HEAD, a host not allowed, a path Django would rewrite, a page not kept or not
    replayable, headers not yet recorded for its scheme) goes to Django's handler, whose
    middleware then answers or records as before."""

    def __init__(self, handler):
        self.handler = handler
        # The first middleware of the handler's chain (Django wraps it with functools.wraps
        # in convert_exception_to_response()): answers only if it is KeptPageMiddleware.
        first = getattr(getattr(handler, "_middleware_chain", None), "__wrapped__", None)
        self.kept = first if isinstance(first, KeptPageMiddleware) else None

    def __call__(self, environ, start_response):
        answered = None if self.kept is None else self.kept.answer_before_django(environ)
        if answered is None:
            return self.handler(environ, start_response)
        response, headers = answered
        # As Django's WSGIHandler writes a response (a kept page sets no cookie).
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return [response.content]
