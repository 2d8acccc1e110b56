"""Articles on the editor's desk.

Writers create and edit drafts; only users with `articles.publish_article` (Editors)
publish, unpublish, or touch an article once it has left the draft state. The rule is
checked on the server (permissions.py), not only by hiding controls; a change of status,
from the form or an action, goes through the article's publish(), withdraw() or
return_to_draft().

The form of a live article edits the draft of a change to it (models/pending.py), which
readers do not see: Writers may prepare one, only Editors publish it (now or at a time,
telling readers as they choose) or withdraw the article. Its authors and related stories,
which no revision holds, are no part of a draft: Editors change them at once.
"""

import json
import uuid

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, Exists, F, OuterRef, Subquery, When
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.timezone import localtime

from ..acting import acting_as
from ..changes import announced_together
from ..forms import ArticleAdminForm, format_tag_names
from ..fragments import page_parts, shown_page
from ..models import (
    AUTOSAVED_FIELDS,
    Article,
    Autosave,
    CannotPublish,
    PendingChange,
    PreviewLink,
    Revision,
    Tag,
)
from ..models.addresses import article_path
from ..models.autosave import AUTOSAVE_SECONDS, FORM_KEY
from ..models.revision import snapshot_of
from ..rendering import render_markdown
from .authors import BylineInline
from .figures import thumbnail
from .permissions import DraftsOnlyForWritersMixin
from .presence import ArticlePresenceMixin
from .related import RelatedStoriesAdminMixin
from .revisions import ArticleHistoryMixin, snapshot_changes


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


class PendingChangeFilter(admin.SimpleListFilter):
    """Live articles with the draft of a change: an Editor's list of what awaits them."""

    title = "draft of a change"
    parameter_name = "pending"

    def lookups(self, request, model_admin):
        return [("yes", "Waiting to be published"), ("scheduled", "Scheduled")]

    def queryset(self, request, queryset):
        match self.value():
            case "yes":
                return queryset.filter(
                    pending_change__isnull=False, pending_change__publish_at__isnull=True
                )
            case "scheduled":
                return queryset.filter(pending_change__publish_at__isnull=False)
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


class ArticleChangeList(ChangeList):
    """Without a filter or a search, the list's own count is the total: shown as such (by
    the paginator), with no "Show all" beside it that would lead to the very same list."""

    def get_results(self, request):
        super().get_results(request)
        if not self.query and not self.get_filters_params():
            self.full_result_count = self.result_count
            self.show_full_result_count = True


@admin.register(Article)
class ArticleAdmin(
    ArticlePresenceMixin,
    ArticleHistoryMixin,
    RelatedStoriesAdminMixin,
    DraftsOnlyForWritersMixin,
    admin.ModelAdmin,
):
    form = ArticleAdminForm
    list_display = (
        "lead_thumbnail",
        "headline_column",
        "author_list",
        "status_column",
        "published_at",
        "tag_list",
    )
    list_display_links = ("lead_thumbnail", "headline_column")
    list_filter = (StatusFilter, PendingChangeFilter, "published_at", PopularTagFilter)
    # Shows the search box; get_search_results searches these, the summary and tag names.
    search_fields = ("headline", "title", "body")
    # Not a second count of every article beside each filtered or searched list (which
    # then offers "Show all"); see ArticleChangeList for the unfiltered one.
    show_full_result_count = False
    date_hierarchy = "published_at"
    # Undated drafts are the newest work, so they come first on every database.
    ordering = (F("published_at").desc(nulls_first=True), "-pk")
    autocomplete_fields = ("lead_figure", "section")
    prepopulated_fields = {"slug": ("headline",)}
    readonly_fields = (
        "lead_figure_preview",
        "search_and_social_preview",
        "publishing_checklist",
        "published_corrections",
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
                    "canonical_url",
                ),
                "description": "How the article appears in search results and when shared. "
                "Empty social fields fall back to the title and description.",
            },
        ),
        (
            "Publishing",
            {
                "fields": (
                    "status",
                    "published_at",
                    "slug",
                    "section",
                    "tags",
                    "publishing_checklist",
                )
            },
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
    inlines = (BylineInline,)
    # Shown by get_fieldsets() to Editors changing a public article: ArticleAdminForm's
    # LIVE_CHANGE_FIELDS, beside the corrections published so far.
    live_change_fieldset = (
        "Publishing this change",
        {
            "fields": (*ArticleAdminForm.LIVE_CHANGE_FIELDS, "published_corrections"),
            "description": "Asked when you press “Publish change”; “Save” keeps the draft.",
        },
    )
    actions = ("publish_selected", "unpublish_selected")

    class Media:
        js = ("admin/articles/editors_desk.js", "admin/articles/autosave.js")
        css = {"all": ("admin/articles/editors_desk.css", "admin/articles/revisions.css")}

    def get_queryset(self, request):
        # Whether (and when) the draft of a change waits: in the list's own query.
        pending = PendingChange.objects.filter(article=OuterRef("pk"))
        return (
            super()
            .get_queryset(request)
            .for_listing()
            .annotate(
                has_pending_change=Exists(pending),
                pending_change_at=Subquery(pending.values("publish_at")[:1]),
            )
        )

    def get_changelist(self, request, **kwargs):
        return ArticleChangeList

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
        form.asks_kind_of_change = self.asks_kind_of_change(request, obj)
        return form

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        # Shown, not assumed: what is posted is what the writer left in the form.
        if isinstance(inline, BylineInline) and obj._state.adding and request.method == "GET":
            kwargs["initial"] = inline.preselected(request)
        return kwargs

    def asks_kind_of_change(self, request, obj):
        """Whether the form offers to publish a change readers are told of
        (ArticleAdminForm's LIVE_CHANGE_FIELDS): an Editor's, to a live article."""
        return self.has_publish_permission(request) and self.edits_pending(obj)

    def edits_pending(self, obj):
        """Whether the form of `obj` edits the draft of a change to it: it was public when
        the page was opened (decided once, so the form and its fieldsets agree even as a
        scheduled time passes)."""
        if obj is None or obj.pk is None:
            return False
        if not hasattr(obj, "_public_when_opened"):
            obj._public_when_opened = obj.is_public
        return obj._public_when_opened

    def get_object(self, request, object_id, from_field=None):
        """The article, holding the draft of a change to it, if it is live and has one."""
        article = super().get_object(request, object_id, from_field)
        if article is not None and self.edits_pending(article):
            article.pending = (
                PendingChange.objects.filter(article=article)
                .select_related("updated_by", "scheduled_by")
                .first()
            )
            if article.pending is not None:
                article.pending.applied_to(article, check=False)
        return article

    def has_change_permission(self, request, obj=None):
        """Writers may change a live article too: the draft of a change to it."""
        if obj is not None and self.edits_pending(obj):
            return admin.ModelAdmin.has_change_permission(self, request, obj)
        return super().has_change_permission(request, obj)

    def may_write(self, request, obj):
        """Whether the user's saves of `obj` write it (a live article's, a Writer's, do not)."""
        return self.has_change_permission(request, obj) and self._may_touch(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if self.edits_pending(obj) and not self.has_publish_permission(request):
            # A Writer's draft of a change keeps the article's status, time and address.
            fields = (*fields, "status", "published_at", "slug")
        return fields

    def get_prepopulated_fields(self, request, obj=None):
        # A live article's address follows no edit of its headline.
        return {} if self.edits_pending(obj) else super().get_prepopulated_fields(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.asks_kind_of_change(request, obj):
            fieldsets = (*fieldsets, self.live_change_fieldset)
        return fieldsets

    def save_model(self, request, obj, form, change):
        if self.edits_pending(obj) and obj.status == getattr(obj, "_stored_status", None):
            return self._save_pending_change(request, obj, form)
        self.check_may_save(request, obj, change)
        # An Editor's withdrawal (or return to draft) from a form that held the draft of a
        # change writes that draft with it.
        if getattr(obj, "pending", None) is not None:
            obj.pending.delete()
        kind = form.cleaned_data.get("change_kind")
        if "status" in form.changed_data:
            # Through the model's workflow, which checks what blocks publishing.
            obj.change_status(form.cleaned_data["status"], at=obj.published_at)
        elif kind:
            obj.save_change(kind, note=form.cleaned_data["correction"], by=request.user)
        else:
            obj.save()
        if change:
            Autosave.objects.filter(article=obj, user=request.user).delete()
        else:
            form_key = request.POST.get("autosave_form_key", "")
            Autosave.objects.new_articles(request.user).filter(form_key=form_key).delete()
        if change and "slug" in form.changed_data and obj.is_public:
            messages.info(
                request,
                f"The old address {article_path(form.initial['slug'])} now redirects to "
                f"{obj.get_absolute_url()}.",
            )
        for warning in obj.publishing_warnings():
            messages.warning(request, warning)

    def _save_pending_change(self, request, obj, form):
        """Keep the form as the draft of a change to the live article, and publish or
        schedule it if an Editor asked to."""
        if form.publishing_change and not self.has_publish_permission(request):
            raise PermissionDenied("Only editors publish changes to live articles.")
        obj.saved_as_pending = True
        names = form.cleaned_data.get("tags")
        if names is None:
            names = form.pending.tag_names if form.pending else list(obj.tags.names())
        pending, was_scheduled = PendingChange.objects.keep(obj, names, request.user)
        Autosave.objects.filter(article=obj, user=request.user).delete()
        if not form.publishing_change:
            messages.success(
                request,
                "Saved as the draft of a change to this live article: readers see the "
                "published version until an Editor publishes it."
                + (" It is no longer scheduled: schedule it again." if was_scheduled else ""),
            )
            return
        kind, note = form.cleaned_data["change_kind"], form.cleaned_data["correction"]
        at = form.cleaned_data.get("publish_change_at")
        moved_from = obj._stored_slug if obj._stored_slug != obj.slug else None
        if at is not None and at > timezone.now():
            pending.schedule(kind, note=note, at=at, by=request.user)
            messages.success(
                request,
                f"The change is scheduled for {date_format(localtime(at), 'j F Y, H:i')}: "
                "readers see the published version until then.",
            )
            return
        try:
            pending.publish(kind, note=note, by=request.user)
        except ValidationError as error:
            messages.error(request, f"Not published: {' '.join(error.messages)}")
            return
        messages.success(request, "The change is published: readers see it now.")
        if moved_from:
            messages.info(
                request,
                f"The old address {article_path(moved_from)} now redirects to "
                f"{obj.get_absolute_url()}.",
            )

    def save_related(self, request, form, formsets, change):
        if getattr(form.instance, "saved_as_pending", False):
            # The tags are the draft's (or, published, written with it).
            form.save_m2m = lambda: None
        super().save_related(request, form, formsets, change)

    def response_change(self, request, obj):
        if not getattr(obj, "saved_as_pending", False):
            return super().response_change(request, obj)
        # The messages said what happened; Django's "changed successfully" would not.
        if "_save" in request.POST:
            return redirect("admin:articles_article_changelist")
        return redirect("admin:articles_article_change", obj.pk)

    # List columns --------------------------------------------------------------------

    @admin.display(description="Lead figure")
    def lead_thumbnail(self, obj):
        return thumbnail(obj.lead_figure)

    @admin.display(description="Headline", ordering="headline")
    def headline_column(self, obj):
        return obj.display_headline

    @admin.display(description="Authors")
    def author_list(self, obj):
        return ", ".join(author.name for author in obj.credited()) or obj.byline

    @admin.display(description="Status", ordering="status")
    def status_column(self, obj):
        if not getattr(obj, "has_pending_change", False) or not obj.is_public:
            return obj.status_label
        if obj.pending_change_at is None:
            return f"{obj.status_label}; a draft of a change waits"
        when = date_format(localtime(obj.pending_change_at), "j F Y, H:i")
        return f"{obj.status_label}; a change is scheduled for {when}"

    @admin.display(description="Tags")
    def tag_list(self, obj):
        """Each tag links to the list filtered by it (the filter names only the most used)."""
        return format_html_join(
            ", ",
            '<a href="?{}">{}</a>',
            (
                (urlencode({PopularTagFilter.parameter_name: tag.slug}), tag.name)
                for tag in obj.tags.all()
            ),
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

    @admin.display(description="Corrections published")
    def published_corrections(self, obj):
        corrections = obj.corrections.all() if obj.pk else []
        if not corrections:
            return "None."
        return format_html(
            '<ul class="published-corrections">{}</ul>',
            format_html_join(
                "",
                '<li><a href="{}">{}</a>: {}</li>',
                (
                    (
                        reverse("admin:articles_correction_change", args=[c.pk]),
                        date_format(localtime(c.published_at), "j F Y, H:i"),
                        c.text,
                    )
                    for c in corrections
                ),
            ),
        )

    # Previews ------------------------------------------------------------------------

    def get_urls(self):
        def view(function, route, name):
            return path(route, self.admin_site.admin_view(function), name=name)

        return [
            view(self.preview_view, "<int:object_id>/preview/", "articles_article_preview"),
            view(
                self.discard_pending_change_view,
                "<int:object_id>/pending/discard/",
                "articles_article_pending_discard",
            ),
            view(
                self.create_preview_link_view,
                "<int:object_id>/reviewer-links/",
                "articles_article_preview_link_create",
            ),
            view(
                self.revoke_preview_link_view,
                "<int:object_id>/reviewer-links/revoke/",
                "articles_article_preview_link_revoke",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, object_id):
        """The real article page for any article, for staff who may see it in the admin;
        with `?pending=1`, holding the draft of a change to it."""
        article = get_object_or_404(Article.objects.for_detail(), pk=object_id)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        if request.GET.get("pending"):
            pending = get_object_or_404(PendingChange, article=article)
            _hold_pending_change(article, pending)
        page = shown_page(page_parts(article))
        response = TemplateResponse(
            request,
            "articles/article_detail.html",
            {
                "article": article,
                "object": article,
                "page": page,
                "related_articles": Article.objects.related_to(
                    article, tag_ids=page["related_tags"]
                ),
                "is_preview": True,
            },
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def discard_pending_change_view(self, request, object_id):
        """Delete the draft of a change to a live article (by POST): whoever may change
        the article, but a change an Editor scheduled only an Editor."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = get_object_or_404(Article, pk=object_id)
        pending = PendingChange.objects.filter(article=article).first()
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        if pending is None:
            self.message_user(request, "There is no draft of a change to discard.")
            return redirect("admin:articles_article_change", article.pk)
        if pending.publish_at is not None and not self.has_publish_permission(request):
            raise PermissionDenied("Only editors discard a scheduled change.")
        pending.delete()
        self.log_change(request, article, "Discarded the draft of a change.")
        self.message_user(
            request, "The draft of the change is discarded: the form shows the published version."
        )
        return redirect("admin:articles_article_change", article.pk)

    def _pending_context(self, request, obj):
        """The banner of a live article's form: what readers see, and the draft's state."""
        pending = getattr(obj, "pending", None)
        context = {"can_publish": self.has_publish_permission(request), "change": pending}
        if pending is not None:
            live = Revision.objects.filter(article=obj).values_list("snapshot", flat=True).first()
            if live is None:  # from before revisions were kept
                stored = Article.objects.get(pk=obj.pk)
                live = snapshot_of(stored, [tag.name for tag in stored.tags.all()])
            context.update(
                changes=snapshot_changes(live, pending.snapshot),
                preview_url=reverse("admin:articles_article_preview", args=[obj.pk]) + "?pending=1",
                discard_url=reverse("admin:articles_article_pending_discard", args=[obj.pk]),
                may_discard=pending.publish_at is None or context["can_publish"],
            )
        return context

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if obj is not None and self.edits_pending(obj):
            context["pending_change"] = self._pending_context(request, obj)
        if form.newer_revision is not None:
            newer = form.newer_revision
            tags = form.cleaned_data.get("tags") or []
            context["newer_version"] = {
                "revision": newer,
                "changes": snapshot_changes(newer.snapshot, snapshot_of(form.instance, tags)),
            }
        if obj is not None and obj.pk and self.has_change_permission(request, obj):
            context["autosave"] = self._autosave_context(request, obj, form)
        elif add and self.has_add_permission(request):
            context["autosave"] = self._autosave_context(request, None, form)
        if obj is not None and obj.pk:
            context["staff_preview_url"] = reverse("admin:articles_article_preview", args=[obj.pk])
            if not obj.is_public and self.has_change_permission(request, obj):
                context["reviewer_links"] = {
                    "withdrawn": obj.status == Article.Status.WITHDRAWN,
                    "live": [
                        (link, settings.SITE_URL + link.get_absolute_url())
                        for link in obj.preview_links.live().select_related("created_by")
                    ],
                    "lifetime": _lifetime(settings.PREVIEW_LINK_MAX_AGE),
                    "create_url": reverse(
                        "admin:articles_article_preview_link_create", args=[obj.pk]
                    ),
                    "revoke_url": reverse(
                        "admin:articles_article_preview_link_revoke", args=[obj.pk]
                    ),
                }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _autosave_context(self, request, article, form):
        """Where the form's script sends the editor's unsaved text, and the text it kept
        last time, if the form as loaded does not hold it (a crash, a closed tab). A new
        article's form (`article` None) is given a key of its own, and offered the
        newest text kept of a new article."""
        kept = None
        if not form.is_bound:
            autosaves = (
                Autosave.objects.new_articles(request.user)
                if article is None
                else Autosave.objects.filter(article=article, user=request.user)
            )
            autosave = autosaves.first()
            loaded = {name: form[name].value() for name in AUTOSAVED_FIELDS if name in form.fields}
            if "tags" in loaded and not isinstance(loaded["tags"], str):
                loaded["tags"] = format_tag_names(tag.name for tag in loaded["tags"] or [])
            if autosave and autosave.differs_from(loaded):
                kept = {
                    "saved_at": autosave.saved_at,
                    "fields": json.dumps(autosave.fields),
                    "form_key": autosave.form_key,
                }
        context = {
            "url": reverse("admin:articles_article_autosave", args=[article.pk])
            if article is not None
            else reverse("admin:articles_article_add_autosave"),
            "fields": " ".join(AUTOSAVED_FIELDS),
            "seconds": AUTOSAVE_SECONDS,
            "kept": kept,
        }
        if article is None:
            # A form shown again with its errors keeps its key.
            posted = request.POST.get("autosave_form_key", "")
            context["form_key"] = posted if FORM_KEY.fullmatch(posted) else uuid.uuid4().hex
        return context

    # Reviewer links: made and revoked from the article's form, by POST only, by whoever
    # may change the article.

    def _article_for_links(self, request, object_id):
        if request.method != "POST":
            return None
        article = get_object_or_404(Article, pk=object_id)
        if not self.may_write(request, article):
            raise PermissionDenied
        return article

    def create_preview_link_view(self, request, object_id):
        article = self._article_for_links(request, object_id)
        if article is None:
            return HttpResponseNotAllowed(["POST"])
        if article.is_public or article.status == Article.Status.WITHDRAWN:
            self.message_user(
                request,
                "No reviewer link for a public or withdrawn article: nothing to preview.",
                messages.ERROR,
            )
        else:
            PreviewLink.objects.create_for(article, request.user)
            self.log_change(request, article, "Made a reviewer link.")
            self.message_user(
                request,
                f"New reviewer link: it expires in {_lifetime(settings.PREVIEW_LINK_MAX_AGE)}.",
                messages.SUCCESS,
            )
        return redirect("admin:articles_article_change", article.pk)

    def revoke_preview_link_view(self, request, object_id):
        article = self._article_for_links(request, object_id)
        if article is None:
            return HttpResponseNotAllowed(["POST"])
        link_id = request.POST.get("link", "")
        if not link_id.isdigit():
            raise Http404("No such reviewer link.")
        link = get_object_or_404(PreviewLink, pk=link_id, article=article)
        if link.revoked_at is None:
            link.revoke()
            self.log_change(request, article, "Revoked a reviewer link.")
        self.message_user(request, "The reviewer link is revoked: it no longer opens the article.")
        return redirect("admin:articles_article_change", article.pk)

    # Actions -------------------------------------------------------------------------

    @admin.action(permissions=["publish"], description="Publish selected articles")
    def publish_selected(self, request, queryset):
        """Publish now, or at the article's own future time; skip what is not ready."""
        with acting_as(origin="the “Publish” action"):
            self._publish(request, queryset)

    def _publish(self, request, queryset):
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
        with acting_as(origin="the “Unpublish” action"):
            self._unpublish(request, queryset)

    def _unpublish(self, request, queryset):
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


def _hold_pending_change(article, pending):
    """Make `article` (read by for_detail()) show the draft of a change, in memory: its
    fields, its body rendered, and those of its tags that exist already."""
    pending.applied_to(article, check=False)
    article.body_html = render_markdown(article.body)
    names = pending.tag_names
    tags = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    shown = Tag.objects.filter(pk__in=[tag.pk for tag in tags.values()])
    shown._result_cache = [tags[name] for name in names if name in tags]
    shown._prefetch_done = True
    article._prefetched_objects_cache["tags"] = shown


def _lifetime(seconds):
    """ "7 days", "12 hours": how long a new reviewer link lasts."""
    if seconds >= 86400:
        number, unit = round(seconds / 86400), "day"
    else:
        number, unit = max(1, seconds // 3600), "hour"
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"


def _count(items):
    number = items if isinstance(items, int) else len(items)
    return f"{number} article" if number == 1 else f"{number} articles"
