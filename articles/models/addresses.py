"""Where an article has lived: the slugs it left, so that every address it ever had still
leads to it, and the old site's redirects, kept pointing straight at its current address."""

import functools
import re

from django.conf import settings
from django.contrib.redirects.models import Redirect
from django.db import models
from django.urls import get_script_prefix, get_urlconf, reverse
from django.urls.converters import SlugConverter
from django.utils import timezone


def slug_address(view_name, slug):
    """reverse(view_name, kwargs={"slug": slug}), remembered: a listing or a feed asks for
    a hundred addresses of articles, authors and tags, and reverse() was a tenth of their
    CPU. Kept by everything the answer depends on, so never stale."""
    return _slug_address(settings.ROOT_URLCONF, get_urlconf(), get_script_prefix(), view_name, slug)


def slug_addresses(view_name):
    """slug_address(view_name, …) for many slugs, of a view whose pattern takes
    `<slug:slug>`: reverse() once, for the address around the slug, which a slug the
    converter takes is put into as it is (quoting leaves its characters alone). A sitemap
    page of 10,000 addresses slug_address() does not remember spent 0.5 s in reverse()."""
    before, after = _around_slug(
        settings.ROOT_URLCONF, get_urlconf(), get_script_prefix(), view_name
    )

    def address(slug):
        if SLUG.fullmatch(slug):
            return f"{before}{slug}{after}"
        return slug_address(view_name, slug)  # reverse() takes it, or refuses it

    return address


SLUG = re.compile(SlugConverter.regex)
_PLACEHOLDER = "slug-placeholder"


@functools.cache
def _around_slug(root_urlconf, urlconf, script_prefix, view_name):
    before, _placeholder, after = reverse(
        view_name, urlconf=urlconf, kwargs={"slug": _PLACEHOLDER}
    ).rpartition(_PLACEHOLDER)
    return before, after


@functools.lru_cache(maxsize=20_000)
def _slug_address(root_urlconf, urlconf, script_prefix, view_name, slug):
    return reverse(view_name, urlconf=urlconf, kwargs={"slug": slug})


class FormerSlugQuerySet(models.QuerySet):
    def record_move(self, article, old_slug: str):
        """`article` has left `old_slug` for its current slug: the old address leads to it,
        the new one no longer leads anywhere else, and no redirect goes through the old one.

        Former slugs name the article rather than an address, so any number of changes
        never makes a chain (a→b→c: a and b both lead to c) nor, when an article goes
        back to an earlier slug, a loop.
        """
        # Back at an address it had: no redirect from it to itself. (Another article's
        # former slug stays: this article's page, once public, simply answers first.)
        self.filter(article=article, slug=article.slug).delete()
        self.bulk_create(
            [FormerSlug(article=article, slug=old_slug)],
            update_conflicts=True,
            unique_fields=["slug"],
            update_fields=["article", "left_at"],
        )
        old_path, new_path = article_path(old_slug), article.get_absolute_url()
        redirects = Redirect.objects.using(self.db).filter(
            site_id=settings.SITE_ID, new_path=old_path
        )
        # One that went from the new address to the old would now go to itself.
        redirects.filter(old_path=new_path).delete()
        redirects.update(new_path=new_path)


class FormerSlug(models.Model):
    """A slug an article had before its current one. Its old address answers with a 301
    to the article while the article is public (nothing to anyone else: a draft's new
    slug is not given away) and 410 once it is withdrawn, like its page."""

    article = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="former_slugs")
    slug = models.SlugField(max_length=255, db_index=False)
    left_at = models.DateTimeField(default=timezone.now)

    objects = FormerSlugQuerySet.as_manager()

    class Meta:
        ordering = ["-left_at"]
        constraints = [
            # The last article to leave a slug has it: one address, one destination.
            models.UniqueConstraint(fields=["slug"], name="unique_former_slug"),
        ]

    def __str__(self):
        return article_path(self.slug)


def article_path(slug: str) -> str:
    return reverse("articles:detail", kwargs={"slug": slug})
