"""Revisions: what an article held after each committed change, who made it, and how.

The one write path (models/writing.py) records them inside the write's transaction, so a
write rolled back (or a dry run) leaves none: one revision per article per piece of work
(see articles/acting.py), none when nothing a revision holds changed. A restore writes
the old content again, as a new revision; history is never rewritten.

What a revision holds is declared once, in SNAPSHOT_FIELDS (and the tags' names, in their
order, and the authors credited, in order with their roles): a new field readers or
editors care about is one more name there. Authors are held by id, like the lead figure:
an author's own edits (a new name) are the author's, not a change of the article.
"""

import hashlib
import json
from datetime import UTC, datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Max, Q, Window
from django.db.models.fields.json import KT
from django.db.models.functions import RowNumber
from django.utils import timezone

from ..acting import current_actor
from ..changes import Change

SNAPSHOT_FIELDS = (
    "headline",
    "title",
    "byline",
    "lede",
    "description",
    "social_title",
    "social_description",
    "body",
    "lead_figure",
    "section",
    "status",
    "published_at",
    "slug",
)
# Fields a snapshot holds only when they are set (their empty value is given here): added
# after revisions began, so a snapshot from before them and one of an article leaving them
# empty are the same, and no article records a revision for their arrival.
HELD_WHEN_SET = {"canonical_url": ""}
TAGS = "tags"
AUTHORS = "authors"  # [{"author": id, "role": role}…], in order
# What a restore leaves as it is: publishing has its own workflow (publish(), withdraw()),
# and an address its own history (FormerSlug).
NOT_RESTORED = {"status", "published_at", "slug"}

RESTORED = "restored"
# A deleted article has no revisions left; a figure's own edits are not the article's.
_NOT_REVISIONS = {Change.DELETED, Change.FIGURE_CHANGED}
KIND_CHOICES = [
    *((kind.value, kind.value.capitalize()) for kind in Change if kind not in _NOT_REVISIONS),
    (RESTORED, "Restored"),
]
# When one piece of work changes an article several ways, its revision names the first.
_KINDS_IN_ORDER = [kind.value for kind in Change]
_KINDS_IN_ORDER.insert(_KINDS_IN_ORDER.index(Change.EDITED), RESTORED)
_RANK = {kind: rank for rank, kind in enumerate(_KINDS_IN_ORDER)}


def snapshot_of(article, tag_names, authors=None) -> dict:
    """What a revision of `article` holds, in JSON's own types; `authors` are (author id,
    role) pairs in order (None: unknown, left out)."""
    snapshot = {
        name: _json_value(article._meta.get_field(name).value_from_object(article))
        for name in SNAPSHOT_FIELDS
    }
    for name, empty in HELD_WHEN_SET.items():
        # getattr: migrations' historical articles may not have the field yet.
        value = _json_value(getattr(article, name, empty))
        if value != empty:
            snapshot[name] = value
    snapshot[TAGS] = list(tag_names)
    if authors is not None:
        snapshot[AUTHORS] = [{"author": pk, "role": str(role)} for pk, role in authors]
    return snapshot


def _json_value(value):
    # One spelling per instant, whatever time zone the value came in.
    return value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value


def digest_of(snapshot) -> str:
    text = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class RevisionQuerySet(models.QuerySet):
    def for_history(self):
        """Rows of a list: who, when and how, without the snapshots."""
        return self.select_related("user").defer("snapshot")

    def newest_ids(self):
        """The id of each article's newest revision, for a subquery."""
        return self.order_by().values("article").annotate(newest=Max("pk")).values("newest")

    def protected(self):
        """What the retention policy never drops: each article's newest revision (what it
        holds now) and every revision readers saw. A revision a correction refers to
        belongs here too: the corrections' relation adds itself to this condition."""
        revisions = type(self)(self.model, using=self.db)
        newest = revisions.filter(article__in=self.values("article")).newest_ids()
        return self.filter(Q(was_public=True) | Q(pk__in=newest))

    def beyond_newest(self, keep: int):
        """The ids of each article's revisions older than its newest `keep`."""
        ranked = self.annotate(
            newer=Window(RowNumber(), partition_by=F("article"), order_by=F("pk").desc())
        )
        return ranked.filter(newer__gt=keep).values_list("pk", flat=True)

    def prune(self, keep: int, *, dry_run=False, chunk=1000) -> int:
        """Delete the revisions beyond each article's newest `keep` that are not
        protected(); how many (would be) deleted."""
        old = list(self.beyond_newest(keep))
        deleted = 0
        for start in range(0, len(old), chunk):
            some = self.filter(pk__in=old[start : start + chunk])
            doomed = some.exclude(pk__in=some.protected().values("pk"))
            deleted += doomed.count() if dry_run else doomed.delete()[0]
        return deleted


class Revision(models.Model):
    article = models.ForeignKey(
        "Article",
        # Deleted with the article by the write path's deleting(): the admin's deletion
        # page would list each revision and ask for a permission no one has.
        on_delete=models.DO_NOTHING,
        related_name="revisions",
        db_index=False,
    )
    snapshot = models.JSONField(help_text="What the article held (SNAPSHOT_FIELDS and tags).")
    digest = models.CharField(max_length=64, help_text="SHA-256 of the snapshot.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    origin = models.CharField(
        max_length=500,
        blank=True,
        help_text="What made it, when no user did or to say more: “import of <file>”, "
        "“restore of revision <n>”.",
    )
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    was_public = models.BooleanField(
        "was public", default=False, help_text="Readers saw the article holding this."
    )
    created_at = models.DateTimeField("when", default=timezone.now)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["article", "id"], name="revision_article_idx")]

    def __str__(self):
        return f"Revision {self.pk}"

    @property
    def who(self) -> str:
        user = self.user.get_username() if self.user_id and self.user else ""
        if user and self.origin:
            return f"{user} ({self.origin})"
        return user or self.origin or "unknown"


def record_revisions(writes, kinds: dict, *, using):
    """Record a revision of each article `kinds` names (article id → Change) as the
    writes left it, unless nothing a revision holds changed; an article written again by
    the same piece of work updates that work's revision. A few statements per batch."""
    now = timezone.now()
    by_pk = {write.article.pk: write for write in writes}
    tag_names = _tag_names([by_pk[pk] for pk in kinds], kinds, using)
    authors = _authors([by_pk[pk] for pk in kinds], kinds, using)
    fresh = [pk for pk, kind in kinds.items() if kind != Change.CREATED]
    newest = {}
    if fresh:
        revisions = Revision.objects.using(using)
        newest = {
            row["article_id"]: row
            for row in revisions.filter(pk__in=revisions.filter(article_id__in=fresh).newest_ids())
            .order_by()
            .values(
                "pk",
                "article_id",
                "digest",
                "kind",
                "was_public",
                status=KT("snapshot__status"),
                published_at=KT("snapshot__published_at"),
            )
        }
    new, went_public = [], []
    for pk, kind in kinds.items():
        write = by_pk[pk]
        article, actor = write.article, write.by or current_actor()
        snapshot = snapshot_of(article, tag_names[pk], authors[pk])
        digest = digest_of(snapshot)
        previous = newest.get(pk)
        if previous and previous["digest"] == digest:
            continue
        if previous and actor.recorded.get((using, pk)) == previous["pk"]:
            if _RANK[previous["kind"]] < _RANK[actor.kind or kind]:
                kind = previous["kind"]
            Revision.objects.using(using).filter(pk=previous["pk"]).update(
                snapshot=snapshot,
                digest=digest,
                kind=actor.kind or kind,
                was_public=previous["was_public"] or article.is_public,
            )
            continue
        if previous and not previous["was_public"] and _went_public(previous, now):
            went_public.append(previous["pk"])
        new.append(
            Revision(
                article_id=pk,
                snapshot=snapshot,
                digest=digest,
                user_id=actor.user_id,
                origin=actor.origin[:500],
                kind=actor.kind or kind,
                was_public=article.is_public,
                created_at=now,
            )
        )
        new[-1].actor = actor
    Revision.objects.using(using).bulk_create(new)
    for revision in new:
        if revision.pk is not None:
            revision.actor.recorded[(using, revision.article_id)] = revision.pk
    if went_public:
        Revision.objects.using(using).filter(pk__in=went_public).update(was_public=True)


def _went_public(row, now) -> bool:
    """Whether a scheduled revision's time came while it was the newest."""
    return (
        row["status"] == "published"
        and bool(row["published_at"])
        and datetime.fromisoformat(row["published_at"]) <= now
    )


def _tag_names(writes, kinds, using) -> dict[int, list[str]]:
    """Each written article's tag names in order: as the write gave them, as prefetched,
    else read (one query for all)."""
    names, unknown = {}, []
    for write in writes:
        article = write.article
        if write.tags is not None:
            names[article.pk] = list(dict.fromkeys(tag.name for tag in write.tags))
        elif "tags" in getattr(article, "_prefetched_objects_cache", {}):
            names[article.pk] = [tag.name for tag in article.tags.all()]
        elif kinds[article.pk] == Change.CREATED:
            names[article.pk] = []
        else:
            unknown.append(article.pk)
    if unknown:
        through = type(writes[0].article).tags.through
        rows = (
            through.objects.using(using)
            .filter(content_object_id__in=unknown)
            .order_by("position", "pk")
            .values_list("content_object_id", "tag__name")
        )
        for pk in unknown:
            names[pk] = []
        for pk, name in rows:
            names[pk].append(name)
    return names


def _authors(writes, kinds, using) -> dict[int, list[tuple[int, str]]]:
    """Each written article's (author id, role) pairs in order: as the write gave them
    (a repeated author at its first place, as the write path keeps them), as prefetched,
    else read (one query for all)."""
    found, unknown = {}, []
    for write in writes:
        article = write.article
        if write.authors is not None:
            pairs = {}
            for author in write.authors:
                if not isinstance(author, tuple):
                    author = (author, type(author).bylines.rel.related_model.Role.AUTHOR)
                author, role = author
                pairs.setdefault(author.pk, role)
            found[article.pk] = list(pairs.items())
        elif "bylines" in getattr(article, "_prefetched_objects_cache", {}):
            found[article.pk] = [(line.author_id, line.role) for line in article.bylines.all()]
        elif kinds[article.pk] == Change.CREATED:
            found[article.pk] = []
        else:
            unknown.append(article.pk)
    if unknown:
        bylines = type(writes[0].article).bylines.rel.related_model
        rows = (
            bylines.objects.using(using)
            .filter(article_id__in=unknown)
            .order_by("position", "pk")
            .values_list("article_id", "author_id", "role")
        )
        for pk in unknown:
            found[pk] = []
        for pk, author_id, role in rows:
            found[pk].append((author_id, role))
    return found
