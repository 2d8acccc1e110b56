"""Revisions on the editor's desk: each article's history (its History link), the
difference between any two of its revisions, restoring one (as a new revision), and the
audit list of every revision, filterable by user and by what was done.

Whoever may see an article in the admin sees its history; whoever may change it (see
permissions.py: Editors anything, Writers drafts) may restore. No one changes or deletes
a revision here: prune_revisions does, by the retention policy.
"""

from datetime import datetime

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from .. import diffing
from ..changes import announced_together
from ..models import Article, ArticleAuthor, Author, Autosave, CannotPublish, Figure, Revision
from ..models.autosave import FORM_KEY
from ..models.revision import AUTHORS, HELD_WHEN_SET, SNAPSHOT_FIELDS, TAGS

HISTORY_PER_PAGE = 100
VALUE_FIELDS = {"lead_figure", "status", "published_at", "slug"}  # replaced whole, not by word


class ArticleHistoryMixin:
    """An ArticleAdmin's History page, comparison and restore views."""

    def get_urls(self):
        def view(function, route, name):
            return path(route, self.admin_site.admin_view(function), name=name)

        return [
            view(
                self.compare_view,
                "<path:object_id>/history/compare/",
                "articles_article_compare",
            ),
            view(
                self.restore_view,
                "<path:object_id>/history/<int:revision_id>/restore/",
                "articles_article_restore",
            ),
            # Before the article's own: "add" would be taken for an article's id.
            view(self.new_article_autosave_view, "add/autosave/", "articles_article_add_autosave"),
            view(self.autosave_view, "<path:object_id>/autosave/", "articles_article_autosave"),
            *super().get_urls(),
        ]

    def _article(self, request, object_id):
        pk = unquote(object_id)
        article = Article.objects.filter(pk=pk).first() if pk.isdigit() else None
        if article is None:
            raise Http404("No such article.")
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        return article

    def _context(self, request, article, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "article": article,
            "title": title,
            "subtitle": str(article),
            "can_restore": self.may_write(request, article),
            **extra,
        }

    def history_view(self, request, object_id, extra_context=None):
        """The article's revisions, newest first, a page at a time."""
        article = self._article(request, object_id)
        page = Paginator(article.revisions.for_history(), HISTORY_PER_PAGE).get_page(
            request.GET.get("page")
        )
        revisions = list(page)
        # Each row's "changes" compare it with the one before (the next row, or the next page).
        for revision, older in zip(revisions, [*revisions[1:], None], strict=True):
            revision.older_id = older.pk if older else None
        context = self._context(
            request,
            article,
            "History",
            page=page,
            revisions=revisions,
            newest_id=article.revisions.values_list("pk", flat=True).first()
            if page.number > 1
            else (revisions[0].pk if revisions else None),
            **(extra_context or {}),
        )
        return TemplateResponse(request, "admin/articles/article/history.html", context)

    def compare_view(self, request, object_id):
        """Two revisions of the article side by side: `?from=` (by default the one before
        `to`) and `?to=` (by default the newest)."""
        article = self._article(request, object_id)
        revisions = article.revisions.select_related("user")
        newer = _revision(revisions, request.GET.get("to"))
        if newer is None:
            raise Http404("No such revision of this article.")
        older_id = request.GET.get("from")
        older = (
            _revision(revisions, older_id)
            if older_id
            else revisions.filter(pk__lt=newer.pk).first()
        )
        if older_id and older is None:
            raise Http404("No such revision of this article.")
        context = self._context(
            request,
            article,
            f"Revision {newer.pk}" if older is None else f"Revisions {older.pk} and {newer.pk}",
            older=older,
            newer=newer,
            changes=snapshot_changes(older.snapshot if older else {}, newer.snapshot),
            newest_id=revisions.values_list("pk", flat=True).first(),
        )
        return TemplateResponse(request, "admin/articles/article/revision_compare.html", context)

    def restore_view(self, request, object_id, revision_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article(request, object_id)
        # A restore writes the article: not a Writer's to do to a live one.
        if not self.may_write(request, article):
            raise PermissionDenied
        revision = get_object_or_404(Revision, pk=revision_id, article=article)
        try:
            with announced_together(), transaction.atomic():
                restored = article.restore(revision)
        except CannotPublish as error:
            self.message_user(
                request,
                f"Revision {revision.pk} cannot be restored while the article is "
                f"{article.status_label.lower()}: {' '.join(error.messages)}",
                messages.ERROR,
            )
            return redirect("admin:articles_article_history", article.pk)
        if restored:
            self.message_user(
                request,
                f"Restored revision {revision.pk}: it is the article's newest revision now.",
                messages.SUCCESS,
            )
        else:
            self.message_user(request, f"The article already holds revision {revision.pk}.")
        return redirect("admin:articles_article_history", article.pk)

    def autosave_view(self, request, object_id):
        """Keep the signed-in editor's unsaved text of the article (the form's script
        posts it; JSON answer), or with `discard`, delete it (back to the form)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article(request, object_id)
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        if request.POST.get("discard"):
            Autosave.objects.filter(article=article, user=request.user).delete()
            self.message_user(request, "Your unsaved text is discarded.")
            return redirect("admin:articles_article_change", article.pk)
        return _kept(Autosave.objects.keep(article, request.user, request.POST))

    def new_article_autosave_view(self, request):
        """autosave_view for a new article's form, its text kept under the `form_key` the
        form was given; by whoever may add articles."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        form_key = request.POST.get("form_key", "")
        if not FORM_KEY.fullmatch(form_key):
            return JsonResponse(
                {"message": "Autosave refused: form_key must be 32 hexadecimal digits."},
                status=400,
            )
        if request.POST.get("discard"):
            Autosave.objects.new_articles(request.user).filter(form_key=form_key).delete()
            self.message_user(request, "Your unsaved text is discarded.")
            return redirect("admin:articles_article_add")
        return _kept(Autosave.objects.keep(None, request.user, request.POST, form_key=form_key))


def _kept(autosave):
    when = date_format(timezone.localtime(autosave.saved_at), "H:i:s")
    return JsonResponse({"message": f"Unsaved text kept for you at {when}."})


def _revision(revisions, revision_id):
    if not (revision_id or "").isdigit():
        return revisions.first() if revision_id is None else None
    return revisions.filter(pk=revision_id).first()


def snapshot_changes(old: dict, new: dict) -> list[tuple[str, str]]:
    """(label, safe HTML) of each field that differs between two snapshots."""
    figures = (
        {
            figure.pk: figure
            for figure in Figure.objects.filter(
                pk__in={old.get("lead_figure"), new.get("lead_figure")} - {None}
            )
        }
        if old.get("lead_figure") != new.get("lead_figure")
        else {}
    )
    changes = []
    for name in (*SNAPSHOT_FIELDS, *HELD_WHEN_SET, TAGS, AUTHORS):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        if name == AUTHORS:
            # A revision from before authors were recorded (or a form's version, whose
            # authors are not known here) says nothing of them: no difference to show.
            if (AUTHORS not in old and old) or AUTHORS not in new:
                continue
            changes.append(("Authors", _authors_diff(before or [], after or [])))
            continue
        label = "Tags" if name == TAGS else Article._meta.get_field(name).verbose_name
        if name == TAGS:
            html = diffing.list_diff(before or [], after or [])
        elif name in VALUE_FIELDS:
            shown = _shown_value(name, figures)
            html = diffing.value_diff(shown(before), shown(after))
        else:
            html = diffing.text_diff(before or "", after or "")
        changes.append((label[:1].upper() + label[1:], html))
    return changes


def _authors_diff(before, after):
    """Each side's authors by name, with their role unless it is the usual one; an author
    deleted since by id."""
    ids = {line["author"] for line in (*before, *after)}
    names = dict(Author.objects.filter(pk__in=ids).values_list("pk", "name"))
    roles = dict(ArticleAuthor.Role.choices)

    def shown(line):
        name = names.get(line["author"], f"author {line['author']}, since deleted")
        if line["role"] == ArticleAuthor.Role.AUTHOR:
            return name
        return f"{name} ({roles.get(line['role'], line['role']).lower()})"

    return diffing.list_diff([shown(line) for line in before], [shown(line) for line in after])


def _shown_value(name, figures):
    def shown(value):
        if value is None or value == "":
            return ""
        if name == "lead_figure":
            figure = figures.get(value)
            return f"{figure} (figure {value})" if figure else f"figure {value}, since deleted"
        if name == "published_at":
            return date_format(timezone.localtime(datetime.fromisoformat(value)), "j F Y, H:i")
        if name == "status":
            return Article.Status(value).label
        return str(value)

    return shown


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    """The audit: who published, withdrew, restored or edited what, and when."""

    list_display = ("created_at", "article_column", "kind", "who_column", "was_public", "changes")
    list_display_links = None
    list_filter = ("kind", ("user", admin.RelatedOnlyFieldListFilter), "was_public")
    list_select_related = ("article", "user")
    search_fields = ("article__headline", "article__title", "origin")
    date_hierarchy = "created_at"
    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .defer(
                "snapshot",
                *(f"article__{name}" for name in ("body", "body_html", "search_vector", "lede")),
            )
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Article", ordering="article__headline")
    def article_column(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:articles_article_history", args=[obj.article_id]),
            obj.article,
        )

    @admin.display(description="Who", ordering="user__username")
    def who_column(self, obj):
        return obj.who

    @admin.display(description="Changes")
    def changes(self, obj):
        url = reverse("admin:articles_article_compare", args=[obj.article_id])
        return format_html('<a href="{}?to={}">Revision {}</a>', url, obj.pk, obj.pk)
