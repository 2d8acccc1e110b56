"""Reviewer links: signed addresses that show an unpublished article to someone without
an account. Each link is a row of its own, so that it can be revoked alone, expires on
its own date, and once dead (revoked, expired, or its article withdrawn) stays dead."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import models
from django.urls import reverse
from django.utils import timezone


class PreviewLinkQuerySet(models.QuerySet):
    def live(self):
        """Links that still open their article (unless it was withdrawn since)."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())

    def create_for(self, article, user):
        """A new link to `article`, valid for PREVIEW_LINK_MAX_AGE seconds."""
        now = timezone.now()
        return self.create(
            article=article,
            created_by=user,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.PREVIEW_LINK_MAX_AGE),
        )

    def revoke(self):
        return self.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())

    def from_signed(self, signed: str):
        """The link a signed token names, with its article; None if forged or unknown."""
        try:
            token = signing.Signer(salt=PreviewLink.SALT).unsign(signed)
        except signing.BadSignature:
            return None
        return self.select_related("article").filter(token=token).first()


def new_token():
    return secrets.token_urlsafe(24)


class PreviewLink(models.Model):
    # The random token is what identifies a link; the signature lets forged addresses
    # be refused without a query.
    SALT = "articles.preview-link"

    article = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="preview_links")
    token = models.CharField(max_length=64, default=new_token, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["token"], name="unique_preview_token")]

    def __str__(self):
        return f"Reviewer link to “{self.article}”, expires {self.expires_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        signed = signing.Signer(salt=self.SALT).sign(self.token)
        return reverse("articles:preview", kwargs={"token": signed})

    @property
    def is_live(self):
        return self.revoked_at is None and self.expires_at > timezone.now()

    def revoke(self):
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
