"""The editor's desk: articles, figures, credits, licences, tags and revisions in the Django
admin."""

from .articles import ArticleAdmin, PopularTagFilter, StatusFilter
from .figures import FigureAdmin, ImageCreditAdmin, LicenseAdmin
from .revisions import RevisionAdmin
from .tags import TagAdmin

__all__ = [
    "ArticleAdmin",
    "FigureAdmin",
    "ImageCreditAdmin",
    "LicenseAdmin",
    "PopularTagFilter",
    "RevisionAdmin",
    "StatusFilter",
    "TagAdmin",
]
