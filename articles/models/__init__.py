"""The content model, one module per concern: credits and licences, figures and their
renditions, sections, articles, their tags, authors, related stories, corrections and
revisions."""

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
from .author import AUTHOR_SLUG_MAX, ArticleAuthor, Author, author_slug
from .autosave import AUTOSAVED_FIELDS, Autosave
from .correction import CORRECTION_MAX_CHARS, ChangeKind, Correction, CorrectionQuerySet
from .credit import ImageCredit, License
from .fields import (
    XML_FORBIDDEN_CHARACTERS,
    WebURLField,
    WebURLListField,
    control_character_problem,
    reject_control_characters,
    strip_control_characters,
    validate_web_url,
    validate_web_url_list,
)
from .figure import Figure, FigureQuerySet, Rendition, RenditionReport, figure_upload_to
from .fragment import ArticleFragments
from .pending import PendingChange, PendingChangeQuerySet
from .preview_link import PreviewLink
from .related import RelatedArticle
from .revision import Revision, RevisionQuerySet
from .section import SECTION_NAME_MAX, Section, SectionTree, section_slug
from .tag import TAG_NAME_MAX, Tag, TaggedArticle, TagMerge, tag_slug
from .writing import ArticleWrite, write_articles

__all__ = [
    "AUTHOR_SLUG_MAX",
    "CORRECTION_MAX_CHARS",
    "AUTOSAVED_FIELDS",
    "DESCRIPTION_MAX",
    "DESCRIPTION_MIN",
    "HEADLINE_MAX",
    "LEAD_IMAGE_MIN_WIDTH",
    "SEARCH_CANDIDATES",
    "SEARCH_CONFIG",
    "SECTION_NAME_MAX",
    "SOCIAL_TITLE_MAX",
    "TAG_NAME_MAX",
    "TITLE_MAX",
    "XML_FORBIDDEN_CHARACTERS",
    "Article",
    "ArticleAuthor",
    "ArticleFragments",
    "ArticleQuerySet",
    "ArticleWrite",
    "Author",
    "Autosave",
    "CannotPublish",
    "ChangeKind",
    "Correction",
    "CorrectionQuerySet",
    "Figure",
    "FigureQuerySet",
    "FormerSlug",
    "ImageCredit",
    "License",
    "PendingChange",
    "PendingChangeQuerySet",
    "PreviewLink",
    "RelatedArticle",
    "Rendition",
    "RenditionReport",
    "Section",
    "SectionTree",
    "Revision",
    "RevisionQuerySet",
    "Tag",
    "TagMerge",
    "TaggedArticle",
    "WebURLField",
    "WebURLListField",
    "author_slug",
    "control_character_problem",
    "figure_upload_to",
    "reject_control_characters",
    "section_slug",
    "strip_control_characters",
    "tag_slug",
    "validate_web_url",
    "validate_web_url_list",
    "write_articles",
]
