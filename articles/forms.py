"""Admin forms: the editor's desk rules that need a form rather than a model."""

import csv
import re

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

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
    PendingChange,
    Revision,
    Tag,
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


class LoadedRevisionField(forms.IntegerField):
    """The revision an article's form was loaded from (hidden): never a change of its own."""

    widget = forms.HiddenInput

    def has_changed(self, initial, data):
        return False


def plain_newlines(data, names):
    """`data` with the line breaks of the fields `names` as "\n": browsers send a
    textarea's as CRLF (as HTML says they must), and text stored so would differ from the
    same text imported or autosaved, down to its revisions' diffs."""
    if not any("\r" in value for name in names for value in data.getlist(name)):
        return data
    data = data.copy()
    for name in names:
        data.setlist(name, [value.replace("\r\n", "\n") for value in data.getlist(name)])
    return data


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
        help_text="Readers see this article now: when you publish this change, choose how "
        "they are told of it.",
    )
    correction = Correction._meta.get_field("text").formfield(
        label="Correction note",
        required=False,
        validators=Correction._meta.get_field("text").validators,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required for a correction, published as written: what was wrong, and what "
        "is right.",
    )
    publish_change_at = forms.SplitDateTimeField(
        label="Publish at",
        required=False,
        widget=AdminSplitDateTime,
        help_text="Empty: now. A time to come schedules the change, as a future publication "
        "time schedules an article; readers see the published version until then.",
    )
    LIVE_CHANGE_FIELDS = ("change_kind", "correction", "publish_change_at")
    # The button of an Editor publishing the draft of a change to a live article.
    PUBLISH_CHANGE = "_publish_change"
    # The newer revision (or draft of a change) a save was refused over, if it was.
    newer_revision = None

    loaded_revision = LoadedRevisionField(required=False)
    # The version of the article's pending change the form was loaded from (0: none).
    loaded_pending = LoadedRevisionField(required=False)

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
        if self.is_bound:
            self.data = plain_newlines(self.data, self._textarea_names())
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
        if self.instance.pk and not self.is_bound:
            self.initial["loaded_revision"] = (
                Revision.objects.filter(article=self.instance).values_list("pk", flat=True).first()
            )
        # A live article's form shows its pending change (ArticleAdmin.get_object()).
        self.pending = getattr(self.instance, "pending", None)
        if self.pending is not None:
            # Changed or not as against the draft, whose tags the instance cannot hold.
            self.initial["tags"] = [Tag(name=name) for name in self.pending.tag_names]
        if self.instance.pk and not self.is_bound:
            self.initial["loaded_pending"] = self.pending.version if self.pending else 0
        self.publishing_change = self.is_bound and self.PUBLISH_CHANGE in self.data
        if "status" in self.fields and not self.can_publish:
            self.fields["status"].choices = [(Article.Status.DRAFT, Article.Status.DRAFT.label)]
            self.fields["status"].help_text = "Only editors can publish."
        if not self.asks_kind_of_change:
            for name in self.LIVE_CHANGE_FIELDS:
                self.fields.pop(name, None)

    def _textarea_names(self):
        return [
            self.add_prefix(name)
            for name, field in self.fields.items()
            if isinstance(field.widget, forms.Textarea)
        ]

    def clean(self):
        cleaned_data = super().clean()
        loaded = cleaned_data.get("loaded_revision")
        if self.instance.pk and loaded is not None:
            self._refuse_to_overwrite_a_newer_revision(loaded)
            pending = cleaned_data.get("loaded_pending")
            if pending is not None:
                self._refuse_to_overwrite_a_newer_pending_change(pending)
        if "change_kind" in self.fields and "status" in cleaned_data:
            self._check_kind_of_change(cleaned_data)
        return cleaned_data

    def _check_kind_of_change(self, cleaned_data):
        """A change to a public article says how readers are told of it (a correction
        with its note)."""
        kind, note = cleaned_data.get("change_kind"), cleaned_data.get("correction", "")
        if cleaned_data["status"] != Article.Status.PUBLISHED or not self.publishing_change:
            # Withdrawn or unpublished by this save, or saved as a draft of the change
            # (asked again when it is published): there is nothing to tell readers yet.
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

    def _refuse_to_overwrite_a_newer_revision(self, loaded):
        """No lost work: a save over a revision newer than the one the form was loaded
        from is refused, naming who made it and when; the editor's text stays in the form
        (ArticleAdmin shows the newer version beside it), which now carries the newer
        revision, so that saving again replaces it knowingly. A form without the field
        (a script's POST) is not checked."""
        # Locked until the admin's transaction ends: two saves of one article take turns.
        Article.objects.select_for_update().filter(pk=self.instance.pk).exists()
        newest = Revision.objects.filter(article=self.instance).select_related("user").first()
        if newest is None or newest.pk == loaded:
            return
        self.newer_revision = newest
        self.data = self.data.copy()
        self.data[self.add_prefix("loaded_revision")] = newest.pk
        when = date_format(timezone.localtime(newest.created_at), "j F Y, H:i:s")
        raise ValidationError(
            f"Not saved: {newest.who} changed this article at {when}, after you opened it "
            f"(revision {newest.pk}, {newest.get_kind_display().lower()}). Your version is "
            "kept in the form below, and how theirs differs is shown above it. Saving "
            "again replaces their version with yours."
        )

    def _refuse_to_overwrite_a_newer_pending_change(self, loaded):
        """The same, for the draft of a change to a live article: saving over a version
        of it saved (or published, or discarded) since the form was loaded is refused."""
        newest = (
            PendingChange.objects.filter(article=self.instance).select_related("updated_by").first()
        )
        if (newest.version if newest else 0) == loaded:
            return
        self.data = self.data.copy()
        self.data[self.add_prefix("loaded_pending")] = newest.version if newest else 0
        if newest is None:
            raise ValidationError(
                "Not saved: the draft of a change you opened was published or discarded "
                "after you opened it. Your version is kept in the form below; saving again "
                "makes it the draft of a new change."
            )
        self.newer_revision = newest
        when = date_format(timezone.localtime(newest.updated_at), "j F Y, H:i:s")
        raise ValidationError(
            f"Not saved: {newest.who} saved the draft of a change to this article at {when}, "
            "after you opened it. Your version is kept in the form below, and how theirs "
            "differs is shown above it. Saving again replaces their draft with yours."
        )

    def clean_status(self):
        status = self.cleaned_data["status"]
        if not self.can_publish and status != Article.Status.DRAFT:
            # The choices already refuse it; this names the rule for a forged request.
            raise ValidationError("Only editors can publish or withdraw an article.")
        return status


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
