"""Corrections: the public notes of what a published article got wrong, and the kinds of
change an editor chooses between when changing a live article (ChangeKind)."""

from django.conf import settings
from django.db import models, router, transaction
from django.db.models import Q
from django.utils import timezone

from ..changes import Change, announce
from .fields import reject_control_characters

CORRECTION_MAX_CHARS = 1000


class ChangeKind(models.TextChoices):
    """What readers are told of a change to a live article (Article.save_change())."""

    MINOR_FIX = "minor", "Minor fix"
    UPDATE = "update", "Update"
    CORRECTION = "correction", "Correction"


class CorrectionQuerySet(models.QuerySet):
    def public(self):
        """The corrections of public articles: a withdrawn article keeps its own, unlisted."""
        articles = self.model._meta.get_field("article").related_model.objects
        return self.filter(article__in=articles.published())

    def for_listing(self):
        return self.select_related("article")

    def for_feed(self):
        """A feed's corrections, with what their article's image enclosure reads (the
        lead figure's renditions come with its row)."""
        return self.select_related("article__lead_figure__credit__license")

    def delete(self):
        """Delete, announcing the articles whose corrections box changes."""
        with transaction.atomic(using=self.db):
            articles = set(self.values_list("article_id", flat=True))
            announce(Change.EDITED, sorted(articles), using=self.db)
            return super().delete()


class Correction(models.Model):
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="corrections"
    )
    text = models.TextField(
        "correction",
        max_length=CORRECTION_MAX_CHARS,
        help_text="Shown to readers as written: what was wrong, and what is right.",
        validators=[reject_control_characters],
    )
    published_at = models.DateTimeField("published", default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="by",
    )

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="correction_has_text"),
        ]

    def __str__(self):
        return f"Correction of {self.article}"

    def save(self, *args, **kwargs):
        # What the article shows changes (its page, JSON-LD and feed item): announced once
        # the write is committed.
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            super().save(*args, **kwargs)
            announce(Change.EDITED, [self.article_id], using=using)

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#{self.anchor}"

    def delete(self, using=None, keep_parents=False):
        using = using or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            announce(Change.EDITED, [self.article_id], using=using)
            return super().delete(using=using, keep_parents=keep_parents)

    @property
    def anchor(self):
        """The id of the correction's entry on its article's page."""
        return f"correction-{self.pk}"
