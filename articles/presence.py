"""Who has an article's form open: each open form says so every PRESENCE_SECONDS
(static/admin/articles/presence.js), and hears who else does.

Kept in Django's cache, not the database: it is forgotten within PRESENCE_TTL of the last
word from a form (a closed tab says so at once; a crashed browser cannot), and in
production the cache is Redis, shared by every app server. Each editor's presence is a
key of its own, written by that editor alone; the article's list of who may be present is
a second key, rewritten only when someone arrives or is found gone. Two editors arriving
in the same instant may each write that list without the other: whoever was left out
writes themselves back at their next word, PRESENCE_SECONDS later.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone

# How often an open form says it is open (handed to the script by the page).
PRESENCE_SECONDS = 15
# How long after its last word an editor counts as present: several words, since a
# browser runs a hidden tab's timers about once a minute only.
PRESENCE_TTL = 75
# The article's list outlives any one editor's presence: it holds ids only.
_LIST_TTL = 24 * 3600


@dataclass(frozen=True)
class Presence:
    user_id: int
    name: str
    since: datetime


def _list_key(article_id):
    return f"presence:{article_id}"


def _key(article_id, user_id):
    return f"presence:{article_id}:{user_id}"


def _current(entry, now):
    return entry is not None and now.timestamp() - entry["seen"] <= PRESENCE_TTL


def is_open(article_id, user, *, now=None) -> list[Presence]:
    """Record that `user` has the article's form open; who else has, earliest first."""
    now = now or timezone.now()
    mine, listed = _key(article_id, user.pk), _list_key(article_id)
    known = cache.get_many([mine, listed])
    entry = known.get(mine)
    since = entry["since"] if _current(entry, now) else now.timestamp()
    name = user.get_full_name() or user.get_username()
    cache.set(mine, {"name": name, "since": since, "seen": now.timestamp()}, PRESENCE_TTL)
    ids = set(known.get(listed) or ())
    others = {_key(article_id, pk): pk for pk in ids - {user.pk}}
    entries = cache.get_many(list(others))
    present = [
        Presence(user_id=pk, name=entries[key]["name"], since=_when(entries[key]["since"]))
        for key, pk in others.items()
        if _current(entries.get(key), now)
    ]
    still = {user.pk, *(presence.user_id for presence in present)}
    if still != ids:
        cache.set(listed, sorted(still), _LIST_TTL)
    return sorted(present, key=lambda presence: (presence.since, presence.name))


def has_left(article_id, user):
    """Forget that `user` has the article's form open (the list forgets them lazily)."""
    cache.delete(_key(article_id, user.pk))


def _when(timestamp):
    return datetime.fromtimestamp(timestamp, tz=timezone.get_current_timezone())
