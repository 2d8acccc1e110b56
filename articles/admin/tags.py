"""Tags keep taggit's admin (rename, merge), with the rules every other name on the site
follows: nothing web pages and feeds cannot carry, and a tag an article past draft shows
is renamed by editors only. The Tag model is taggit's, so the rules are added here rather
than to the model."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from taggit.admin import TagAdmin as TaggitTagAdmin
from taggit.models import Tag

from ..models import control_character_problem, reject_control_characters
from .permissions import DraftsOnlyForWritersMixin


class TagAdminForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ("name", "slug")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "name" in self.fields:
            self.fields["name"].validators.append(reject_control_characters)


admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(DraftsOnlyForWritersMixin, TaggitTagAdmin):
    form = TagAdminForm

    def merge_tags_view(self, request):
        if request.method == "POST":
            problem = control_character_problem(request.POST.get("new_tag_name", ""))
            if problem:
                self.message_user(request, f"The new tag name {problem}.", messages.ERROR)
                return redirect(request.get_full_path())
        return super().merge_tags_view(request)
