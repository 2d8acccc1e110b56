"""Authors: the people an article credits, in order, each with a page of their own."""

import hashlib

from anyascii import anyascii
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.text import slugify

from ..changes import Change, announce_shown
from .addresses import slug_address
from .fields import WebURLListField, reject_control_characters
from .figure import Figure

AUTHOR_SLUG_MAX = 100
# What article pages show of an author (the byline, its link, JSON-LD and feeds): an
# edit of anything else (the bio, the linked user) leaves every article page as it was.
SHOWN_WITH_ARTICLES = ("name", "slug", "job_title", "photo_id", "links")


def author_slug(name: str) -> str:
    """The slug of an author's address, never empty: Latin letters (“Олена Шевченко” →
    “olena-shevchenko”), or a hash of the name when nothing in it spells one."""
    slug = slugify(anyascii(name))[:AUTHOR_SLUG_MAX].strip("-")
    return slug or "author-" + hashlib.sha256(name.encode()).hexdigest()[:8]


class Author(models.Model):
    name = models.CharField(max_length=200, validators=[reject_control_characters])
    slug = models.SlugField(
        max_length=AUTHOR_SLUG_MAX,
        unique=True,
        help_text="The author's address, /authors/<slug>/; changing it changes the address.",
    )
    job_title = models.CharField(
        max_length=200,
        blank=True,
        help_text="For example “Kyiv correspondent”.",
        validators=[reject_control_characters],
    )
    bio = models.TextField(
        blank=True,
        max_length=2000,
        help_text="A few sentences, shown on the author's page.",
        validators=[reject_control_characters],
    )
    photo = models.ForeignKey(
        Figure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="portrayed_authors",
        help_text="A figure, shown with its credit on the author's page.",
    )
    links = WebURLListField(
        help_text="The author's website and profiles elsewhere, one address a line: search "
        "engines read them as the same person (sameAs).",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="author_profile",
        help_text="The staff account of this author, if any: they may edit this profile, and "
        "new articles they write credit them.",
    )

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            # An empty slug makes no address: every byline linking the author would fail.
            models.CheckConstraint(condition=~Q(slug=""), name="author_slug_not_empty"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        """Save, announcing the articles crediting the author when what they show of
        them changed."""
        if not self.slug:
            self.slug = author_slug(self.name)
        shown_before = getattr(self, "_shown", None)
        super().save(*args, **kwargs)
        shown = self._shown_with_articles()
        if shown_before is not None and shown != shown_before:
            announce_shown(self, kind=Change.AUTHORS_CHANGED, using=self._state.db)
        self._shown = shown

    def get_absolute_url(self):
        return slug_address("articles:author", self.slug)

    @classmethod
    def from_db(cls, db, field_names, values):
        author = super().from_db(db, field_names, values)
        if all(name in author.__dict__ for name in SHOWN_WITH_ARTICLES):
            author._shown = author._shown_with_articles()
        return author

    def _shown_with_articles(self):
        return tuple(getattr(self, name) for name in SHOWN_WITH_ARTICLES)


class BylineManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().select_related("author")


class ArticleAuthor(models.Model):
    """An author credited by an article, in the order the editor gave (like TaggedArticle)."""

    class Role(models.TextChoices):
        AUTHOR = "author", "Author"
        REPORTING = "reporting", "Additional reporting"
        PHOTOGRAPHS = "photographs", "Photographs"

    # How the article's page introduces the authors of each role.
    CREDIT_PREFIX = {
        Role.AUTHOR: "By",
        Role.REPORTING: "Additional reporting by",
        Role.PHOTOGRAPHS: "Photographs by",
    }

    article = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="bylines")
    # An author credited by articles is not deleted: their bylines would vanish silently.
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="bylines")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AUTHOR)
    position = models.PositiveIntegerField(
        default=0, help_text="Where the author stands among the article's authors, from 0."
    )

    objects = models.Manager()
    # Deletion (and the admin's "are you sure?" page, which names every byline) reads
    # rows through the base manager: with their authors joined, one query for them all.
    with_authors = BylineManager()

    class Meta:
        base_manager_name = "with_authors"
        ordering = ["position", "pk"]
        verbose_name = "byline"
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="unique_article_author"),
        ]

    def __str__(self):
        return f"{self.author} ({self.get_role_display().lower()})"
