"""The site's defences at the HTTP level that Django and its libraries leave to the project:
which address a request comes from, how sign-ins are throttled (django-axes), what a
locked-out person sees, and the Permissions-Policy header. The settings that drive them are
grouped in settings.py under "Security"."""

import functools
import hashlib
import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessBase
from csp import middleware as csp_middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db.models import Sum
from django.dispatch import receiver
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers


def client_address(request):
    """The address a request comes from (AXES_CLIENT_IP_CALLABLE).

    The connection's address, unless TRUSTED_PROXY_COUNT proxies stand in front of the site.
    Each of them appends the address it was reached from to X-Forwarded-For, so the entry
    that many places from the right was written by the outermost proxy; whatever lies left
    of it is the client's own word and is never read. A header too short or not an address
    means the request did not come through the proxies: the connection's address stands.
    """
    address = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return address
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(forwarded) < proxies:
        return address
    try:
        return str(ipaddress.ip_address(forwarded[-proxies].strip()))
    except ValueError:
        return address


# The admin's login form lets any length through to authenticate(); Axes' tables do not.
_USERNAME_LENGTH = AccessBase._meta.get_field("username").max_length


def attempted_username(request, credentials=None):
    """The username a sign-in tried (AXES_USERNAME_CALLABLE), cut to the length Axes
    stores: a longer one is nobody's (Django's usernames stop at 150 characters), and
    PostgreSQL refuses to store it. Read before the login form checks anything (see
    newsroom/urls.py), so it is also the only thing between a raw POST and a query."""
    username = (credentials or request.POST).get(settings.AXES_USERNAME_FORM_FIELD)
    if not username or "\x00" in username:  # no account's, and PostgreSQL refuses NUL
        return None
    return username[:_USERNAME_LENGTH]


class LoginThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit of its own for an address, and a short memory
    of the locks it finds (AXES_HANDLER).

    AXES_LOCKOUT_PARAMETERS counts failed sign-ins per account on an address, then per
    address. Axes holds both counts to AXES_FAILURE_LIMIT, which would make the first
    pointless (an address has at least the failures of any account tried from it). Here
    the address gets the larger LOGIN_ADDRESS_FAILURE_LIMIT: a few typos lock one account on
    one address, a script trying many accounts locks its address, and nobody can lock an
    editor out from elsewhere by typing their name.

    A locked-out script keeps trying, hundreds of times a second. Each lock found is
    remembered for LOCK_MEMORY_SECONDS in Django's cache (each worker's own memory unless
    CACHES says otherwise), so those tries cost no query: readers keep the workers (see
    bench/bench_login_flood.py). Lifting a lock with axes_reset_* reaches every worker
    within that time.
    """

    def failure_counts(self, request, credentials=None):
        """Failed sign-ins (within the cool-off) of the account on this address, and of
        the address."""
        return tuple(
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )

    def get_failures(self, request, credentials=None):
        account_on_address, address = self.failure_counts(request, credentials)
        if address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(account_on_address, get_failure_limit(request, credentials))
        return account_on_address

    def is_locked(self, request, credentials=None):
        address = request.axes_ip_address
        keys = lock_memory_keys(address, get_client_username(request, credentials))
        if cache.get_many(keys):
            return True
        account_on_address, from_address = self.failure_counts(request, credentials)
        locks = {}
        if account_on_address >= get_failure_limit(request, credentials):
            locks[keys[0]] = True
        if from_address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            locks[keys[1]] = True
        cache.set_many(locks, LOCK_MEMORY_SECONDS)
        return bool(locks)

    def post_delete_access_attempt(self, instance, **kwargs):
        # Immediate where the cache is shared (and in tests); within seconds elsewhere.
        cache.delete_many(lock_memory_keys(instance.ip_address, instance.username))


LOCK_MEMORY_SECONDS = 3


def lock_memory_keys(address, username):
    """Cache keys remembering that an account on an address, and an address, are locked."""
    return [
        "login-lock:" + hashlib.sha256(f"{address}\n{username}".encode()).hexdigest(),
        "login-lock:" + hashlib.sha256(f"{address}".encode()).hexdigest(),
    ]


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out sign-in gets (AXES_LOCKOUT_CALLABLE): the wait, and who can
    lift the lock; 429 with Retry-After for scripts, never cached."""
    seconds = int(get_cool_off(request).total_seconds())
    response = HttpResponse(lockout_page(round(seconds / 60)), status=429)
    response["Retry-After"] = str(seconds)
    add_never_cache_headers(response)
    return response


@functools.lru_cache(maxsize=8)
def lockout_page(minutes):
    """The locked-out page's HTML. It is the same for everyone (no user, form or nonce in
    it), so each worker makes it once, not for each of a script's thousands of tries."""
    return render_to_string(
        "admin/locked_out.html",
        {
            "title": "Sign-in paused",
            "site_header": admin.site.site_header,
            "site_title": admin.site.site_title,
            "minutes": minutes,
        },
    )


class PermissionsPolicyMiddleware:
    """Sends PERMISSIONS_POLICY as the Permissions-Policy header: the browser features no
    page of ours uses are refused to them and to anything they embed."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response


class CSPMiddleware(csp_middleware.CSPMiddleware):
    """django-csp's middleware, with the policy of an answer that has none of its own (no
    @csp_update and the like) and no nonce built once, not for every answer: the library
    builds it each time, 50 µs, an eighth of a kept page's whole answer. Anything else
    (a nonce, a policy of the answer's own, excluded paths, DEBUG's error pages) is left to
    the library."""

    def process_response(self, request, response):
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(name.startswith("_csp_") for name in vars(response))
            or (settings.DEBUG and response.status_code in (404, 500))
        ):
            return super().process_response(request, response)
        policies = _plain_policies()
        if policies is None:
            return super().process_response(request, response)
        for header, policy in zip((HEADER, HEADER_REPORT_ONLY), policies, strict=True):
            if policy and header not in response:
                response[header] = policy
        # As the library does: a nonce asked for after the header is written is an error.
        request.csp_nonce = csp_middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response


_PLAIN_POLICIES = []


def _plain_policies():
    """(policy, report-only policy) of an answer with no policy of its own and no nonce,
    or None if the settings exclude some paths (the library then decides each time)."""
    if not _PLAIN_POLICIES:
        excluded = any(
            (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES")
            for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")
        )
        _PLAIN_POLICIES.append(
            None if excluded else (build_policy(), build_policy(report_only=True))
        )
    return _PLAIN_POLICIES[0]


@receiver(setting_changed)
def _forget_plain_policies(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _PLAIN_POLICIES.clear()
