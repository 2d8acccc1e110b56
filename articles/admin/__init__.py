"""The editor's desk: articles, authors, sections, figures, credits, licences, tags,
corrections and revisions in the Django admin."""

from .articles import ArticleAdmin, PopularTagFilter, StatusFilter
from .authors import AuthorAdmin, BylineInline
from .corrections import CorrectionAdmin
from .figures import FigureAdmin, ImageCreditAdmin, LicenseAdmin
from .revisions import RevisionAdmin
from .sections import SectionAdmin
from .tags import TagAdmin

__all__ = [
    "ArticleAdmin",
    "AuthorAdmin",
    "BylineInline",
    "CorrectionAdmin",
    "FigureAdmin",
    "ImageCreditAdmin",
    "LicenseAdmin",
    "PopularTagFilter",
    "SectionAdmin",
    "RevisionAdmin",
    "StatusFilter",
    "TagAdmin",
]
