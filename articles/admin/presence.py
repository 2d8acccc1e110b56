"""Who else has an article's form open, shown in the form (articles/presence.py keeps
it; static/admin/articles/presence.js asks). Only whoever may change the article says
they have it open and hears who else has: a Writer looking at a published article, which
they may not change, is neither told nor counted."""

from django import forms
from django.contrib.admin.utils import unquote
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.text import get_text_list

from .. import presence
from ..models import Article


class ArticlePresenceMixin:
    """An ArticleAdmin's presence endpoint, the form's status line and its script."""

    @property
    def media(self):
        return super().media + forms.Media(
            js=["admin/articles/presence.js"], css={"all": ["admin/articles/presence.css"]}
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/presence/",
                self.admin_site.admin_view(self.presence_view),
                name="articles_article_presence",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk and self.has_change_permission(request, obj):
            context["presence"] = {
                "url": reverse("admin:articles_article_presence", args=[obj.pk]),
                "seconds": presence.PRESENCE_SECONDS,
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def presence_view(self, request, object_id):
        """POSTed by an open form: records the signed-in user there and answers who else
        is (JSON); with `left`, forgets them (the page is being closed)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        pk = unquote(object_id)
        # Asked every few seconds by every open form: its id, and what decides who may
        # change it (whether it is live), are all the answer needs.
        article = (
            Article.objects.only("pk", "status", "published_at").filter(pk=pk).first()
            if pk.isdigit()
            else None
        )
        if article is None:
            return JsonResponse({"message": "This article no longer exists."}, status=404)
        if not self.has_change_permission(request, article):
            return JsonResponse({"message": "You may not change this article."}, status=403)
        if request.POST.get("left"):
            presence.has_left(article.pk, request.user)
            return HttpResponse(status=204)
        others = presence.is_open(article.pk, request.user)
        return JsonResponse(
            {
                "others": [
                    {"name": other.name, "since": other.since.isoformat()} for other in others
                ],
                "message": _sentence(others),
            }
        )


def _sentence(others):
    if not others:
        return ""
    since = [date_format(other.since, "H:i") for other in others]
    if len(others) == 1:
        return f"{others[0].name} has this article open (since {since[0]})."
    names = [f"{other.name} (since {when})" for other, when in zip(others, since, strict=True)]
    return f"{get_text_list(names, 'and')} have this article open."
