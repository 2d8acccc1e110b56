"""Autosaves: an editor's unsaved text of an article's form, sent by the form every few
seconds (static/admin/articles/autosave.js) so that a crashed browser or a closed tab
loses nothing. Private to that editor: never public, never a revision, one per editor and
article, replaced by each autosave and deleted once the form is saved (or discarded)."""

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


class AutosaveQuerySet(models.QuerySet):
    def keep(self, article, user, fields: dict[str, str]):
        """Keep `fields` (name → text, names from AUTOSAVED_FIELDS) as this editor's
        unsaved text of the article, in place of any earlier one."""
        fields = {
            name: str(fields[name])[:AUTOSAVE_MAX_CHARS]
            for name in AUTOSAVED_FIELDS
            if name in fields
        }
        return self.update_or_create(
            article=article,
            user=user,
            defaults={"fields": fields, "saved_at": timezone.now()},
        )[0]


class Autosave(models.Model):
    # Deleted with the article by the write path's deleting(), like its revisions.
    article = models.ForeignKey("Article", on_delete=models.DO_NOTHING, related_name="autosaves")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    fields = models.JSONField(help_text="The form's text fields, by name, as typed.")
    saved_at = models.DateTimeField(default=timezone.now)

    objects = AutosaveQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="unique_autosave_per_editor")
        ]

    def __str__(self):
        return f"Unsaved text of article {self.article_id}"

    def differs_from(self, form_values: dict[str, str]) -> bool:
        """Whether it holds text the form as loaded does not."""
        return any(
            " ".join(str(value).split()) != " ".join(str(form_values.get(name, "")).split())
            for name, value in self.fields.items()
        )
