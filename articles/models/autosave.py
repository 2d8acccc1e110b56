"""Autosaves: an editor's unsaved text of an article's form, sent by the form every few
seconds (static/admin/articles/autosave.js) so that a crashed browser or a closed tab
loses nothing. Private to that editor: never public, never a revision, one per editor and
article, replaced by each autosave and deleted once the form is saved (or discarded).

A new article's form has no article yet: its text is kept under the editor and a key
the form was given when it was opened (`form_key`), so that two new articles typed in two
tabs keep two texts. The add form offers the newest back, then, once that one is saved
or discarded, the next.
"""

import re

from django.conf import settings
from django.db import models
from django.utils import timezone

# The form's fields an autosave keeps: the text an editor types.
AUTOSAVED_FIELDS = (
    "headline",
    "byline",
    "lede",
    "body",
    "title",
    "description",
    "social_title",
    "social_description",
    "tags",
)
# How often the form sends its text, when it changed (handed to the script by the page).
AUTOSAVE_SECONDS = 5
# Longer than any field may be (the body's own limit is checked when the form is saved).
AUTOSAVE_MAX_CHARS = 400_000
# New articles' texts an editor keeps at most: the oldest beyond go.
NEW_ARTICLE_AUTOSAVES_KEPT = 10
FORM_KEY = re.compile(r"[0-9a-f]{32}")


class AutosaveQuerySet(models.QuerySet):
    def keep(self, article, user, fields: dict[str, str], *, form_key=""):
        """Keep `fields` (name → text, names from AUTOSAVED_FIELDS) as this editor's
        unsaved text of the article, in place of any earlier one; of a new article (None)
        with the `form_key` its form was given."""
        fields = {
            name: str(fields[name])[:AUTOSAVE_MAX_CHARS]
            for name in AUTOSAVED_FIELDS
            if name in fields
        }
        if article is not None:
            form_key = ""
        elif not FORM_KEY.fullmatch(form_key):
            raise ValueError(f"form_key must be 32 hexadecimal digits, got {form_key!r}.")
        kept = self.update_or_create(
            article=article,
            user=user,
            form_key=form_key,
            defaults={"fields": fields, "saved_at": timezone.now()},
        )[0]
        if article is None:
            older = self.new_articles(user).values_list("pk", flat=True)[
                NEW_ARTICLE_AUTOSAVES_KEPT:
            ]
            self.filter(pk__in=list(older)).delete()
        return kept

    def new_articles(self, user):
        """The editor's unsaved texts of new articles, newest first."""
        return self.filter(article=None, user=user).order_by("-saved_at", "-pk")


class Autosave(models.Model):
    # Deleted with the article by the write path's deleting(), like its revisions.
    article = models.ForeignKey(
        "Article",
        on_delete=models.DO_NOTHING,
        related_name="autosaves",
        null=True,
        blank=True,
        help_text="None for the text of a new article, not saved yet.",
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    fields = models.JSONField(help_text="The form's text fields, by name, as typed.")
    saved_at = models.DateTimeField(default=timezone.now)
    form_key = models.CharField(
        max_length=32,
        blank=True,
        help_text="A new article's form (article None): the key it was given when opened.",
    )

    objects = AutosaveQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="unique_autosave_per_editor"),
            models.UniqueConstraint(
                fields=["user", "form_key"],
                condition=models.Q(article=None),
                name="unique_new_article_autosave",
            ),
        ]

    def __str__(self):
        if self.article_id is None:
            return "Unsaved text of a new article"
        return f"Unsaved text of article {self.article_id}"

    def differs_from(self, form_values: dict[str, str]) -> bool:
        """Whether it holds text the form as loaded does not."""
        return any(
            " ".join(str(value).split()) != " ".join(str(form_values.get(name, "")).split())
            for name, value in self.fields.items()
        )
