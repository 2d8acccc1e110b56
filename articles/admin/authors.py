"""Authors on the editor's desk: their profiles, and the ordered authors of an article (an
inline of its form, written through the one write path like its tags)."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.forms.formsets import TOTAL_FORM_COUNT
from django.forms.models import BaseInlineFormSet

from ..models import Article, ArticleAuthor, ArticleWrite, Author, write_articles
from .figures import thumbnail
from .permissions import OwnProfilesForWritersMixin


@admin.register(Author)
class AuthorAdmin(OwnProfilesForWritersMixin, admin.ModelAdmin):
    list_display = ("name", "job_title", "user", "article_count")
    list_select_related = ("user",)
    search_fields = ("name", "slug", "job_title")
    ordering = ("name", "pk")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("photo",)
    fields = ("name", "slug", "job_title", "bio", "photo", "photo_preview", "links", "user")
    readonly_fields = ("photo_preview",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("bylines"))

    def get_readonly_fields(self, request, obj=None):
        if self.has_publish_permission(request):
            return self.readonly_fields
        return (*self.readonly_fields, "user")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            # A plain choice among the staff: few, and Editors may not read the user list.
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="Articles", ordering="article_count")
    def article_count(self, author):
        return author.article_count

    @admin.display(description="Photo as shown")
    def photo_preview(self, author):
        return thumbnail(author.photo, width=160) if author.photo_id else "No photo."


class BylineForm(forms.ModelForm):
    class Meta:
        model = ArticleAuthor
        fields = ("author", "role", "position")
        labels = {"position": "Order"}
        help_texts = {"position": "Lower first; left empty, after the others."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "position" in self.fields:
            self.fields["position"].required = False
            if self.instance._state.adding:
                self.fields["position"].initial = None


class BylineFormSet(BaseInlineFormSet):
    """The article's authors, saved by write_articles() in the order the form gives
    (its Order column, then the rows' order), numbered afresh from 0."""

    @property
    def posted(self):
        """Whether the form posted the authors at all: a post without them (a script, or a
        form from before authors) leaves them as they are rather than failing."""
        return not self.is_bound or self.add_prefix(TOTAL_FORM_COUNT) in self.data

    def full_clean(self):
        if self.posted:
            return super().full_clean()
        self._errors = []
        self._non_form_errors = self.error_class(error_class="nonform", renderer=self.renderer)

    def clean(self):
        # Before the formset's own unique check, whose message names no one.
        seen = set()
        for form in self._kept_forms():
            author = form.cleaned_data["author"]
            if author.pk in seen:
                raise forms.ValidationError(f"{author} is listed twice.")
            seen.add(author.pk)
        super().clean()

    def _kept_forms(self):
        return [
            form
            for form in self.forms
            if form.is_valid()
            and form.cleaned_data.get("author")
            and not (self.can_delete and self._should_delete_form(form))
        ]

    def ordered_authors(self):
        """(Author, role) pairs, in the order to save."""
        indexed = list(enumerate(self._kept_forms()))
        indexed.sort(
            key=lambda item: (
                item[1].cleaned_data.get("position") is None,
                item[1].cleaned_data.get("position") or 0,
                item[0],
            )
        )
        return [(form.cleaned_data["author"], form.cleaned_data["role"]) for _, form in indexed]

    def save(self, commit=True):
        if not self.posted:
            self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
            return []
        # What the admin's history says of the change (construct_change_message).
        self.new_objects = [f.instance for f in self.extra_forms if f in self._kept_forms()]
        self.deleted_objects = [f.instance for f in self.initial_forms if f in self.deleted_forms]
        self.changed_objects = [
            (f.instance, f.changed_data)
            for f in self.initial_forms
            if f not in self.deleted_forms and f.has_changed()
        ]
        write = ArticleWrite(self.instance, authors=self.ordered_authors(), tags_only=True)
        write_articles([write])
        return [*self.new_objects, *(obj for obj, _ in self.changed_objects)]


class BylineInline(admin.TabularInline):
    """Bylines are part of the article: whoever may change it may change them."""

    model = ArticleAuthor
    form = BylineForm
    formset = BylineFormSet
    autocomplete_fields = ("author",)
    extra = 1

    def _article_admin(self):
        return self.admin_site.get_model_admin(Article)

    def has_add_permission(self, request, obj=None):
        admin_ = self._article_admin()
        # Written at once (no revision, so no draft of a change, holds them): a live
        # article's authors are an Editor's to change.
        return (
            admin_.may_write(request, obj)
            if obj
            else admin_.has_add_permission(request)
        )

    def has_change_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)

    def has_view_permission(self, request, obj=None):
        return self._article_admin().has_view_permission(request, obj)

    def preselected(self, request):
        """A new article's first author: the writer's own profile, when they have one."""
        profile = Author.objects.filter(user=request.user).only("pk").first()
        return [{"author": profile.pk}] if profile else []
