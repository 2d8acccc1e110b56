"""Pending changes: the draft of a change to a live article, kept beside it until an
Editor publishes it, so that readers see the published version meanwhile.

One per article, holding what the article will hold in the revisions' own format
(revision.snapshot_of(): SNAPSHOT_FIELDS and the tags' names), never a second copy of
the article's columns. Writers prepare it from the article's change form; an Editor
publishes it through Article.save_change() (the one write path, so it becomes a revision
credited to them), now or at a time: a scheduled change is published by the first public
page made after its time (articles/caching.py), with nothing to run.
"""

import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, models, router, transaction
from django.utils import timezone

from ..acting import acting_as
from .correction import ChangeKind
from .revision import snapshot_of


class PendingChangeQuerySet(models.QuerySet):
    def keep(self, article, tag_names, user):
        """Keep `article` as it stands in memory (not saved) with these tags as its
        pending change, in place of the one before (one version later): a change saved
        again is no longer scheduled, as whoever scheduled it saw another text. Returns
        the PendingChange and whether it was scheduled."""
        change = self.filter(article=article).first() or self.model(article=article)
        was_scheduled = change.publish_at is not None
        change.snapshot = snapshot_of(article, tag_names)
        # Never a number an earlier draft of the article had, even one published or
        # discarded since: a form loaded from that one must not save over this one.
        change.version = max((change.version or 0) + 1, time.time_ns() // 1000)
        change.updated_by = user
        change.updated_at = timezone.now()
        change.unschedule(save=False)
        change.save(using=self.db)
        return change, was_scheduled

    def scheduled(self):
        return self.filter(publish_at__isnull=False)

    def next_time(self):
        """When the next scheduled change is due (its time may have come), or None: one
        lookup in the publish_at index."""
        return self.scheduled().order_by("publish_at").values_list("publish_at", flat=True).first()

    def publish_due(self) -> int:
        """Publish each scheduled change whose time has come, each in its own
        transaction; how many. Safe to run at once from several requests: each change is
        claimed with its row locked (PostgreSQL skips a row another request holds; SQLite
        writes one at a time) and is gone once published. One that can no longer be
        published is unscheduled, with the reason kept for the desk."""
        using = self.db
        skip_locked = connections[using].features.has_select_for_update_skip_locked
        published = 0
        due = list(self.filter(publish_at__lte=timezone.now()).values_list("pk", flat=True))
        for pk in due:
            with transaction.atomic(using=using):
                change = (
                    self.select_for_update(skip_locked=skip_locked)
                    .filter(pk=pk, publish_at__lte=timezone.now())
                    .first()
                )
                if change is None:  # published (or discarded) by someone else meanwhile
                    continue
                try:
                    with transaction.atomic(using=using):
                        change.publish(change.kind, note=change.note, by=change.scheduled_by)
                except ValidationError as error:
                    change.unschedule(problem=" ".join(error.messages))
                    continue
                except IntegrityError:
                    # Its slug taken by another article since it was saved: readers'
                    # pages must not fail on it, again and again.
                    change.unschedule(
                        problem="Another article has taken its slug since: choose another."
                    )
                    continue
                published += 1
        return published


class PendingChange(models.Model):
    # Deleted with the article by the write path's deleting(), like its revisions.
    article = models.OneToOneField(
        "Article", on_delete=models.DO_NOTHING, related_name="pending_change"
    )
    snapshot = models.JSONField(
        help_text="What the article will hold, in the revisions' format (SNAPSHOT_FIELDS and tags)."
    )
    # The form carries it: saving over a version someone saved since is refused.
    version = models.PositiveBigIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(default=timezone.now)
    publish_at = models.DateTimeField(
        "to be published at",
        null=True,
        blank=True,
        db_index=True,
        help_text="Set when an Editor schedules it: published by the first page made after.",
    )
    kind = models.CharField(max_length=20, choices=ChangeKind.choices, blank=True)
    note = models.TextField("correction note", blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    problem = models.TextField(
        blank=True, help_text="Why it could not be published at its time, if it could not."
    )

    objects = PendingChangeQuerySet.as_manager()

    def __str__(self):
        return f"Pending change of article {self.article_id}"

    @property
    def who(self) -> str:
        return self.updated_by.get_username() if self.updated_by else "unknown"

    @property
    def tag_names(self) -> list[str]:
        return list(self.snapshot.get("tags", []))

    def applied_to(self, article, *, check=True):
        """Make `article` hold this change, in memory only (its status aside); the tags
        to save with it. Raises CannotPublish when it could not be published (unless
        `check` is false: the change form and the preview show it as it is)."""
        return article.take_content(self.snapshot, leaving={"status"}, check=check)

    def publish(self, kind, *, note="", by=None):
        """Write the change to its article, telling readers as `kind` (a ChangeKind) says
        (Article.save_change()), credited to `by`; then the change is gone. Returns the
        Correction, if any. Raises a ValidationError (CannotPublish, or the correction's
        note's), changing nothing, when it cannot be published."""
        # The model through the relation: articles import this module.
        articles = self._meta.get_field("article").related_model.objects
        using = router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            article = articles.using(using).select_for_update().get(pk=self.article_id)
            if article.status != article.Status.PUBLISHED:
                raise ValidationError(
                    {
                        "status": f"The article is {article.status_label.lower()} now: a "
                        "change to it goes out when it is saved."
                    }
                )
            tags = self.applied_to(article)
            with acting_as(by):
                correction = article.save_change(kind, note=note, by=by, tags=tags)
            self.delete(using=using)
        return correction

    def schedule(self, kind, *, note="", at, by):
        """Publish it at `at` (see PendingChangeQuerySet.publish_due()), as `kind`."""
        self.kind, self.note, self.publish_at, self.scheduled_by = kind, note, at, by
        self.problem = ""
        self.save()

    def unschedule(self, *, problem="", save=True):
        self.kind, self.note, self.publish_at, self.scheduled_by = "", "", None, None
        self.problem = problem
        if save:
            self.save()
