"""Who is writing: the user (or, without one, the origin) each revision names.

A piece of work says once who does it, and every article it writes through the one write
path is credited to them (articles/models/writing.py reads it):

    with acting_as(request.user):                   # ActingUserMiddleware, every request
    with acting_as(origin=f"import of {path}"):     # the importer, per file
    with acting_as(origin=f"restore of revision {n}", kind="restored"):

Nested uses keep what they do not say from the outer one (a restore inside a request is
still the signed-in user's). Each use is one piece of work: an article written twice
inside it (its row, then its tags, by one admin form) is one revision.
This module is a leaf: it knows no model.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field

from asgiref.local import Local

_current = Local()


@dataclass
class Actor:
    user: object = None  # a User, possibly lazy (request.user) or anonymous
    origin: str = ""  # what did it, in words, when no user did or to say more
    kind: str = ""  # what the work is, when it names it better than each write's own kind
    # Revisions recorded by this piece of work, by (database, article id).
    recorded: dict = field(default_factory=dict)

    @property
    def user_id(self):
        user = self.user
        return user.pk if user is not None and user.is_authenticated else None


@contextmanager
def acting_as(user=None, *, origin: str = "", kind: str = ""):
    """Credit the writes made inside to `user` and/or `origin` (see the module's docstring)."""
    saved = getattr(_current, "actor", None)
    outer = saved or Actor()
    actor = Actor(
        user=user if user is not None else outer.user,
        origin=origin or outer.origin,
        kind=kind or outer.kind,
    )
    _current.actor = actor
    try:
        yield actor
    finally:
        _current.actor = saved


def current_actor() -> Actor:
    """Who is writing now; outside acting_as(), nobody (a fresh Actor each time)."""
    return getattr(_current, "actor", None) or Actor()


class ActingUserMiddleware:
    """Whatever a request writes, the user it is signed in as wrote it. (request.user is
    lazy: a request that writes no article never looks the user up for it.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with acting_as(request.user):
            return self.get_response(request)
