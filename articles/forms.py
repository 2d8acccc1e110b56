"""Admin forms: the editor's desk rules that need a form rather than a model."""

import csv
import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.urls import reverse

from . import images
from .models import (
    DESCRIPTION_MAX,
    HEADLINE_MAX,
    SOCIAL_TITLE_MAX,
    TAG_NAME_MAX,
    TITLE_MAX,
    Article,
    ChangeKind,
    Correction,
    Figure,
    control_character_problem,
)

# Recommended lengths the admin's live character counters measure against.
RECOMMENDED_LENGTHS = {
    "headline": HEADLINE_MAX,
    "title": TITLE_MAX,
    "description": DESCRIPTION_MAX,
    "social_title": SOCIAL_TITLE_MAX,
    "social_description": DESCRIPTION_MAX,
}


def parse_tag_names(text: str) -> list[str]:
    """The tag names in `text`, in the order written, each once (the first spelling,
    regardless of case). Names are separated by commas (or line breaks); one holding a
    comma is written in double quotes, as in CSV ("Oil, gas", with "" for a quote)."""
    text = re.sub(r"[\r\n]+", ",", text)
    names, seen = [], set()
    for cell in next(csv.reader([text], skipinitialspace=True)):
        name = " ".join(cell.split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


def format_tag_names(names) -> str:
    """What parse_tag_names() reads back as `names`."""
    return ", ".join(
        '"' + name.replace('"', '""') + '"' if "," in name or name.startswith('"') else name
        for name in names
    )


class TagNamesInput(forms.TextInput):
    """The tags, as typed, with existing tags offered while typing (tag_names.js asks
    the admin's names endpoint, whose address it reads from data-tag-names-url)."""

    class Media:
        js = ("admin/articles/tag_names.js",)
        css = {"all": ("admin/articles/tag_names.css",)}

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def get_context(self, name, value, attrs):
        attrs = {**(attrs or {}), "data-tag-names-url": reverse("admin:articles_tag_names")}
        return super().get_context(name, value, attrs)

    def format_value(self, value):
        if value is not None and not isinstance(value, str):
            value = format_tag_names(tag.name for tag in value)
        return super().format_value(value)


class TagNamesField(forms.CharField):
    """An article's tags as comma-separated names, kept in the order typed. A name feeds
    cannot carry, or one longer than the column, is refused naming it."""

    widget = TagNamesInput

    def clean(self, value):
        names = parse_tag_names(super().clean(value))
        for name in names:
            problem = control_character_problem(name)
            if problem:
                raise ValidationError(f"The tag “{name}” {problem}; delete it.")
            if len(name) > TAG_NAME_MAX:
                raise ValidationError(
                    f"The tag “{name[:40]}…” is {len(name)} characters; the limit is "
                    f"{TAG_NAME_MAX}."
                )
        return names

    def has_changed(self, initial, data):
        if self.disabled:
            return False
        try:
            names = self.clean(data)
        except ValidationError:
            return True
        # A new order is a change.
        return [tag.name for tag in initial or []] != names


CHANGE_KIND_HELP = {
    ChangeKind.MINOR_FIX: "a typo, a broken link, wording: readers are not told, and the "
    "“Updated” time stays as it is.",
    ChangeKind.UPDATE: "new information: the article shows “Updated” with the time of this "
    "save, and search engines are told it changed.",
    ChangeKind.CORRECTION: "something published was wrong: as an update, and the note below "
    "is published in the article's corrections and on the corrections page.",
}


class ArticleAdminForm(forms.ModelForm):
    # Set by ArticleAdmin.get_form() from the requesting user's permissions, and whether
    # the article being changed is public (so its readers are told of the change).
    can_publish = False
    asks_kind_of_change = False

    # LIVE_CHANGE_FIELDS, asked only when saving a public article: how readers are told.
    change_kind = forms.ChoiceField(
        label="Kind of change",
        choices=[(kind.value, f"{kind.label}: {help}") for kind, help in CHANGE_KIND_HELP.items()],
        widget=forms.RadioSelect,
        required=False,  # but see clean(): required while the article stays published
        help_text="Readers see this article now: choose how they are told of this change.",
    )
    correction = Correction._meta.get_field("text").formfield(
        label="Correction note",
        required=False,
        validators=Correction._meta.get_field("text").validators,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required for a correction, published as written: what was wrong, and what "
        "is right.",
    )
    LIVE_CHANGE_FIELDS = ("change_kind", "correction")

    class Meta:
        model = Article
        fields = (
            "headline",
            "byline",
            "lede",
            "body",
            "lead_figure",
            "title",
            "description",
            "social_title",
            "social_description",
            "status",
            "published_at",
            "slug",
            "section",
            "tags",
            "source_url",
            "extra_metadata",
        )
        field_classes = {"tags": TagNamesField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, length in RECOMMENDED_LENGTHS.items():
            if name in self.fields:
                self.fields[name].widget.attrs["data-recommended-length"] = length
        if "slug" in self.fields and self.instance.pk and self.instance.is_public:
            # The instance still holds the stored slug here, even in a bound form.
            path = self.instance.get_absolute_url()
            self.fields["slug"].widget.attrs["data-change-warning"] = (
                f"Readers know this article at {path}: with a new slug, the old address "
                f"{path} will redirect to the new one."
            )
        if "status" in self.fields and not self.can_publish:
            self.fields["status"].choices = [(Article.Status.DRAFT, Article.Status.DRAFT.label)]
            self.fields["status"].help_text = "Only editors can publish."
        if not self.asks_kind_of_change:
            for name in self.LIVE_CHANGE_FIELDS:
                self.fields.pop(name, None)

    def clean(self):
        cleaned_data = super().clean()
        if "change_kind" not in self.fields or "status" not in cleaned_data:
            return cleaned_data
        kind, note = cleaned_data.get("change_kind"), cleaned_data.get("correction", "")
        if cleaned_data["status"] != Article.Status.PUBLISHED:
            # Withdrawn or unpublished by this save: there is nothing to tell readers.
            cleaned_data["change_kind"] = ""
        elif not kind:
            # Not required by the browser: an editor who withdraws need not choose.
            self.add_error(
                "change_kind", "Choose the kind of change: minor fix, update or correction."
            )
        elif kind == ChangeKind.CORRECTION and not note:
            self.add_error(
                "correction", "A correction needs a note telling readers what was wrong."
            )
        elif kind != ChangeKind.CORRECTION and note:
            self.add_error(
                "correction",
                "A note is published only with a correction: choose “Correction”, or empty "
                "the note.",
            )
        return cleaned_data


class FigureAdminForm(forms.ModelForm):
    class Meta:
        model = Figure
        fields = ("image", "alt_text", "caption", "credit", "original_url", "original_path")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A read-only page's form has no fields.
        if "alt_text" in self.fields:
            # Imports may leave it blank; an editor adding or changing a figure may not.
            self.fields["alt_text"].required = True
        if "image" in self.fields:
            # Django's own check lists every extension Pillow knows (PDF, PSD, TIFF…),
            # most of which are refused anyway.
            self.fields["image"].validators = [
                FileExtensionValidator(
                    images.FILE_EXTENSIONS,
                    message="Upload a JPEG, PNG, WebP or GIF file; “%(value)s” is not one.",
                )
            ]

    def clean_alt_text(self):
        alt_text = self.cleaned_data["alt_text"].strip()
        if not alt_text:
            raise ValidationError("Describe the image for readers who cannot see it.")
        return alt_text
