"""Which articles changed, and how: told once each write is committed.

Whatever must see every change to what readers see (cache invalidation, search indexes,
revisions, webhooks) listens to `article_changed`:

    @receiver(article_changed)
    def forget_cached_pages(sender, article_ids, kind, **kwargs): ...

It is sent after the transaction commits, never for a write that rolled back (nor for a
dry run): once per kind of change, with the ids of every article changed that way by
one piece of work (a form save, an admin action over many articles, an import batch).
An article changed several ways at once is listed once, under the first kind in
`Change` that applies: a new article given tags is "created", an edit that also publishes
is "published".

Writes announce themselves: the one write path of articles (articles/models/writing.py)
and the saves of figures, credits, licences, tags, sections and authors call announce();
announced_together() gathers what a larger piece of work writes into one announcement.
This module is a leaf: it knows the Article model only through the app registry.
"""

import enum
import logging
from collections import defaultdict
from contextlib import contextmanager
from functools import partial

from asgiref.local import Local
from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

# Sent with sender=Article, article_ids (a sorted tuple), kind (a Change) and using.
article_changed = Signal()
# Sent at once by announce(), inside the write's transaction, with the same arguments: for
# what must change with the write itself, or not at all (the stored fragments of pages).
article_changing = Signal()


class Change(enum.StrEnum):
    """How articles changed. Earlier kinds win when one article changed several ways."""

    DELETED = "deleted"
    CREATED = "created"
    PUBLISHED = "published"  # scheduled, too: the time may be to come
    WITHDRAWN = "withdrawn"
    RETURNED_TO_DRAFT = "returned to draft"
    EDITED = "edited"  # the article's own fields, which include its choice of lead figure
    TAGS_CHANGED = "tags changed"  # which tags it carries, or a tag's name or slug
    AUTHORS_CHANGED = "authors changed"  # which authors it credits, or what it shows of one
    FIGURE_CHANGED = "figure changed"  # its lead figure, the figure's credit or licence
    SECTION_CHANGED = "section changed"  # its section's (or an ancestor's) name, slug, place


_RANK = {kind: rank for rank, kind in enumerate(Change)}
_open = Local()  # the announcement being gathered, by database alias


class _Announcement:
    def __init__(self, using):
        self.using = using
        self.committed: list[tuple[Change, tuple[int, ...]]] = []

    def add(self, kind, article_ids):
        self.committed.append((kind, article_ids))

    def send(self):
        kinds = {}
        for kind, article_ids in self.committed:
            for pk in article_ids:
                if pk not in kinds or _RANK[kind] < _RANK[kinds[pk]]:
                    kinds[pk] = kind
        by_kind = defaultdict(list)
        for pk, kind in kinds.items():
            by_kind[kind].append(pk)
        article = apps.get_model("articles", "Article")
        for kind in Change:
            if by_kind[kind]:
                # The write is committed whatever a listener does: one that fails is
                # logged and the others still hear of it.
                results = article_changed.send_robust(
                    sender=article,
                    article_ids=tuple(sorted(by_kind[kind])),
                    kind=kind,
                    using=self.using,
                )
                for receiver, result in results:
                    if isinstance(result, Exception):
                        logger.error(
                            "article_changed receiver %r failed", receiver, exc_info=result
                        )


@contextmanager
def announced_together(using=None):
    """Announce what is written inside as one: the changes, as each is committed, are
    sent together once the work is over (or, in a transaction, once it commits).

    Nested uses join the outermost. Opens no transaction: each announcement is tied to
    the transaction (or savepoint) of its write, so a write rolled back is never told.
    """
    using = using or DEFAULT_DB_ALIAS
    gathering = getattr(_open, using, None)
    if gathering is not None:
        yield gathering
        return
    announcement = _Announcement(using)
    setattr(_open, using, announcement)
    try:
        yield announcement
    finally:
        delattr(_open, using)
        # After every write's own hook: in a transaction, hooks run in the order given.
        transaction.on_commit(announcement.send, using=using)


def announce(kind: Change, article_ids, *, using=None):
    """Tell listeners that these articles changed this way, once the write that changed
    them is committed. `article_ids` may be a queryset of ids: it is read now."""
    article_ids = tuple(article_ids)
    if not article_ids:
        return
    article_changing.send(
        sender=apps.get_model("articles", "Article"),
        article_ids=tuple(sorted(set(article_ids))),
        kind=kind,
        using=using or DEFAULT_DB_ALIAS,
    )
    with announced_together(using) as announcement:
        transaction.on_commit(partial(announcement.add, kind, article_ids), using=using)


def announce_shown(*objects, kind=Change.FIGURE_CHANGED, using=None):
    """Announce the articles that show these objects (see ArticleQuerySet.showing)."""
    articles = apps.get_model("articles", "Article").objects.using(using)
    announce(kind, articles.showing(*objects).values_list("pk", flat=True), using=using)
