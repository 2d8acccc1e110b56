"""Public pages kept whole in Django's cache, and what browsers, nginx and CDNs are told.

**What is kept.** The answer of a view wrapped in `cached_public_page()` (class-based
views: `CachedPublicPageMixin`, which every `PublicArticleMixin` view has), to a GET or
HEAD from a reader: a request without the session or CSRF cookie. Whoever carries one of
those has used the desk and is answered afresh, `Cache-Control: private, no-store`. Kept
only if it is the same for everyone: status 200, 301, 404 or 410, no cookie, no `Vary`,
no `Cache-Control` of the view's own (a preview says private) and no use of the request's
Content-Security-Policy nonce (a nonce served twice is no nonce: such a page is private).
A page is keyed by its address (scheme, host, path and query parameters in sorted order).
A kept page is answered by KeptPageApplication before Django's handler, or
KeptPageMiddleware before the rest of the middleware, when nothing in it has anything to
do for the request (see articles/kept_pages.py); else by the view's wrapper here.

**Invalidation.** Every page is kept with its generation: a counter in the cache that every
`article_changed` moves on, whatever changed and in whichever article. That is exact
because it is coarse: listings show most articles, so nearly any change reaches nearly
every listing. Servers sharing the cache (Redis) share the counter, so the next request
anywhere makes the page afresh. Nothing is deleted: pages of past generations are never
asked for again and expire. The counter starts at the time in nanoseconds, so a counter
lost with the cache starts again above every value it had.

**Scheduled articles** go public with nothing announced, so no page is kept, here or by
anyone told `s-maxage`, past the next publication time to come (one indexed query per
generation, kept with it). **Scheduled changes** to live articles (models/pending.py)
count as publications: scheduling one starts a generation, no page is kept past its time,
and the first page made after it publishes it (publish_due_changes(): one cache read
while none is due, one indexed query per generation).

**HTTP.** A kept page says who may keep it and how long (`Cache-Control`, settings
PAGE_*), names what it shows (`Surrogate-Key`, `Cache-Tag`: `article-<id>`, and for
every page but an article's own `listings` and its kind: `home`, `tag-<id>`,
`archive`, `search`, `feed`, `sitemap`), and a 200 carries `ETag` and `Last-Modified`,
answered with 304 by Django's `get_conditional_response()`. The ETag is the hash of the
bytes (Django's `set_response_etag()`), so it stays when a change elsewhere leaves the
page as it was; Last-Modified is when the address first served these bytes, which no
timestamp of the articles could say (a tag renamed changes pages, not articles).

**CDN.** With CDN_PURGE_URL set, every change is posted there, in the background, as the
keys of the pages it reaches: the changed articles' and `listings`.
"""

import functools
import hashlib
import json
import logging
import time
import urllib.request
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    set_response_etag,
)
from django.utils.http import http_date
from redis import RedisError

from .background import run_soon
from .models import Article, PendingChange

logger = logging.getLogger(__name__)

GENERATION_KEY = "pages:generation"
LOOKED_UP = "newsroom.kept_page_lookup"  # a WSGI environ's key (no header's: HTTP_*)
LISTINGS = "listings"  # every page but an article's own: any change may reach it
KEPT_STATUSES = frozenset({200, 301, 404, 410})
# How long an address remembers when it first served its current bytes (Last-Modified).
FIRST_SERVED_SECONDS = 30 * 24 * 3600
# What Django's cache backends raise when their server fails (locmem never does).
CACHE_ERRORS = (RedisError,)
PURGE_TIMEOUT_SECONDS = 5
PURGE_BATCH = 30  # keys per request: Cloudflare's limit for purging by tag


def article_key(article):
    return f"article-{article.pk}"


def tag_key(tag):
    return f"tag-{tag.pk}"


def shows(request, *keys):
    """Name what the page answering `request` shows, for its Surrogate-Key and Cache-Tag."""
    request.page_keys = [*getattr(request, "page_keys", ()), *keys]


def from_the_desk(request):
    """Whether the request may come from someone signed in, or about to sign in: told by
    its cookies alone, without reading a session."""
    return any(
        name in request.COOKIES
        for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)
    )


def cached_public_page(view, *keys):
    """Serve `view` from the page cache (see the module's docstring); `keys` are named on
    every page it answers, besides those the view names with shows()."""

    view = _publishing_due_changes(view)

    @wraps(view)
    def cached_view(request, *args, **kwargs):
        if from_the_desk(request):
            response = view(request, *args, **kwargs)
            add_never_cache_headers(response)
            return response
        if not settings.PAGE_CACHE or request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        try:
            address, generation, page = look_up(request)
            # Read before the page is made, so that an article whose time comes while it
            # is made still caps it.
            upcoming = next_publication(generation) if page is None else None
        except CACHE_ERRORS as error:
            _unavailable(request, error)
            return view(request, *args, **kwargs)
        if page is None:
            response = view(request, *args, **kwargs)
            try:
                page = _keepable(request, response, address, upcoming, keys)
                if page is not None:
                    _keep(address, generation, page)
            except CACHE_ERRORS as error:
                _unavailable(request, error)
                return response
            if page is None:
                return response
        return answer(request, page)

    return cached_view


def look_up(request):
    """(address, generation, page) for a reader's GET or HEAD: the page kept at its address
    if it is of the current generation and no publication has come since, else None.

    One round trip to the cache: the page is kept under its address alone, with the
    generation it was made in, so the two are read together. Remembered on the request,
    so that KeptPageMiddleware's look-up serves the view's wrapper too (whatever failed,
    raised again); and in the WSGI environ by KeptPageApplication, when it leaves the
    request to Django."""
    looked = getattr(request, "kept_page_lookup", None) or request.META.get(LOOKED_UP)
    if looked is None:
        try:
            looked = _look_up(request)
        except CACHE_ERRORS as error:
            looked = error
        request.kept_page_lookup = looked
    if isinstance(looked, Exception):
        raise looked
    return looked


def _look_up(request):
    address = _address(request)
    key = _page_key(address)
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    if generation is None:
        generation = current_generation()
    kept = found.get(key)
    if kept is None or kept[0] != generation:
        return address, generation, None  # never kept, expired, or of a past generation
    page = kept[1]
    if _seconds_until(page.next_publication) == 0:
        return address, generation, None  # the cache's clock and ours may differ: ours decides
    return address, generation, page


class CachedPublicPageMixin:
    """A class-based view whose pages go through cached_public_page()."""

    @classmethod
    def as_view(cls, **initkwargs):
        return cached_public_page(super().as_view(**initkwargs))


def _keep(address, generation, page):
    timeout = settings.PAGE_CACHE_SECONDS
    left = _seconds_until(page.next_publication)
    if left is not None:
        timeout = min(timeout, left)
    if timeout >= 1:
        cache.set(_page_key(address), (generation, page), timeout)


def _unavailable(request, error):
    """A cache that fails (Redis down) costs readers the cache, not the page."""
    logger.warning("Page cache unavailable, %s made afresh: %s", request.path, error)


# The generation ---------------------------------------------------------------------------


def current_generation():
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        generation = cache.get(GENERATION_KEY)
    return generation


def forget_pages(**kwargs):
    """article_changed: every page kept so far belongs to a past generation."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet: the first reader starts one
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)


def forget_pages_once_committed(sender, using, **kwargs):
    """post_save and post_delete of what listings show beyond articles (the sections of
    the navigation, an author's profile on their page): a section or an author without
    articles reaches pages that no article_changed would."""
    transaction.on_commit(forget_pages, using=using)
    if settings.CDN_PURGE_URL:
        transaction.on_commit(lambda: run_soon(purge, [LISTINGS]), using=using)


def forget_pages_when_scheduled(sender, instance, using, **kwargs):
    """post_save of a PendingChange: once one is scheduled, pages kept so far (and their
    cap) belong to a past generation, so that none is kept past its time."""
    if instance.publish_at is not None:
        transaction.on_commit(forget_pages, using=using)


def next_publication(generation):
    """When the next scheduled article goes public or the next scheduled change to a live
    article is published, as the articles of `generation` say."""
    key = f"pages:next-publication:{generation}"
    known = cache.get(key)
    if known is None or _seconds_until(known[0]) == 0:
        times = [
            Article.objects.next_publication_time(),
            PendingChange.objects.filter(publish_at__gt=timezone.now()).next_time(),
        ]
        known = (min(filter(None, times), default=None),)
        timeout = _seconds_until(known[0])
        if timeout is None or timeout >= 1:
            cache.set(key, known, timeout or settings.PAGE_CACHE_SECONDS)
    return known[0]


def _publishing_due_changes(view):
    """`view`, once the scheduled changes whose time has come are published."""

    @wraps(view)
    def publishing_view(request, *args, **kwargs):
        try:
            publish_due_changes()
        except CACHE_ERRORS:
            # Without the cache, a query each time; the page cache logs the outage.
            PendingChange.objects.publish_due()
        return view(request, *args, **kwargs)

    return publishing_view


def publish_due_changes():
    """Publish the scheduled changes to live articles whose time has come, before a page
    is made (a kept page never outlives the next one's time: next_publication()). While
    none is due, one cache read: the next one's time is kept for the generation, which
    scheduling a change moves on."""
    key = f"pages:next-change:{current_generation()}"
    known = cache.get(key)
    now = timezone.now()
    if known is not None and (known[0] is None or known[0] > now):
        return
    if known is None:
        known = (PendingChange.objects.next_time(),)
    if known[0] is not None and known[0] <= now:
        PendingChange.objects.publish_due()
        known = (PendingChange.objects.next_time(),)
    # Kept a while, never for good: each generation has its own key, and an older
    # generation's would otherwise stay in Redis forever.
    cache.set(key, known, settings.PAGE_CACHE_SECONDS)


def _seconds_until(moment):
    """Whole seconds left until `moment` (rounded down, so never past it), or None."""
    if moment is None:
        return None
    return max(0, int((moment - timezone.now()).total_seconds()))


# Pages ------------------------------------------------------------------------------------


def _page_key(address):
    return f"pages:page:{address}"


def _address(request):
    # Most addresses have no query: its parsing is then skipped (it would give "").
    query = (
        urlencode(sorted(request.GET.lists()), doseq=True)
        if request.META.get("QUERY_STRING")
        else ""
    )
    address = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
    return hashlib.sha256(address.encode()).hexdigest()


def _keepable(request, response, address, upcoming, keys):
    """The response made ready to keep (with its validators and what it shows), or None
    if it must not be."""
    if hasattr(response, "render"):
        response.render()
    if response.cookies or getattr(request, "_csp_nonce", None):
        # Someone's cookie is no one else's; and a script allowed by this request's nonce
        # must not run on another's page (django-csp's CSPMiddleware sets _csp_nonce when
        # the page asks for request.csp_nonce, and names it in this answer's header only).
        add_never_cache_headers(response)
        return None
    if (
        response.status_code not in KEPT_STATUSES
        or response.streaming
        or response.has_header("Vary")
        or response.has_header("Cache-Control")
    ):
        return None
    # One piece, as it is sent again and again: a feed is written by Django's syndication
    # framework in a piece per XML element, each of which a WSGI server sends in a system
    # call of its own (a thousand for a feed of 30 articles).
    response.content = response.content
    if response.status_code == 200:
        set_response_etag(response)
        response.last_modified = _first_served(address, response.get("ETag"))
        response["Last-Modified"] = http_date(response.last_modified)
    response.page_keys = tuple(dict.fromkeys([*keys, *getattr(request, "page_keys", ())]))
    response.page_keys = response.page_keys or (LISTINGS,)
    response.next_publication = upcoming
    return response


def _first_served(address, etag):
    """When this address first served the content tagged `etag`: its Last-Modified. Each
    new content is dated at least a second after the one before, so that If-Modified-Since
    (whole seconds) tells them apart."""
    key = f"pages:first-served:{address}"
    known = cache.get(key)
    if known is not None and known[0] == etag:
        return known[1]
    since = int(time.time())
    if known is not None:
        since = max(since, known[1] + 1)
    cache.set(key, (etag, since), FIRST_SERVED_SECONDS)
    return since


def answer(request, page):
    """The kept page as this request's answer: told who may keep it for how long from now,
    and 304 if the request holds it already."""
    left = _seconds_until(page.next_publication)

    def capped(seconds):
        return seconds if left is None else min(seconds, left)

    max_age, shared_max_age = capped(settings.PAGE_MAX_AGE), capped(settings.PAGE_SHARED_MAX_AGE)
    stale = settings.PAGE_STALE_WHILE_REVALIDATE
    if left is not None:  # a stale page served while fetching anew is still a page kept
        stale = max(0, min(stale, left - max(max_age, shared_max_age)))
    page["Cache-Control"] = _cache_control(
        max_age, shared_max_age, stale, settings.PAGE_STALE_IF_ERROR
    )
    page["Surrogate-Key"] = " ".join(page.page_keys)
    page["Cache-Tag"] = ",".join(page.page_keys)
    if page.status_code != 200 or not CONDITIONAL_HEADERS.intersection(request.META):
        return page
    return get_conditional_response(
        request, etag=page.get("ETag"), last_modified=page.last_modified, response=page
    )


# What get_conditional_response() reads: without any, the answer is the page (and telling
# so costs less than its parsing of four absent headers, on every kept page's answer).
CONDITIONAL_HEADERS = frozenset(
    {"HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE"}
)


@functools.lru_cache(maxsize=256)
def _cache_control(max_age, shared_max_age, stale, stale_if_error):
    """The Cache-Control header of a kept page, as Django's patch_cache_control() writes
    it; the same few values come back on every answer, so each is written once."""
    response = HttpResponse()
    patch_cache_control(
        response,
        public=True,
        max_age=max_age,
        s_maxage=shared_max_age,
        stale_while_revalidate=stale,
        stale_if_error=stale_if_error,
    )
    return response["Cache-Control"]


# Purging a CDN ----------------------------------------------------------------------------


def purge_cdn(sender, article_ids, **kwargs):
    """article_changed: tell CDN_PURGE_URL, in the background, which pages to drop."""
    if settings.CDN_PURGE_URL:
        keys = [LISTINGS, *(f"article-{pk}" for pk in article_ids)]
        run_soon(purge, keys)


def purge(keys):
    """POST the keys to CDN_PURGE_URL, PURGE_BATCH at a time: as JSON `{"tags": [...]}`
    (Cloudflare's purge by Cache-Tag) and as a `Surrogate-Key` header (Fastly's), with
    `Authorization: Bearer CDN_PURGE_TOKEN` if set."""
    for start in range(0, len(keys), PURGE_BATCH):
        batch = keys[start : start + PURGE_BATCH]
        request = urllib.request.Request(  # noqa: S310 - the operator's http(s) URL, see settings
            settings.CDN_PURGE_URL,
            data=json.dumps({"tags": batch}).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Surrogate-Key": " ".join(batch)},
        )
        if settings.CDN_PURGE_TOKEN:
            request.add_header("Authorization", f"Bearer {settings.CDN_PURGE_TOKEN}")
        try:
            with urllib.request.urlopen(request, timeout=PURGE_TIMEOUT_SECONDS) as answer:  # noqa: S310
                answer.read()
        except OSError as error:  # refused, timed out, or an HTTP error status
            logger.error("CDN purge of %s failed: %s", " ".join(batch), error)
