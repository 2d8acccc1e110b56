import logging
import os
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.text import slugify

from .. import background, images
from ..changes import announce_shown, announced_together
from ..media import atomic_with_files
from .credit import ImageCredit
from .fields import WebURLField, reject_control_characters

logger = logging.getLogger(__name__)


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
        # New renditions are new image addresses on the pages of the articles showing them.
        with announced_together(self.db):
            for start in range(0, len(pks), 200):
                remade = []
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
                        remade.append(figure)
                announce_shown(*remade, using=self.db)
        report.failures.sort()
        return report

    def delete(self):
        """Delete, announcing the articles that lose their lead figure."""
        with announced_together(self.db), transaction.atomic(using=self.db, savepoint=False):
            announce_shown(*self.only("pk"), using=self.db)
            return super().delete()


class Figure(models.Model):
    class RenditionsStatus(models.TextChoices):
        READY = "ready", "Ready"
        PENDING = "pending", "Renditions pending"
        FAILED = "failed", "Renditions failed"

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
        validators=[reject_control_characters],
    )
    caption = models.TextField(blank=True, validators=[reject_control_characters])
    credit = models.ForeignKey(
        ImageCredit, on_delete=models.PROTECT, null=True, blank=True, related_name="figures"
    )
    original_url = WebURLField(
        "original URL", max_length=2000, blank=True, help_text="Where the image came from."
    )
    original_path = models.CharField(
        max_length=500, blank=True, help_text="Its path on the old site, when imported."
    )
    # Renditions of an upload in the admin are made after the response (background.py):
    # until then pages show the original file, and the admin says they are pending.
    renditions_status = models.CharField(
        max_length=7,
        choices=RenditionsStatus.choices,
        default=RenditionsStatus.READY,
        editable=False,
    )
    # A copy of the renditions' rows, [[format, width, height, file name]…] narrowest
    # first, written with them (store_renditions()) and emptied with them: pages show a
    # figure's picture and social image from its own row, without reading its renditions
    # (a query and a dozen model instances per figure on every listing and feed).
    shown_renditions = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FigureQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.alt_text or self.caption[:80] or os.path.basename(self.image.name) or "Figure"

    def save(self, *args, renditions_later=False, **kwargs):
        """Save, checking a new file and making its renditions; with `renditions_later`
        (an editor's upload) they are made in the background once the save commits, and
        the old file's renditions are dropped at once, so pages show the original file
        until then."""
        new_file = bool(self.image) and not self.image._committed
        adding = self._state.adding
        later = renditions_later and new_file
        # A new file, its row and its renditions stand or fall together: a failure leaves
        # neither a row naming a missing file nor a file no row names.
        with atomic_with_files(savepoint=False) if new_file else nullcontext():
            if new_file:
                self.prepare_uploaded_image()
            if later:
                self.renditions_status = self.RenditionsStatus.PENDING
                self.shown_renditions = []  # the old file's are deleted below
            super().save(*args, **kwargs)
            if later:
                if not adding:
                    self.renditions.all().delete()
                background.run_after_commit(
                    make_renditions_in_background, self.pk, self.image.name, using=self._state.db
                )
            elif new_file or (not self.image and not adding):
                self.make_renditions()
            if not adding:
                announce_shown(self, using=self._state.db)

    def delete(self, using=None, keep_parents=False):
        """Delete, announcing the articles that lose their lead figure."""
        using = using or self._state.db
        with announced_together(using), transaction.atomic(using=using, savepoint=False):
            announce_shown(self, using=using)
            return super().delete(using=using, keep_parents=keep_parents)

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
            self.credit = ImageCredit.objects.for_embedded_name(info.credit_name)
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

    def make_renditions(self):
        """Replace this figure's renditions (rows and files) with a set made from its file.

        Raises images.InvalidImage, or OSError for a missing file, before the old set is
        touched. A figure without a file ends up with no renditions.
        """
        return self.store_renditions(self.decode_renditions())

    def decode_renditions(self) -> list[images.RenditionImage]:
        """The renditions of the figure's file, made in memory: the slow part."""
        if not self.image:
            return []
        with self.image.storage.open(self.image.name, "rb") as file:
            return images.make_renditions(file.read())

    def store_renditions(self, made: list[images.RenditionImage]):
        """Replace this figure's renditions (rows and files) with `made`."""
        stem = slugify(os.path.splitext(os.path.basename(self.image.name or ""))[0])[:60]
        renditions = []
        # No savepoint (two queries fewer per save): the image is decoded already, so only
        # database or storage errors can happen here, and they should fail a caller's
        # transaction too. The files written go if the transaction does.
        with atomic_with_files(savepoint=False):
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
            self.renditions_status = self.RenditionsStatus.READY
            self.shown_renditions = shown_renditions(renditions)
            type(self).objects.filter(pk=self.pk).update(
                renditions_status=self.renditions_status, shown_renditions=self.shown_renditions
            )
        getattr(self, "_prefetched_objects_cache", {}).pop("renditions", None)
        return renditions

    def renditions_by_format(self):
        """{"webp": [...], "jpeg": [...]}, narrowest first: the rows when prefetched, else
        the copy the figure's row keeps (ShownRendition), without a query either way."""
        by_format = {choice: [] for choice in Rendition.Format.values}
        if not (self.pk and self.image):
            return by_format
        if "renditions" in getattr(self, "_prefetched_objects_cache", {}):
            for rendition in sorted(self.renditions.all(), key=lambda r: r.width):
                by_format[rendition.format].append(rendition)
            return by_format
        for format, width, height, name in self.shown_renditions:
            by_format[format].append(ShownRendition(width, height, RenditionFile(name)))
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
        """What the {% picture %} tag (articles/markup.py) shows, or None
        without a file.

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


def make_renditions_in_background(pk: int, name: str):
    """The renditions of figure `pk`'s file `name`, made after the upload's response.

    Nothing is written if the figure was deleted, or its file replaced (the new file's
    own work makes its renditions), in the meantime; a file that cannot be read marks
    the figure's renditions as failed.
    """
    figure = Figure.objects.filter(pk=pk, image=name).first()
    if figure is None:
        return
    try:
        made = figure.decode_renditions()
    except (images.InvalidImage, OSError) as error:
        Figure.objects.filter(pk=pk, image=name).update(
            renditions_status=Figure.RenditionsStatus.FAILED
        )
        logger.error("Renditions of figure %s failed: %s", pk, error)
        return
    with announced_together(), atomic_with_files():
        # Locked: a file replaced while these were decoded must not get them.
        figure = Figure.objects.select_for_update().filter(pk=pk, image=name).first()
        if figure is not None:
            figure.store_renditions(made)
            announce_shown(figure)  # pages showing it now have its renditions


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


def shown_renditions(renditions):
    """What Figure.shown_renditions keeps of these renditions."""
    return [
        [rendition.format, rendition.width, rendition.height, rendition.file.name]
        for rendition in sorted(renditions, key=lambda r: (r.width, r.format))
    ]


class RenditionFile(NamedTuple):
    name: str

    @property
    def url(self):
        return default_storage.url(self.name)


class ShownRendition(NamedTuple):
    """A rendition as its figure's row remembers it: what pages show of it."""

    width: int
    height: int
    file: RenditionFile


def _srcset(renditions):
    return ", ".join(f"{rendition.file.url} {rendition.width}w" for rendition in renditions)


def _social_rendition(jpegs):
    """The rendition social networks get: 1200 pixels wide, or the widest there is."""
    exact = [rendition for rendition in jpegs if rendition.width == images.SOCIAL_WIDTH]
    return (exact or jpegs or [None])[-1]
