"""Tags on the editor's desk: listed with their articles, renamed, or given a new slug."""

from django import forms
from django.contrib import admin
from taggit.models import Tag as TaggitTag

from ..models import Tag

# taggit's own tags: empty since migration 0011 moved every tag to ours.
admin.site.unregister(TaggitTag)


class TagAdminForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ("name", "slug")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A new tag's slug is made from its name (Tag.slugify) when left empty.
        if "slug" in self.fields and self.instance._state.adding:
            self.fields["slug"].required = False


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    form = TagAdminForm
    list_display = ("name", "slug", "article_count")
    search_fields = ("name",)
    ordering = ("name",)

    def get_queryset(self, request):
        return super().get_queryset(request).with_article_counts()

    @admin.display(description="Articles", ordering="article_count")
    def article_count(self, tag):
        return tag.article_count
