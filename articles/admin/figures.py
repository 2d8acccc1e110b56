"""Figures, image credits and licences on the editor's desk, and the thumbnails every
admin list shows."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from .. import images
from ..forms import FigureAdminForm
from ..models import Figure, ImageCredit, License
from .permissions import DraftsOnlyForWritersMixin

THUMBNAIL_WIDTH = 120


def thumbnail_source(figure):
    """(url, width, height) of the figure's thumbnail rendition, or else of its file.

    Renditions are read only when prefetched, so a list never queries once per row.
    """
    if figure is None or not figure.image:
        return None
    if "renditions" in getattr(figure, "_prefetched_objects_cache", {}):
        rendition = figure.thumbnail()
        if rendition is not None:
            return rendition.file.url, rendition.width, rendition.height
    return figure.image.url, figure.width, figure.height


def thumbnail(figure, width=THUMBNAIL_WIDTH):
    source = thumbnail_source(figure)
    if source is None:
        return "No image file" if figure is not None else "—"
    url, source_width, source_height = source
    height = round(source_height * width / source_width) if source_width and source_height else ""
    return format_html(
        '<img src="{}" width="{}" height="{}" alt="" class="admin-thumbnail" loading="lazy">',
        url,
        width,
        height,
    )


@admin.register(Figure)
class FigureAdmin(DraftsOnlyForWritersMixin, admin.ModelAdmin):
    form = FigureAdminForm
    list_display = ("thumbnail_column", "alt_text_column", "credit", "license_column", "size")
    list_display_links = ("thumbnail_column", "alt_text_column")
    list_select_related = ("credit__license",)
    list_filter = ("credit__license",)
    search_fields = ("alt_text", "caption", "credit__author", "original_url", "original_path")
    autocomplete_fields = ("credit",)
    readonly_fields = ("preview", "size", "used_by", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("image", "preview", "size", "alt_text", "caption", "credit")}),
        ("Provenance", {"fields": ("original_url", "original_path", "created_at", "updated_at")}),
        ("Used by", {"fields": ("used_by",)}),
    )

    class Media:
        js = ("admin/articles/editors_desk.js",)
        css = {"all": ("admin/articles/editors_desk.css",)}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("renditions")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "image" and field is not None:
            # For the script that proposes the photo's own credit as soon as it is chosen.
            field.widget.attrs["data-credit-url"] = reverse(
                "admin:articles_figure_credit_from_file"
            )
            field.widget.attrs["data-credit-probe-bytes"] = images.CREDIT_PROBE_BYTES
        return field

    def save_model(self, request, obj, form, change):
        had_credit = obj.credit_id is not None
        # A camera's photograph takes seconds to resize and encode: not while the editor
        # waits (the figure shows "renditions pending" meanwhile).
        obj.save(renditions_later=True)
        if "image" in form.changed_data and obj.renditions_status == obj.RenditionsStatus.PENDING:
            messages.info(
                request,
                "The image is stored; its renditions are being made. Pages show the original "
                "image until they are ready.",
            )
        if not had_credit and obj.credit_id and "image" in form.changed_data:
            if obj.credit.license_id:
                text = (
                    f"The credit “{obj.credit}”, an existing credit, matches the name in the "
                    "image file. Check it."
                )
            else:
                text = (
                    f"The credit “{obj.credit}” was read from the image file. Check it, and "
                    "add the author's URL and licence if you know them."
                )
            messages.info(request, text)

    @admin.display(description="Image")
    def thumbnail_column(self, obj):
        return thumbnail(obj)

    @admin.display(description="Alt text", ordering="alt_text")
    def alt_text_column(self, obj):
        return Truncator(obj.alt_text).chars(100) or "(no alt text)"

    @admin.display(description="Licence", ordering="credit__license__name")
    def license_column(self, obj):
        return obj.credit.license if obj.credit_id and obj.credit.license_id else "—"

    @admin.display(description="Size")
    def size(self, obj):
        size = f"{obj.width} × {obj.height} px" if obj.width and obj.height else "—"
        if obj.renditions_status == obj.RenditionsStatus.READY:
            return size
        return format_html(
            '{}<br><span class="renditions-status renditions-status--{}">{}</span>',
            size,
            obj.renditions_status,
            obj.get_renditions_status_display(),
        )

    @admin.display(description="Preview")
    def preview(self, obj):
        if not obj.pk:
            return "—"
        notes = {
            obj.RenditionsStatus.PENDING: "Renditions are being made: pages show the original "
            "image until they are ready. Reload this page to see.",
            obj.RenditionsStatus.FAILED: "Its renditions could not be made: pages show the "
            "original image. Upload the file again, or run regenerate_renditions.",
        }
        note = notes.get(obj.renditions_status)
        if note is None:
            return thumbnail(obj, width=320)
        return format_html(
            '{}<p class="renditions-status renditions-status--{}">{}</p>',
            thumbnail(obj, width=320),
            obj.renditions_status,
            note,
        )

    @admin.display(description="Articles using this figure")
    def used_by(self, obj):
        articles = list(obj.articles.order_by("-pk")) if obj.pk else []
        if not articles:
            return "No article uses it yet."
        return format_html(
            '<ul class="figure-usage">{}</ul>',
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({})</li>',
                (
                    (reverse("admin:articles_article_change", args=[a.pk]), a, a.status_label)
                    for a in articles
                ),
            ),
        )

    def get_urls(self):
        thumbnail_url = path(
            "<int:object_id>/thumbnail/",
            self.admin_site.admin_view(self.thumbnail_view),
            name="articles_figure_thumbnail",
        )
        credit_url = path(
            "credit-from-file/",
            self.admin_site.admin_view(self.credit_from_file_view),
            name="articles_figure_credit_from_file",
        )
        return [thumbnail_url, credit_url, *super().get_urls()]

    def credit_from_file_view(self, request):
        """The credit the form proposes for a file as soon as it is chosen, before it is
        uploaded, as JSON: the name the file carries, the existing credit it matches (the
        one save() would pick) and what to tell the editor. Stores nothing; the script
        sends only the beginning of a JPEG, where its metadata lives."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        upload = request.FILES.get("image")
        if upload is None:
            return JsonResponse({"error": "Send the image file as “image”."}, status=400)
        name = images.embedded_credit(upload.read(settings.IMAGE_MAX_BYTES))
        credit = ImageCredit.objects.matching_name(name) if name else None
        chosen = request.POST.get("chosen", "")
        return JsonResponse(
            {
                "name": name,
                "credit": {"id": credit.pk, "text": str(credit)} if credit else None,
                "message": _credit_proposal(name, credit, other_chosen=chosen.isdigit()),
            }
        )

    def thumbnail_view(self, request, object_id):
        """A figure's thumbnail as JSON, for the article form's live lead-figure preview."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        figure = self.get_object(request, unquote(str(object_id)))
        if figure is None:
            raise Http404("No such figure.")
        source = thumbnail_source(figure)
        return JsonResponse(
            {
                "url": source[0] if source else "",
                "width": source[1] if source else None,
                "height": source[2] if source else None,
                "alt_text": figure.alt_text,
            }
        )


def _credit_proposal(name, credit, *, other_chosen=False) -> str:
    if not name:
        return ""
    if other_chosen:
        return f"Credit from the photo: {name}. The credit chosen below is kept."
    if credit is None:
        return (
            f"Credit from the photo: {name} (a new credit, made when you save; add its "
            "licence afterwards)."
        )
    licence = f"with licence {credit.license}" if credit.license_id else "without a licence"
    return (
        f"Credit from the photo: {name} (existing credit “{credit.author}” {licence}). "
        "It is chosen below."
    )


@admin.register(ImageCredit)
class ImageCreditAdmin(DraftsOnlyForWritersMixin, admin.ModelAdmin):
    list_display = ("author", "author_url", "license", "figure_count")
    list_filter = ("license",)
    search_fields = ("author", "author_url", "license__name")
    ordering = ("author", "pk")
    autocomplete_fields = ("license",)

    def get_queryset(self, request):
        # The licence is part of a credit's name (autocomplete, figure lists), and the
        # autocomplete view does not use list_select_related.
        return (
            super()
            .get_queryset(request)
            .select_related("license")
            .annotate(figure_count=Count("figures"))
        )

    @admin.display(description="Figures", ordering="figure_count")
    def figure_count(self, obj):
        return obj.figure_count


@admin.register(License)
class LicenseAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "credit_count")
    search_fields = ("name", "url")
    ordering = ("name", "pk")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(credit_count=Count("credits"))

    @admin.display(description="Credits", ordering="credit_count")
    def credit_count(self, obj):
        return obj.credit_count
