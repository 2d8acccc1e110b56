from django.db import models
from django.db.models import Q

from ..changes import announce_shown
from .fields import WebURLField, reject_control_characters


class License(models.Model):
    name = models.CharField(
        max_length=200,
        help_text='For example "CC BY 4.0".',
        validators=[reject_control_characters],
    )
    url = WebURLField("URL", max_length=500, blank=True, help_text="The licence's deed.")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name", "url"], name="unique_license")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if not adding:
            announce_shown(self, using=self._state.db)


class ImageCreditQuerySet(models.QuerySet):
    def matching_name(self, name: str) -> "ImageCredit | None":
        """The credit a name read from a photo stands for: the same name whatever its case
        and spacing, the one with a licence first (then with an author URL, then the
        oldest); None when there is none."""
        words = name.split()
        if not words:
            return None
        key = " ".join(words).casefold()
        # Narrowed in the database by the longest word, compared exactly here: neither
        # database folds case beyond ASCII and spaces alike.
        candidates = self.filter(author__icontains=max(words, key=len)).select_related("license")
        matches = [
            credit for credit in candidates if " ".join(credit.author.split()).casefold() == key
        ]
        return min(
            matches,
            key=lambda credit: (credit.license_id is None, not credit.author_url, credit.pk),
            default=None,
        )

    def for_embedded_name(self, name: str) -> "ImageCredit":
        """The matching credit, or else a new bare one (no URL, no licence) for `name`."""
        name = " ".join(name.split())
        return (
            self.matching_name(name)
            or self.get_or_create(author=name, author_url="", license=None)[0]
        )


class ImageCredit(models.Model):
    author = models.CharField(max_length=200, validators=[reject_control_characters])
    author_url = WebURLField("author URL", max_length=500, blank=True)
    license = models.ForeignKey(
        License,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credits",
        help_text="Leave empty when the licence is unknown or all rights are reserved.",
    )

    objects = ImageCreditQuerySet.as_manager()

    class Meta:
        ordering = ["author"]
        constraints = [
            # Two constraints because NULLs never collide in a plain unique constraint.
            models.UniqueConstraint(
                fields=["author", "author_url", "license"],
                condition=Q(license__isnull=False),
                name="unique_credit_with_license",
            ),
            models.UniqueConstraint(
                fields=["author", "author_url"],
                condition=Q(license__isnull=True),
                name="unique_credit_without_license",
            ),
        ]

    def __str__(self):
        return f"{self.author} ({self.license})" if self.license_id else self.author

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if not adding:
            announce_shown(self, using=self._state.db)
