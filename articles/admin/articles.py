"""Articles on the editor's desk.

Writers create and edit drafts; only users with `articles.publish_article` (Editors)
publish, unpublish, or touch an article once it has left the draft state. The rule is
checked on the server (permissions.py), not only by hiding controls; a change of status,
from the form or an action, goes through the article's publish(), withdraw() or
return_to_draft().
"""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, F, When
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from taggit.models import Tag

from ..changes import announced_together
from ..forms import ArticleAdminForm
from ..metadata import article_metadata
from ..models import Article, CannotPublish
from .figures import thumbnail
from .permissions import DraftsOnlyForWritersMixin


class StatusFilter(admin.SimpleListFilter):
    """Status as readers experience it: a published article with a future time is scheduled."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("draft", "Draft"),
            ("scheduled", "Scheduled"),
            ("published", "Published"),
            ("withdrawn", "Withdrawn"),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "scheduled":
                return queryset.scheduled()
            case "published":
                return queryset.published()
            case "draft" | "withdrawn":
                return queryset.filter(status=self.value())
        return queryset


class PopularTagFilter(admin.SimpleListFilter):
    """The most used tags, with their counts: after an archive import there are thousands
    of tags, far too many to list. Any other tag is a search for its name away, or a
    click on it in the list's Tags column."""

    title = "tag (most used)"
    parameter_name = "tag"
    size = 20

    def lookups(self, request, model_admin):
        selected = self.value() or ""
        # One query whatever is selected: the selected tag first, however rarely used,
        # then the most used.
        rows = list(
            Tag.objects.annotate(uses=Count("articles_taggedarticle_items"))
            .filter(uses__gt=0)
            .order_by(Case(When(slug=selected, then=0), default=1), "-uses", "name")
            .values_list("slug", "name", "uses")[: self.size + 1]
        )
        # A stable sort: ties keep the database's order.
        shown = sorted(rows, key=lambda row: -row[2])[: self.size]
        if rows and rows[0][0] == selected and rows[0] not in shown:
            shown.append(rows[0])
        return [(slug, f"{name} ({uses})") for slug, name, uses in shown]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(tags__slug=self.value())
        return queryset


@admin.register(Article)
class ArticleAdmin(DraftsOnlyForWritersMixin, admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = (
        "lead_thumbnail",
        "headline_column",
        "status_column",
        "published_at",
        "tag_list",
    )
    list_display_links = ("lead_thumbnail", "headline_column")
    list_filter = (StatusFilter, "published_at", PopularTagFilter)
    # Shows the search box; get_search_results searches these, the summary and tag names.
    search_fields = ("headline", "title", "body")
    # Not a second count of every article beside each filtered or searched list.
    show_full_result_count = False
    date_hierarchy = "published_at"
    # Undated drafts are the newest work, so they come first on every database.
    ordering = (F("published_at").desc(nulls_first=True), "-pk")
    autocomplete_fields = ("lead_figure",)
    prepopulated_fields = {"slug": ("headline",)}
    readonly_fields = (
        "lead_figure_preview",
        "search_and_social_preview",
        "publishing_checklist",
        "imported_at",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        ("Content", {"fields": ("headline", "byline", "lede", "body")}),
        ("Lead figure", {"fields": ("lead_figure", "lead_figure_preview")}),
        (
            "Search & social",
            {
                "fields": (
                    "title",
                    "description",
                    "social_title",
                    "social_description",
                    "search_and_social_preview",
                ),
                "description": "How the article appears in search results and when shared. "
                "Empty social fields fall back to the title and description.",
            },
        ),
        (
            "Publishing",
            {"fields": ("status", "published_at", "slug", "tags", "publishing_checklist")},
        ),
        (
            "Provenance",
            {
                "classes": ("collapse",),
                "fields": (
                    "source_url",
                    "extra_metadata",
                    "imported_at",
                    "created_at",
                    "updated_at",
                ),
            },
        ),
    )
    actions = ("publish_selected", "unpublish_selected")

    class Media:
        js = ("admin/articles/editors_desk.js",)
        css = {"all": ("admin/articles/editors_desk.css",)}

    def get_queryset(self, request):
        return super().get_queryset(request).for_listing()

    def get_search_results(self, request, queryset, search_term):
        """Article.objects.matching(): on PostgreSQL through the full-text index rather
        than a scan of every body for each of search_fields."""
        if not search_term.strip():
            return queryset, False
        return queryset.matching(search_term), False

    # Writing --------------------------------------------------------------------------

    # The form writes an article, then its tags (save_model, save_related); an action
    # writes each article it selects: one announcement of what changed, per request.

    def changeform_view(self, request, *args, **kwargs):
        with announced_together():
            return super().changeform_view(request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        with announced_together():
            return super().changelist_view(request, *args, **kwargs)

    # Permissions (and DraftsOnlyForWritersMixin) ---------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.can_publish = self.has_publish_permission(request)
        return form

    def save_model(self, request, obj, form, change):
        self.check_may_save(request, obj, change)
        if "status" in form.changed_data:
            # Through the model's workflow, which checks what blocks publishing.
            obj.change_status(form.cleaned_data["status"], at=obj.published_at)
        else:
            obj.save()
        for warning in obj.publishing_warnings():
            messages.warning(request, warning)

    # List columns --------------------------------------------------------------------

    @admin.display(description="Lead figure")
    def lead_thumbnail(self, obj):
        return thumbnail(obj.lead_figure)

    @admin.display(description="Headline", ordering="headline")
    def headline_column(self, obj):
        return obj.display_headline

    @admin.display(description="Status", ordering="status")
    def status_column(self, obj):
        return obj.status_label

    @admin.display(description="Tags")
    def tag_list(self, obj):
        """Each tag links to the list filtered by it (the filter names only the most used)."""
        tags = sorted(obj.tags.all(), key=lambda tag: tag.name.casefold())
        return format_html_join(
            ", ",
            '<a href="?{}">{}</a>',
            ((urlencode({PopularTagFilter.parameter_name: tag.slug}), tag.name) for tag in tags),
        )

    def view_on_site(self, obj):
        return obj.get_absolute_url() if obj.is_public else None

    # Read-only form panels -----------------------------------------------------------

    @admin.display(description="Preview")
    def lead_figure_preview(self, obj):
        figure = obj.lead_figure if obj.lead_figure_id else None
        url_template = reverse("admin:articles_figure_thumbnail", args=[0])
        return format_html(
            '<div class="lead-figure-preview" data-thumbnail-url="{}">{}</div>',
            url_template,
            thumbnail(figure, width=240) if figure else "No lead figure.",
        )

    @admin.display(description="Preview")
    def search_and_social_preview(self, obj):
        figure = obj.lead_figure if obj.lead_figure_id else None
        return render_to_string(
            "admin/articles/article/includes/previews.html",
            {
                "article": obj,
                "site_host": settings.SITE_URL.split("://", 1)[-1],
                "site_name": settings.SITE_NAME,
                "image": thumbnail(figure, width=300) if figure and figure.image else "",
            },
        )

    @admin.display(description="Before publishing")
    def publishing_checklist(self, obj):
        errors = list(obj.publishing_errors().values())
        warnings = obj.publishing_warnings()
        if not errors and not warnings:
            return "Ready to publish."
        return format_html(
            '<ul class="publishing-checklist">{}{}</ul>',
            format_html_join("", '<li class="error">Must fix: {}</li>', ((e,) for e in errors)),
            format_html_join("", '<li class="warning">Consider: {}</li>', ((w,) for w in warnings)),
        )

    # Previews ------------------------------------------------------------------------

    def get_urls(self):
        preview = path(
            "<int:object_id>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name="articles_article_preview",
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request, object_id):
        """The real article page for any article, for staff who may see it in the admin."""
        article = get_object_or_404(Article.objects.for_detail(), pk=object_id)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        response = TemplateResponse(
            request,
            "articles/article_detail.html",
            {
                "article": article,
                "object": article,
                "meta": article_metadata(article),
                "is_preview": True,
            },
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["staff_preview_url"] = reverse("admin:articles_article_preview", args=[obj.pk])
            if not obj.is_public and self.has_change_permission(request, obj):
                context["reviewer_preview_url"] = settings.SITE_URL + obj.get_preview_url()
                context["reviewer_preview_days"] = max(1, settings.PREVIEW_LINK_MAX_AGE // 86400)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Actions -------------------------------------------------------------------------

    @admin.action(permissions=["publish"], description="Publish selected articles")
    def publish_selected(self, request, queryset):
        """Publish now, or at the article's own future time; skip what is not ready."""
        published, skipped = [], []
        for article in queryset.select_related("lead_figure"):
            if article.status == Article.Status.PUBLISHED:
                continue  # public or scheduled already
            try:
                article.publish()
            except CannotPublish as error:
                skipped.append(f"“{article}”: {' '.join(error.messages)}")
                continue
            self.log_change(request, article, "Published with the “Publish” action.")
            published.append(article)
        if published:
            self.message_user(request, f"Published {_count(published)}.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"Skipped {_count(skipped)} that cannot be published yet: " + "; ".join(skipped),
                messages.WARNING,
            )
        if not published and not skipped:
            self.message_user(request, "The selected articles were already published.")

    @admin.action(permissions=["publish"], description="Unpublish selected articles")
    def unpublish_selected(self, request, queryset):
        """Withdraw what readers could see (the site then answers 410); scheduled ones
        go back to draft. Withdrawn articles stay withdrawn."""
        withdrawn = drafted = 0
        for article in queryset:
            if article.is_public:
                article.withdraw()
                withdrawn += 1
            elif article.status == Article.Status.PUBLISHED:  # scheduled
                article.return_to_draft()
                drafted += 1
            else:
                continue
            self.log_change(request, article, f"Set to {article.get_status_display().lower()}.")
        if withdrawn:
            self.message_user(request, f"Withdrew {_count(withdrawn)}.", messages.SUCCESS)
        if drafted:
            self.message_user(
                request, f"Returned {_count(drafted)} scheduled to draft.", messages.SUCCESS
            )
        if not withdrawn and not drafted:
            self.message_user(request, "None of the selected articles was published.")


def _count(items):
    number = items if isinstance(items, int) else len(items)
    return f"{number} article" if number == 1 else f"{number} articles"
