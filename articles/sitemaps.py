from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap, views
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from .metadata import modified_time, modified_time_expression
from .models import Article, Author, Section, Tag

NEWS_WINDOW = timedelta(hours=48)
NEWS_MAX_URLS = 1000  # Google News reads at most this many per sitemap


class SiteURLSitemap(Sitemap):
    """Locations on SITE_URL's scheme and host, whatever the request came in on."""

    @property
    def protocol(self):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc

    @cached_property
    def paginator(self):
        # Counted once: the index asks whether a section is empty, then how many pages it has.
        return super().paginator


class ArticleSitemap(SiteURLSitemap):
    # Pages of 10,000 rather than the protocol's 50,000: each renders in about two seconds.
    limit = 10_000

    def items(self):
        # A sitemap lists the addresses to index: not a syndicated article's copy, whose
        # canonical address is the original's (Article.canonical_url).
        return (
            Article.objects.published()
            .filter(canonical_url="")
            .only("slug", "published_at", "updated_publicly_at")
        )

    def lastmod(self, article):
        return modified_time(article)

    def get_latest_lastmod(self):
        # Django's default calls lastmod() on every article: seconds at 100,000 of them.
        return self.items().aggregate(latest=Max(modified_time_expression()))["latest"]


class NewsSitemap(ArticleSitemap):
    """Google News: what was published in the last two days."""

    limit = NEWS_MAX_URLS

    def items(self):
        since = timezone.now() - NEWS_WINDOW
        return (
            Article.objects.published()
            .filter(published_at__gte=since, canonical_url="")
            .only("slug", "title", "headline", "published_at", "updated_publicly_at")
        )


class TagSitemap(SiteURLSitemap):
    def items(self):
        return (
            Tag.objects.filter(
                articles_taggedarticle_items__content_object__in=Article.objects.published()
            )
            # The database refuses an empty slug; should one appear, its tag has no page.
            .exclude(slug="")
            .annotate(
                last_published=Max("articles_taggedarticle_items__content_object__published_at")
            )
            .order_by("name")
        )

    def location(self, tag):
        return tag.get_absolute_url()

    def lastmod(self, tag):
        return tag.last_published


class SectionSitemap(SiteURLSitemap):
    """Every section's front (an empty one too: it is in the navigation)."""

    def items(self):
        public = Article.objects.published()
        return Section.objects.annotate(
            last_published=Max("articles__published_at", filter=Q(articles__in=public.values("pk")))
        ).order_by("position", "name", "pk")

    def location(self, section):
        return section.get_absolute_url()

    def lastmod(self, section):
        return section.last_published
class AuthorSitemap(SiteURLSitemap):
    """The pages of authors credited by a published article."""

    def items(self):
        return (
            Author.objects.filter(bylines__article__in=Article.objects.published())
            .annotate(last_published=Max("bylines__article__published_at"))
            .order_by("name", "pk")
        )

    def lastmod(self, author):
        return author.last_published


class ListingSitemap(SiteURLSitemap):
    """The home page and the yearly archives."""

    def items(self):
        years = Article.objects.published().dates("published_at", "year", order="DESC")
        return [("articles:home", {})] + [
            ("articles:archive_year", {"year": day.year}) for day in years
        ]

    def location(self, item):
        name, kwargs = item
        return reverse(name, kwargs=kwargs)


SITEMAPS = {
    "articles": ArticleSitemap,
    "tags": TagSitemap,
    "sections": SectionSitemap,
    "authors": AuthorSitemap,
    "listings": ListingSitemap,
}


def sitemap_index(request, sitemaps, **kwargs):
    """Django's sitemap index without its empty sections (a site with no tags yet has no
    tag sitemap): a <urlset> without a <url> is not a valid sitemap."""
    sections = {name: sitemap() for name, sitemap in sitemaps.items()}
    listed = {name: sitemap for name, sitemap in sections.items() if sitemap.paginator.count}
    return views.index(request, listed, **kwargs)
