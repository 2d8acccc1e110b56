"""Tags on the editor's desk: listed with their articles, renamed, merged by Editors, and
offered by name to the article form's tags field as the editor types. A tag an article past
draft shows is renamed by Editors only, like every other thing such an article shows."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, When
from django.db.models.functions import Lower
from django.http import HttpResponseNotAllowed, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path
from taggit.models import Tag as TaggitTag

from ..models import (
    TAG_NAME_MAX,
    Tag,
    TaggedArticle,
    control_character_problem,
    reject_control_characters,
)
from .articles import _count
from .permissions import DraftsOnlyForWritersMixin, TagMergingForEditorsMixin

# taggit's own tags: empty since the migration tags_of_our_own moved every tag to ours.
admin.site.unregister(TaggitTag)

# Names the tags field offers at a time: enough to pick from, few enough to read.
SUGGESTED_NAMES = 10


class TagAdminForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ("name", "slug")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A new tag's slug is made from its name (Tag.slugify) when left empty.
        if "slug" in self.fields and self.instance._state.adding:
            self.fields["slug"].required = False


class MergeTagsForm(forms.Form):
    into = forms.CharField(
        label="Merge into",
        max_length=TAG_NAME_MAX,
        validators=[reject_control_characters],
        help_text="The tag the articles will carry: one of these, another existing tag, "
        "or a new name.",
    )


@admin.register(Tag)
class TagAdmin(TagMergingForEditorsMixin, DraftsOnlyForWritersMixin, admin.ModelAdmin):
    form = TagAdminForm
    list_display = ("name", "slug", "article_count")
    search_fields = ("name",)
    ordering = ("name",)
    actions = ("merge_selected",)

    def get_queryset(self, request):
        return super().get_queryset(request).with_article_counts()

    @admin.display(description="Articles", ordering="article_count")
    def article_count(self, tag):
        return tag.article_count

    # Merging -------------------------------------------------------------------------

    @admin.action(permissions=["merge"], description="Merge selected tags")
    def merge_selected(self, request, queryset):
        """Two steps, like Django's own delete action: a page naming the tags asks for
        the surviving name, and posting it merges (Tag.objects.merge_into)."""
        if not self.has_merge_permission(request):  # Django offers the action to no one else
            raise PermissionDenied
        tags = list(queryset.order_by("-article_count", "name"))
        if not tags:
            self.message_user(request, "None of the selected tags exists any more.")
            return None
        form = MergeTagsForm(
            request.POST if "post" in request.POST else None, initial={"into": tags[0].name}
        )
        if form.is_valid():
            outcome = queryset.merge_into(form.cleaned_data["into"])
            if not outcome.merged:
                self.message_user(request, f"Nothing to merge into “{outcome.tag}”.")
                return None
            merged = ", ".join(f"“{name}”" for name in outcome.merged)
            self.log_change(request, outcome.tag, f"Merged {merged} into it.")
            self.message_user(
                request,
                f"Merged {merged} into “{outcome.tag}”: {_count(outcome.articles)} changed.",
                messages.SUCCESS,
            )
            return None
        articles = (
            TaggedArticle.objects.filter(tag__in=tags).values("content_object").distinct().count()
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge tags",
            "opts": self.opts,
            "tags": tags,
            "articles": _count(articles),
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/articles/tag/merge_selected.html", context)

    # The tags field's suggestions -----------------------------------------------------

    def get_urls(self):
        names = path(
            "names/", self.admin_site.admin_view(self.names_view), name="articles_tag_names"
        )
        return [names, *super().get_urls()]

    def names_view(self, request):
        """Names of existing tags holding `term` (JSON), for whoever may see tags: those
        that start with it first, each group in alphabetical order. (Most used first
        would be nicer, but counting the taggings of every name holding a letter takes
        half a second over 100,000 articles.) A term no name can hold (too long, or with
        a control character, such as a NUL byte) matches nothing."""
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        if not self.has_view_permission(request):
            raise PermissionDenied
        term = " ".join(request.GET.get("term", "").split())
        if not term or len(term) > TAG_NAME_MAX or control_character_problem(term):
            return JsonResponse({"names": []})
        names = (
            Tag.objects.filter(name__icontains=term)
            .order_by(Case(When(name__istartswith=term, then=0), default=1), Lower("name"))
            .values_list("name", flat=True)[:SUGGESTED_NAMES]
        )
        return JsonResponse({"names": list(names)})
