"""Corrections on the editor's desk: listed for everyone on the desk, edited and deleted
by Editors alone (permissions.py). A new one is made from its article's change form (a
change of kind "Correction"), which moves the article's "Updated" time with it."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from ..models import Correction
from .permissions import EditorsOnlyMixin


@admin.register(Correction)
class CorrectionAdmin(EditorsOnlyMixin, admin.ModelAdmin):
    list_display = ("article", "published_at", "created_by", "text")
    list_select_related = ("article", "created_by")
    list_filter = ("published_at",)
    date_hierarchy = "published_at"
    search_fields = ("text", "article__headline", "article__title")
    fields = ("article_link", "text", "published_at", "created_by")
    readonly_fields = ("article_link", "published_at", "created_by")

    def has_add_permission(self, request):
        return False

    @admin.display(description="Article")
    def article_link(self, correction):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:articles_article_change", args=[correction.article_id]),
            correction.article,
        )
