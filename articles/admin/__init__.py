"""The editor's desk: articles, figures, credits, licences and tags in the Django admin."""

from .articles import ArticleAdmin, PopularTagFilter, StatusFilter
from .figures import FigureAdmin, ImageCreditAdmin, LicenseAdmin
from .sections import SectionAdmin
from .tags import TagAdmin

__all__ = [
    "ArticleAdmin",
    "FigureAdmin",
    "ImageCreditAdmin",
    "LicenseAdmin",
    "PopularTagFilter",
    "SectionAdmin",
    "StatusFilter",
    "TagAdmin",
]
