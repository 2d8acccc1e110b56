from django.core.validators import URLValidator
from django.db import models

validate_web_url = URLValidator(schemes=["http", "https"])


class WebURLField(models.URLField):
    """A URL that may only be http or https (no javascript:, data:, ftp:)."""

    default_validators = [validate_web_url]

    def formfield(self, **kwargs):
        from django import forms

        kwargs.setdefault("validators", [validate_web_url])
        kwargs.setdefault("form_class", forms.URLField)
        kwargs.setdefault("assume_scheme", "https")
        return super().formfield(**kwargs)
