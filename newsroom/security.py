"""The site's defences at the HTTP level that Django and its libraries leave to the project:
which address a request comes from, how sign-ins are throttled (django-axes), what a
locked-out person sees. The settings that drive them are
grouped in settings.py under "Security"."""

import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessBase
from django.conf import settings
from django.contrib import admin
from django.db.models import Sum
from django.shortcuts import render


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
    PostgreSQL refuses to store it."""
    username = (credentials or request.POST).get(settings.AXES_USERNAME_FORM_FIELD)
    return username[:_USERNAME_LENGTH] if username else username


class LoginThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit of its own for an address (AXES_HANDLER).

    AXES_LOCKOUT_PARAMETERS counts failed sign-ins per account on an address, then per
    address. Axes holds both counts to AXES_FAILURE_LIMIT, which would make the first
    pointless (an address has at least the failures of any account tried from it). Here
    the address gets the larger LOGIN_ADDRESS_FAILURE_LIMIT: a few typos lock one account on
    one address, a script trying many accounts locks its address, and nobody can lock an
    editor out from elsewhere by typing their name.
    """

    def get_failures(self, request, credentials=None):
        account_on_address, address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(account_on_address, get_failure_limit(request, credentials))
        return account_on_address


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out sign-in gets (AXES_LOCKOUT_CALLABLE): the admin's design, the
    wait, and who can lift the lock; 429 with Retry-After for scripts."""
    cool_off = get_cool_off(request)
    context = {
        **admin.site.each_context(request),
        "title": "Sign-in paused",
        "minutes": round(cool_off.total_seconds() / 60),
    }
    response = render(
        request, "admin/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    )
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response

