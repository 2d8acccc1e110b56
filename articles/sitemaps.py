from datetime import timedelta
from math import ceil
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap, views
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Exists, Max, OuterRef, Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.http import http_date
from django.utils.safestring import mark_safe

from .metadata import iso_datetime, modified_time, news_language
from .models import Article, ArticleAuthor, Author, Section, Tag, TaggedArticle
from .models.addresses import slug_addresses
from .models.fields import strip_control_characters
from .pagination import page_number

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
        return SitemapPaginator(self._items, self.limit, pages=self.page_count)

    def page_count(self):
        """How many pages the index lists (0 leaves the sitemap out): Django's count of
        every item unless a sitemap knows better."""
        return ceil(Paginator(self._items(), self.limit).count / self.limit)


class SitemapPaginator(Paginator):
    """A sitemap's pages without counting its items: the index takes the number of pages
    from the sitemap's page_count(), which need not count (see SmallTableSitemap); a page
    is a slice, and a number past the end an EmptyPage (a 404) because it is empty.
    Django's paginator counts the items on every page and for the index, a whole-table
    count each time (the index's five cost 0.4 s at 100,000 articles)."""

    def __init__(self, items, per_page, *, pages):
        # Django's __init__ takes the items themselves: a sitemap of a list (the years)
        # would make it for the index, which does not show it.
        self._items, self._pages = items, pages
        self.per_page, self.orphans, self.allow_empty_first_page = per_page, 0, True
        self.error_messages = self.default_error_messages

    @cached_property
    def object_list(self):
        return self._items()

    @cached_property
    def num_pages(self):
        return self._pages()

    def page(self, number, *, fields=()):
        """Page `number`; with `fields`, its items are named rows of these fields alone
        (for a sitemap that writes its own entries: ArticleSitemap.response())."""
        number = page_number(number, self.per_page, self.error_messages)
        bottom = (number - 1) * self.per_page
        items = self.slice(bottom, bottom + self.per_page)
        if fields:
            items = items.values_list(*fields, named=True)
        items = list(items)
        if not items and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return self._get_page(items, number, self)

    def slice(self, bottom, top):
        return self.object_list[bottom:top]


class ArticleSitemapPaginator(SitemapPaginator):
    def slice(self, bottom, top):
        # The page's ids first, as UncountedPaginator does: OFFSET then skips entries of
        # the listing index alone (an index-only scan), not rows; then the rows by their
        # ids (among(): by primary key, where `id IN (…)` read the whole table).
        shown = self.object_list.order_by("-published_at", "-pk").values("pk")[bottom:top]
        return self.object_list.among(shown).order_by("-published_at", "-pk")


class SmallTableSitemap(SiteURLSitemap):
    """A sitemap of a table much smaller than the articles' (tags, sections, authors):
    while the table holds no more rows than a page, whether the index lists one page or
    none is whether a public article shows any of them (the newest such article gives
    get_latest_lastmod(), from the listing index), with no join and count over every
    article. Each item's own lastmod is computed for its sitemap's page only."""

    model = None  # the small table

    def shown(self):
        """Public articles that show at least one item."""
        raise NotImplementedError

    @cached_property
    def latest_shown(self):
        public = self.shown().order_by("-published_at", "-pk")
        return public.values_list("published_at", flat=True).first()

    def get_latest_lastmod(self):
        # Django's default, the latest of the items' own, evaluates items() (a join and
        # aggregate over every public article) and is None as soon as one item has none.
        return self.latest_shown

    def page_count(self):
        if self.latest_shown is None:
            return 0
        if self.model.objects.count() <= self.limit:
            return 1
        return super().page_count()


class ArticleSitemap(SiteURLSitemap):
    """The articles' addresses, each page written by response(): Django's sitemap view
    makes a model instance, a dict and a turn of a template loop per URL (1.3 s of CPU for
    a page of 10,000). items() and the other methods remain for what reads a sitemap
    the framework's way (the index; tests/test_sitemap_writing.py compares the two)."""

    # Pages of 10,000 rather than the protocol's 50,000, chosen when each took two
    # seconds through Django's view; written, 0.15 s of CPU. Kept: the index's addresses
    # (?p=2…) are crawlers' already, and a page of 50,000 is 0.6 s of CPU, 2 s in all.
    limit = 10_000
    template_name = "articles/article_sitemap.xml"  # the <urlset> around the entries
    fields = ("slug", "published_at", "updated_publicly_at")  # what entry() reads

    def items(self):
        # A sitemap lists the addresses to index: not a syndicated article's copy, whose
        # canonical address is the original's (Article.canonical_url).
        return Article.objects.published().filter(canonical_url="").only(*self.fields)

    def lastmod(self, article):
        return modified_time(article)

    def get_latest_lastmod(self):
        # Django's default calls lastmod() on every article: seconds at 100,000 of them.
        return Article.objects.published().latest_change()

    @cached_property
    def paginator(self):
        return ArticleSitemapPaginator(self._items, self.limit, pages=self.page_count)

    def page_count(self):
        # One count of the listing index alone (an index-only scan, 10 ms at 100,000
        # articles): the page count must be exact, and the index page is cached.
        return ceil(Article.objects.published().count() / self.limit)

    def entry(self, article, location, lastmod):
        """An article's <url>, as Django's sitemap.xml writes it (its {% spaceless %}
        leaves nothing between the tags); `article` is a row of `fields`, `lastmod` in
        the site's time zone."""
        return f"<url><loc>{location}</loc><lastmod>{lastmod.date().isoformat()}</lastmod></url>"

    def response(self, request):
        """What Django's sitemap view answers for this sitemap's page (?p), to the byte
        and header: the page's rows of `fields` alone, each entry one formatted string."""
        try:
            page = self.paginator.page(request.GET.get("p", 1), fields=self.fields)
        except (EmptyPage, PageNotAnInteger) as error:
            raise Http404(str(error)) from None
        site = f"{self.protocol}://{self.get_domain()}"
        address, zone = slug_addresses("articles:detail"), timezone.get_current_timezone()
        entries, latest = [], None
        for article in page.object_list:
            lastmod = modified_time(article)
            latest = lastmod if latest is None else max(latest, lastmod)
            location = escape(site + address(article.slug))
            entries.append(self.entry(article, location, lastmod.astimezone(zone)))
        headers = {"Last-Modified": http_date(latest.timestamp())} if latest else None
        response = TemplateResponse(
            request,
            self.template_name,
            # Escaped entry by entry.
            {"entries": mark_safe("".join(entries))},  # noqa: S308
            content_type="application/xml",
            headers=headers,
        )
        response.headers["X-Robots-Tag"] = "noindex, noodp, noarchive"  # as Django's
        return response


def text_between_tags(text):
    """`text` escaped, as a template writes it between two tags inside Django's
    {% spaceless %}, which leaves out text that is all white space."""
    text = escape(text)
    return "" if text.isspace() else text


# The rule of Article.display_headline, for a row that is not an Article.
display_headline = Article.display_headline.fget


class NewsSitemap(ArticleSitemap):
    """Google News: what was published in the last two days."""

    limit = NEWS_MAX_URLS
    page_count = SiteURLSitemap.page_count
    template_name = "articles/news_sitemap.xml"
    fields = ("slug", "title", "headline", "published_at", "updated_publicly_at")

    def items(self):
        since = timezone.now() - NEWS_WINDOW
        return (
            Article.objects.published()
            .filter(published_at__gte=since, canonical_url="")
            .only(*self.fields)
        )

    @cached_property
    def publication(self):
        name = text_between_tags(settings.SITE_NAME)
        language = text_between_tags(news_language())
        return (
            f"<news:publication><news:name>{name}</news:name>"
            f"<news:language>{language}</news:language></news:publication>"
        )

    def entry(self, article, location, lastmod):
        return (
            f"<url><loc>{location}</loc><lastmod>{iso_datetime(lastmod)}</lastmod>"
            f"<news:news>{self.publication}"
            f"<news:publication_date>{iso_datetime(article.published_at)}"
            "</news:publication_date>"
            # xml_text's rule (templatetags), as the template had it.
            f"<news:title>{text_between_tags(strip_control_characters(display_headline(article)))}"
            "</news:title>"
            "</news:news></url>"
        )


class TagSitemap(SmallTableSitemap):
    model = Tag

    def shown(self):
        tagged = TaggedArticle.objects.filter(content_object=OuterRef("pk"))
        return Article.objects.published().filter(Exists(tagged))

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


class SectionSitemap(SmallTableSitemap):
    """Every section's front (an empty one too: it is in the navigation)."""

    model = Section

    def shown(self):
        return Article.objects.published().filter(section__isnull=False)

    def page_count(self):
        # Listed even when no article has a section yet.
        return ceil(Section.objects.count() / self.limit)

    def items(self):
        public = Article.objects.published()
        return Section.objects.annotate(
            last_published=Max("articles__published_at", filter=Q(articles__in=public.values("pk")))
        ).order_by("position", "name", "pk")

    def location(self, section):
        return section.get_absolute_url()

    def lastmod(self, section):
        return section.last_published


class AuthorSitemap(SmallTableSitemap):
    """The pages of authors credited by a published article."""

    model = Author

    def shown(self):
        credited = ArticleAuthor.objects.filter(article=OuterRef("pk"))
        return Article.objects.published().filter(Exists(credited))

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
        years = Article.objects.published().years()
        return [("articles:home", {})] + [("articles:archive_year", {"year": y}) for y in years]

    def page_count(self):
        return 1  # the home page at least, and a year is a line

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


def sitemap(request, sitemaps, section, **kwargs):
    """Django's sitemap view, but a sitemap that writes its own pages (ArticleSitemap's
    response()) writes them."""
    written = sitemaps.get(section)
    if isinstance(written, type) and issubclass(written, ArticleSitemap):
        return written().response(request)
    return views.sitemap(request, sitemaps, section, **kwargs)


def sitemap_index(request, sitemaps, **kwargs):
    """Django's sitemap index without its empty sections (a site with no tags yet has no
    tag sitemap): a <urlset> without a <url> is not a valid sitemap."""
    sections = {name: sitemap() for name, sitemap in sitemaps.items()}
    listed = {name: sitemap for name, sitemap in sections.items() if sitemap.paginator.num_pages}
    return views.index(request, listed, **kwargs)
