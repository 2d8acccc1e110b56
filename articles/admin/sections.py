"""Sections on the editor's desk: Editors add, rename, move and order them (the header's
navigation follows `position`); Writers may only see them, to choose one for a draft
(the Writers group holds view_section alone: migration 0016)."""

from django.contrib import admin
from django.db.models import Count

from ..changes import announced_together
from ..models import Section


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent", "position", "in_navigation", "article_count")
    list_editable = ("position", "in_navigation")
    list_select_related = ("parent",)
    list_filter = ("in_navigation",)
    search_fields = ("name", "slug")
    ordering = ("position", "name")
    autocomplete_fields = ("parent",)
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "parent", "description", "position", "in_navigation")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("articles"))

    @admin.display(description="Articles", ordering="article_count")
    def article_count(self, section):
        return section.article_count

    # A list's edits of many positions: one announcement of the articles they show.
    def changelist_view(self, request, *args, **kwargs):
        with announced_together():
            return super().changelist_view(request, *args, **kwargs)
