import re

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
        from django import forms

        kwargs.setdefault("validators", [validate_web_url])
        kwargs.setdefault("form_class", forms.URLField)
        kwargs.setdefault("assume_scheme", "https")
        return super().formfield(**kwargs)
