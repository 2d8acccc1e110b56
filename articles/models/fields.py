import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models

# What XML 1.0 cannot carry (tab and line breaks aside; lone surrogates never reach a
# database). One of them in a headline made Django's feed writer raise, so the feeds
# answered 500 to every reader.
XML_FORBIDDEN_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def control_character_problem(value: str, *, with_line=False) -> str | None:
    """What is wrong with `value` if it holds a character web pages and feeds cannot
    carry, written to follow a field's name (and, `with_line`, where it is in text of
    several lines, since it is invisible); None if nothing is."""
    found = XML_FORBIDDEN_CHARACTERS.search(value)
    if not found:
        return None
    character = found.group()
    kind = "control character" if character < " " else "non-character"
    where = ""
    if with_line and "\n" in value:
        where = f" (line {value.count(chr(10), 0, found.start()) + 1})"
    return (
        f"contains a {kind} (U+{ord(character):04X}) that web pages and feeds cannot carry{where}"
    )


def reject_control_characters(value):
    """The validator of every text field that readers or feeds see."""
    problem = control_character_problem(value, with_line=True)
    if problem:
        raise ValidationError(f"This text {problem}; delete it.", code="control_character")


def strip_control_characters(text):
    """`text` without what reject_control_characters refuses: for rows written past it
    (a data migration, a shell), where XML is produced."""
    return XML_FORBIDDEN_CHARACTERS.sub("", text)


validate_web_url = URLValidator(schemes=["http", "https"])


class WebURLField(models.URLField):
    """A URL that may only be http or https (no javascript:, data:, ftp:)."""

    default_validators = [validate_web_url, reject_control_characters]

    def formfield(self, **kwargs):
        kwargs.setdefault("validators", [validate_web_url])
        kwargs.setdefault("form_class", forms.URLField)
        kwargs.setdefault("assume_scheme", "https")
        return super().formfield(**kwargs)


def validate_web_url_list(value):
    """A list of distinct http or https addresses (an author's website and profiles)."""
    if not isinstance(value, list):
        raise ValidationError("Give a list of addresses.", code="invalid")
    for url in value:
        if not isinstance(url, str):
            raise ValidationError("Each address must be text.", code="invalid")
        try:
            validate_web_url(url)
            reject_control_characters(url)
        except ValidationError:
            raise ValidationError(
                "“%(url)s” is not an http or https address.", code="invalid", params={"url": url}
            ) from None
    if len(set(value)) < len(value):
        raise ValidationError("An address is listed twice.", code="duplicate")


class WebURLListField(models.JSONField):
    """A list of http or https addresses, stored as JSON: read with the row that holds it
    (no join), edited in forms one address a line."""

    default_validators = [validate_web_url_list]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return models.Field.formfield(self, **{"form_class": WebURLListFormField, **kwargs})


class WebURLListFormField(forms.CharField):
    """One address a line; blank lines are dropped."""

    widget = forms.Textarea(attrs={"rows": 4})

    def __init__(self, *, encoder=None, decoder=None, **kwargs):
        kwargs.setdefault("help_text", "One address a line.")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        return [line.strip() for line in (value or "").splitlines() if line.strip()]

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        validate_web_url_list(value)

    def has_changed(self, initial, data):
        return (initial or []) != self.to_python(data)
