"""The editor's desk: articles, figures, credits and licences in the Django admin."""

from .articles import ArticleAdmin, StatusFilter
from .figures import FigureAdmin, ImageCreditAdmin, LicenseAdmin

__all__ = ["ArticleAdmin", "FigureAdmin", "ImageCreditAdmin", "LicenseAdmin", "StatusFilter"]
