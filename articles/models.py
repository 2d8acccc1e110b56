import os
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import connections, models, transaction
from django.db.models import Case, F, Q, When
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from . import images
from .rendering import render_markdown

validate_web_url = URLValidator(schemes=["http", "https"])

TITLE_MAX = 60
DESCRIPTION_MIN, DESCRIPTION_MAX = 120, 160
SOCIAL_TITLE_MAX = 70
HEADLINE_MAX = 110
LEAD_IMAGE_MIN_WIDTH = 1200
SEARCH_CONFIG = "english"


class WebURLField(models.URLField):
    """A URL that may only be http or https (no javascript:, data:, ftp:)."""

    default_validators = [validate_web_url]

    def formfield(self, **kwargs):
        from django import forms

        kwargs.setdefault("validators", [validate_web_url])
        kwargs.setdefault("form_class", forms.URLField)
        kwargs.setdefault("assume_scheme", "https")
        return super().formfield(**kwargs)


class License(models.Model):
    name = models.CharField(max_length=200, help_text='For example "CC BY 4.0".')
    url = WebURLField("URL", max_length=500, blank=True, help_text="The licence's deed.")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name", "url"], name="unique_license")]

    def __str__(self):
        return self.name


class ImageCredit(models.Model):
    author = models.CharField(max_length=200)
    author_url = WebURLField("author URL", max_length=500, blank=True)
    license = models.ForeignKey(
        License,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credits",
        help_text="Leave empty when the licence is unknown or all rights are reserved.",
    )

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

    def is_past_draft(self):
        """Whether a figure of an article past draft carries this credit."""
        past_draft = Article.objects.exclude(status=Article.Status.DRAFT)
        return past_draft.filter(lead_figure__credit=self).exists()


def figure_upload_to(figure, filename):
    return f"figures/{timezone.now():%Y/%m}/{os.path.basename(filename)}"


@dataclass
class RenditionReport:
    """What regenerating renditions did; failures are (figure id, reason) pairs."""

    figures: int = 0
    renditions: int = 0
    skipped_without_file: int = 0
    failures: list[tuple[int, str]] = field(default_factory=list)


class FigureQuerySet(models.QuerySet):
    def regenerate_renditions(
        self, *, figure_ids: list[int] | None = None, missing_only: bool = False
    ) -> RenditionReport:
        """Remake the renditions of these figures (only `figure_ids`, when given; only
        those that have none, with `missing_only`). A missing or unreadable file is
        reported in the outcome, never raised, and leaves that figure's renditions as
        they were."""
        figures = self if figure_ids is None else self.filter(pk__in=figure_ids)
        report = RenditionReport()
        if figure_ids is not None:
            known = set(figures.values_list("pk", flat=True))
            report.failures += [(pk, "no such figure") for pk in set(figure_ids) - known]
        if missing_only:
            figures = figures.filter(renditions__isnull=True)
        # Ids first: the loop writes renditions, which a cursor still reading would see.
        files = dict(figures.order_by("pk").values_list("pk", "image"))
        pks = [pk for pk, name in files.items() if name]
        report.skipped_without_file = len(files) - len(pks)
        for start in range(0, len(pks), 200):
            for figure in self.model.objects.filter(pk__in=pks[start : start + 200]):
                try:
                    report.renditions += len(figure.make_renditions())
                except FileNotFoundError:
                    reason = f"its file {figure.image.name} is missing from storage"
                    report.failures.append((figure.pk, reason))
                except (images.InvalidImage, OSError) as error:
                    reason = f"its file {figure.image.name} cannot be used: {error}"
                    report.failures.append((figure.pk, reason))
                else:
                    report.figures += 1
        report.failures.sort()
        return report


class Figure(models.Model):
    image = models.ImageField(
        upload_to=figure_upload_to,
        width_field="width",
        height_field="height",
        blank=True,
        max_length=300,
        help_text="JPEG, PNG, WebP or GIF. Location and camera data are removed on upload.",
    )
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    alt_text = models.CharField(
        max_length=500,
        blank=True,
        help_text="Describes the image for readers who cannot see it. Not the caption.",
    )
    caption = models.TextField(blank=True)
    credit = models.ForeignKey(
        ImageCredit, on_delete=models.PROTECT, null=True, blank=True, related_name="figures"
    )
    original_url = WebURLField(
        "original URL", max_length=2000, blank=True, help_text="Where the image came from."
    )
    original_path = models.CharField(
        max_length=500, blank=True, help_text="Its path on the old site, when imported."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FigureQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.alt_text or self.caption[:80] or os.path.basename(self.image.name) or "Figure"

    def save(self, *args, **kwargs):
        new_file = bool(self.image) and not self.image._committed
        adding = self._state.adding
        if new_file:
            self.prepare_uploaded_image()
        super().save(*args, **kwargs)
        if new_file or (not self.image and not adding):
            self.make_renditions()

    def clean(self):
        if self.image and not self.image._committed:
            try:
                images.inspect_image(self.image.file)
            except images.InvalidImage as error:
                raise ValidationError({"image": str(error)}) from None

    def prepare_uploaded_image(self):
        """Validate a new file, offer its embedded credit and strip private metadata."""
        data = images.read_image_file(self.image.file)
        info = images.inspect_image(data)
        if self.credit_id is None and info.credit_name:
            self.credit = ImageCredit.objects.get_or_create(
                author=info.credit_name, author_url="", license=None
            )[0]
        # Plain ASCII, never empty and never a dot file ("😀.jpg" would become ".jpg",
        # which web servers refuse to serve), whatever the uploader's file was called.
        stem = os.path.splitext(os.path.basename(self.image.name))[0]
        name = slugify(stem)[:100] or "image"
        self.image = ContentFile(
            images.strip_private_metadata(data), name=f"{name}.{info.extension}"
        )

    @property
    def has_file(self):
        return bool(self.image)

    def is_past_draft(self):
        """Whether an article past draft (public, scheduled or withdrawn) shows it."""
        return self.articles.exclude(status=Article.Status.DRAFT).exists()

    def make_renditions(self):
        """Replace this figure's renditions (rows and files) with a set made from its file.

        Raises images.InvalidImage, or OSError for a missing file, before the old set is
        touched. A figure without a file ends up with no renditions.
        """
        made = []
        if self.image:
            with self.image.storage.open(self.image.name, "rb") as file:
                made = images.make_renditions(file.read())
        stem = slugify(os.path.splitext(os.path.basename(self.image.name or ""))[0])[:60]
        renditions = []
        # No savepoint (two queries fewer per save): the image is decoded already, so only
        # database or storage errors can happen here, and they should fail a caller's
        # transaction too.
        with transaction.atomic(savepoint=False):
            self.renditions.all().delete()
            for made_image in made:
                rendition = Rendition(
                    figure=self,
                    format=made_image.format,
                    width=made_image.width,
                    height=made_image.height,
                )
                # The content's hash in the name: a remade rendition gets a new URL, so no
                # cache keeps serving the old one.
                name = (
                    f"{self.pk}-{stem or 'image'}-{made_image.width}w-{made_image.checksum}"
                    f".{made_image.extension}"
                )
                rendition.file.save(name, ContentFile(made_image.data), save=False)
                renditions.append(rendition)
            Rendition.objects.bulk_create(renditions)
        getattr(self, "_prefetched_objects_cache", {}).pop("renditions", None)
        return renditions

    def renditions_by_format(self):
        """{"webp": [...], "jpeg": [...]}, narrowest first; no query when prefetched."""
        by_format = {choice: [] for choice in Rendition.Format.values}
        if self.pk and self.image:
            for rendition in sorted(self.renditions.all(), key=lambda r: r.width):
                by_format[rendition.format].append(rendition)
        return by_format

    def srcset(self, format="webp"):
        """The srcset ("url 480w, url 800w, …") of one rendition format, webp or jpeg."""
        return _srcset(self.renditions_by_format()[format])

    def social_image(self):
        """(url, width, height) for Open Graph and JSON-LD: the 1200-pixel JPEG rendition
        (or the widest there is, or the original file); (original URL, None, None) when
        there is no file; else None. URLs are site-relative."""
        if self.image:
            chosen = _social_rendition(self.renditions_by_format()[Rendition.Format.JPEG])
            if chosen:
                return chosen.file.url, chosen.width, chosen.height
            return self.image.url, self.width, self.height
        if self.original_url:
            return self.original_url, None, None
        return None

    def thumbnail(self):
        """The smallest JPEG rendition (every client decodes JPEG), or None."""
        jpegs = self.renditions_by_format()[Rendition.Format.JPEG]
        return jpegs[0] if jpegs else None

    def picture(self):
        """What templates/articles/includes/picture.html shows, or None without a file.

        Until renditions exist (not yet regenerated), the original file stands in.
        """
        if not self.image:
            return None
        by_format = self.renditions_by_format()
        fallback = _social_rendition(by_format[Rendition.Format.JPEG])
        if fallback is None:
            return {
                "src": self.image.url,
                "width": self.width,
                "height": self.height,
                "jpeg_srcset": "",
                "webp_srcset": "",
            }
        return {
            "src": fallback.file.url,
            "width": fallback.width,
            "height": fallback.height,
            "jpeg_srcset": _srcset(by_format[Rendition.Format.JPEG]),
            "webp_srcset": _srcset(by_format[Rendition.Format.WEBP]),
        }


class Rendition(models.Model):
    """A resized copy of a figure's image, made when the file is stored."""

    class Format(models.TextChoices):
        WEBP = "webp", "WebP"
        JPEG = "jpeg", "JPEG"

    figure = models.ForeignKey(Figure, on_delete=models.CASCADE, related_name="renditions")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=4, choices=Format.choices)
    file = models.FileField(upload_to="renditions/", max_length=300)

    class Meta:
        ordering = ["figure", "format", "width"]
        constraints = [
            models.UniqueConstraint(
                fields=["figure", "width", "format"], name="unique_rendition_per_size"
            )
        ]

    def __str__(self):
        return f"{self.figure_id} {self.width}w {self.format}"


@receiver(post_delete, sender=Rendition)
def delete_rendition_file(sender, instance, using, **kwargs):
    """A rendition's file goes with its row, once the deletion is committed (a rolled-back
    deletion keeps both)."""
    if instance.file:
        storage, name = instance.file.storage, instance.file.name
        transaction.on_commit(lambda: storage.delete(name), using=using)


def _srcset(renditions):
    return ", ".join(f"{rendition.file.url} {rendition.width}w" for rendition in renditions)


def _social_rendition(jpegs):
    """The rendition social networks get: 1200 pixels wide, or the widest there is."""
    exact = [rendition for rendition in jpegs if rendition.width == images.SOCIAL_WIDTH]
    return (exact or jpegs or [None])[-1]


class TaggingManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().select_related("tag")


class TaggedArticle(TaggedItemBase):
    content_object = models.ForeignKey("Article", on_delete=models.CASCADE)

    objects = models.Manager()
    # Deletion (and the admin's "are you sure?" page, which prints every tagging as
    # "<article> tagged with <tag>") reads rows through the base manager: with their
    # tags joined, that is one query however many tags the articles carry.
    with_tags = TaggingManager()

    class Meta:
        base_manager_name = "with_tags"


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """What a reader may see: the only definition of "public" on the site."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def scheduled(self):
        """Published articles whose time has not come yet."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())

    def for_listing(self):
        return self.select_related("lead_figure__credit__license").prefetch_related(
            "tags", "lead_figure__renditions"
        )

    def for_detail(self):
        return self.for_listing()

    def search(self, terms):
        """Articles matching a reader's words, best first.

        On PostgreSQL each result carries `rank` and `snippet` (body text around the
        matches, wrapped in <mark>; sanitise before display). The filter goes through the
        trigger-maintained `search_vector` so the GIN index answers it.
        """
        terms = " ".join(terms.split())
        if not terms:
            return self.none()
        if connections[self.db].vendor == "postgresql":
            query = SearchQuery(terms, config=SEARCH_CONFIG, search_type="websearch")
            return (
                self.filter(search_vector=query)
                .annotate(
                    rank=SearchRank(F("search_vector"), query),
                    snippet=SearchHeadline(
                        "body_html",
                        query,
                        config=SEARCH_CONFIG,
                        start_sel="<mark>",
                        stop_sel="</mark>",
                        max_words=35,
                        min_words=15,
                    ),
                )
                .order_by("-rank", "-published_at", "-pk")
            )
        # SQLite has no full-text index: every word must appear somewhere, and a match in
        # the headline or title ranks above one in the summary, above one in the body.
        matches = Q()
        for word in terms.split()[:10]:
            matches &= (
                Q(headline__icontains=word)
                | Q(title__icontains=word)
                | Q(description__icontains=word)
                | Q(lede__icontains=word)
                | Q(body__icontains=word)
            )
        return (
            self.filter(matches)
            .annotate(
                rank=Case(
                    When(Q(headline__icontains=terms) | Q(title__icontains=terms), then=3),
                    When(Q(description__icontains=terms) | Q(lede__icontains=terms), then=2),
                    default=1,
                )
            )
            .order_by("-rank", "-published_at", "-pk")
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    title = models.CharField(
        max_length=300,
        help_text=f"Shown in search results and browser tabs. Aim for {TITLE_MAX} characters.",
    )
    headline = models.CharField(
        max_length=300,
        blank=True,
        help_text=f"The headline on the page; the title when empty. At most {HEADLINE_MAX} "
        "characters for Google.",
    )
    slug = models.SlugField(max_length=255, unique=True, allow_unicode=False)
    byline = models.CharField(max_length=200, blank=True, help_text="The author, if credited.")
    description = models.CharField(
        max_length=500,
        blank=True,
        help_text=f"The meta description for search engines: {DESCRIPTION_MIN}–"
        f"{DESCRIPTION_MAX} characters.",
    )
    lede = models.TextField(blank=True, help_text="The standfirst shown under the headline.")
    social_title = models.CharField(
        max_length=300, blank=True, help_text="Open Graph and X title; the title when empty."
    )
    social_description = models.CharField(
        max_length=500,
        blank=True,
        help_text="Open Graph and X description; the description when empty.",
    )
    body = models.TextField(blank=True, help_text="Markdown.")
    body_html = models.TextField(blank=True, editable=False)
    published_at = models.DateTimeField(
        "publication time",
        null=True,
        blank=True,
        db_index=True,
        help_text="A future time schedules the article.",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    lead_figure = models.ForeignKey(
        Figure, on_delete=models.SET_NULL, null=True, blank=True, related_name="articles"
    )
    tags = TaggableManager(through=TaggedArticle, blank=True)
    source_url = WebURLField(
        "source URL",
        max_length=2000,
        blank=True,
        help_text="The article's address on the site it was imported from.",
    )
    extra_metadata = models.JSONField(
        default=dict,
        blank=True,
        help_text="Imported fields this site has no column for, kept as they were.",
    )
    import_checksum = models.CharField(max_length=64, blank=True, editable=False)
    imported_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Filled by a PostgreSQL trigger (migration 0003) with SEARCH_CONFIG; unused on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        get_latest_by = "published_at"
        permissions = [("publish_article", "Can publish, unpublish and edit published articles")]
        constraints = [
            models.UniqueConstraint(
                fields=["source_url"],
                condition=~Q(source_url=""),
                name="unique_article_source_url",
            ),
        ]
        indexes = [models.Index(fields=["status", "published_at"], name="article_public_idx")]

    def __str__(self):
        return self.display_headline

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.display_headline)[:255] or "article"
        self.body_html = render_markdown(self.body)
        if kwargs.get("update_fields") is not None and "body" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "body_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @property
    def display_headline(self):
        return self.headline or self.title

    @property
    def display_social_title(self):
        return self.social_title or self.title or self.headline

    @property
    def display_description(self):
        return self.description or self.lede

    @property
    def display_social_description(self):
        return self.social_description or self.display_description

    @property
    def is_public(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def status_label(self):
        return "Scheduled" if self.is_scheduled else self.get_status_display()

    def is_past_draft(self):
        """Published, scheduled or withdrawn: only editors may change it now."""
        return self.status != self.Status.DRAFT

    def clean(self):
        if self.status == self.Status.PUBLISHED:
            errors = self.publishing_errors()
            if errors:
                raise ValidationError(errors)

    def publishing_errors(self):
        """What must be fixed before the article can go public, by field."""
        errors = {}
        if not (self.headline or self.title):
            errors["headline"] = "A published article needs a headline or a title."
        if not self.body.strip():
            errors["body"] = "A published article needs a body."
        if self.published_at is None:
            errors["published_at"] = "A published article needs a publication time."
        if self.lead_figure_id and not self.lead_figure.alt_text.strip():
            errors["lead_figure"] = "The lead figure needs alt text before publishing."
        return errors

    def publishing_warnings(self):
        """Softer problems an editor should see before publishing."""
        warnings = []
        if len(self.title) > TITLE_MAX:
            warnings.append(
                f"The title is {len(self.title)} characters; search engines cut it after "
                f"about {TITLE_MAX}."
            )
        if not DESCRIPTION_MIN <= len(self.description) <= DESCRIPTION_MAX:
            warnings.append(
                f"The description is {len(self.description)} characters; "
                f"{DESCRIPTION_MIN}–{DESCRIPTION_MAX} works best in search results."
            )
        if len(self.social_title) > SOCIAL_TITLE_MAX:
            warnings.append(
                f"The social title is {len(self.social_title)} characters; networks cut it "
                f"after about {SOCIAL_TITLE_MAX}."
            )
        figure = self.lead_figure if self.lead_figure_id else None
        if figure and figure.width and figure.width < LEAD_IMAGE_MIN_WIDTH:
            warnings.append(
                f"The lead image is {figure.width} pixels wide; large previews need at least "
                f"{LEAD_IMAGE_MIN_WIDTH}."
            )
        if figure and figure.alt_text.strip() and figure.alt_text.strip() == figure.caption.strip():
            warnings.append(
                "The lead figure's alt text repeats its caption; describe the image instead."
            )
        return warnings

    # Signed preview links let a reviewer without an account read a draft.
    PREVIEW_SALT = "articles.preview"

    def make_preview_token(self):
        return signing.TimestampSigner(salt=self.PREVIEW_SALT).sign(str(self.pk))

    @classmethod
    def pk_from_preview_token(cls, token, max_age=None):
        """The article id a preview token was made for, or None if tampered or expired."""
        max_age = settings.PREVIEW_LINK_MAX_AGE if max_age is None else max_age
        try:
            value = signing.TimestampSigner(salt=cls.PREVIEW_SALT).unsign(token, max_age=max_age)
        except signing.BadSignature:
            return None
        return int(value) if value.isdigit() else None

    def get_preview_url(self):
        return reverse("articles:preview", kwargs={"token": self.make_preview_token()})
