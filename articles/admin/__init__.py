"""The editor's desk: articles, figures, credits, licences and tags in the Django admin."""

from .articles import ArticleAdmin, PopularTagFilter, StatusFilter
from .corrections import CorrectionAdmin
from .figures import FigureAdmin, ImageCreditAdmin, LicenseAdmin
from .tags import TagAdmin

__all__ = [
    "ArticleAdmin",
    "CorrectionAdmin",
    "FigureAdmin",
    "ImageCreditAdmin",
    "LicenseAdmin",
    "PopularTagFilter",
    "StatusFilter",
    "TagAdmin",
]
