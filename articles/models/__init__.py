"""The content model, one module per concern: credits and licences, figures and their
renditions, articles and their tags."""

from .addresses import FormerSlug
from .article import (
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    HEADLINE_MAX,
    LEAD_IMAGE_MIN_WIDTH,
    SEARCH_CANDIDATES,
    SEARCH_CONFIG,
    SOCIAL_TITLE_MAX,
    TITLE_MAX,
    Article,
    ArticleQuerySet,
    CannotPublish,
)
from .credit import ImageCredit, License
from .fields import (
    XML_FORBIDDEN_CHARACTERS,
    WebURLField,
    control_character_problem,
    reject_control_characters,
    strip_control_characters,
    validate_web_url,
)
from .figure import Figure, FigureQuerySet, Rendition, RenditionReport, figure_upload_to
from .preview_link import PreviewLink
from .tag import TAG_NAME_MAX, Tag, TaggedArticle, TagMerge, tag_slug
from .writing import ArticleWrite, write_articles

__all__ = [
    "DESCRIPTION_MAX",
    "DESCRIPTION_MIN",
    "HEADLINE_MAX",
    "LEAD_IMAGE_MIN_WIDTH",
    "SEARCH_CANDIDATES",
    "SEARCH_CONFIG",
    "SOCIAL_TITLE_MAX",
    "TAG_NAME_MAX",
    "TITLE_MAX",
    "XML_FORBIDDEN_CHARACTERS",
    "Article",
    "ArticleQuerySet",
    "ArticleWrite",
    "CannotPublish",
    "Figure",
    "FigureQuerySet",
    "FormerSlug",
    "ImageCredit",
    "License",
    "PreviewLink",
    "Rendition",
    "RenditionReport",
    "Tag",
    "TagMerge",
    "TaggedArticle",
    "WebURLField",
    "control_character_problem",
    "figure_upload_to",
    "reject_control_characters",
    "strip_control_characters",
    "tag_slug",
    "validate_web_url",
    "write_articles",
]
