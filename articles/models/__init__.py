"""The content model, one module per concern: credits and licences, figures and their
renditions, articles and their tags."""

from .article import (
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    HEADLINE_MAX,
    LEAD_IMAGE_MIN_WIDTH,
    SEARCH_CONFIG,
    SOCIAL_TITLE_MAX,
    TITLE_MAX,
    Article,
    ArticleQuerySet,
    TaggedArticle,
)
from .credit import ImageCredit, License
from .fields import WebURLField, validate_web_url
from .figure import Figure, FigureQuerySet, Rendition, RenditionReport, figure_upload_to

__all__ = [
    "DESCRIPTION_MAX",
    "DESCRIPTION_MIN",
    "HEADLINE_MAX",
    "LEAD_IMAGE_MIN_WIDTH",
    "SEARCH_CONFIG",
    "SOCIAL_TITLE_MAX",
    "TITLE_MAX",
    "Article",
    "ArticleQuerySet",
    "Figure",
    "FigureQuerySet",
    "ImageCredit",
    "License",
    "Rendition",
    "RenditionReport",
    "TaggedArticle",
    "WebURLField",
    "figure_upload_to",
    "validate_web_url",
]
