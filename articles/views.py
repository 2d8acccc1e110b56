from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.generic import (
    DetailView,
    ListView,
    MonthArchiveView,
    TemplateView,
    YearArchiveView,
)

from .caching import LISTINGS, CachedPublicPageMixin, article_key, shows, tag_key
from .context_processors import section_tree
from .fragments import fresh, page_parts, shown_page
from .metadata import section_ancestry, section_metadata
from .models import SEARCH_CANDIDATES, Article, Correction, PreviewLink, Tag
from .pagination import UncountedPaginator

PAGE_SIZE = 12
# The home page's groups of the latest stories, one per top-level section.
SECTION_GROUP_SIZE = 4
CORRECTIONS_PAGE_SIZE = 30
SEARCH_MAX_CHARS = 200


class ArticleWithdrawn(Http404):
    pass


class ArticleMoved(Http404):
    """The address is one the article had before its current slug."""

    def __init__(self, article):
        super().__init__(article.slug)
        self.article = article


class PublicArticleMixin(CachedPublicPageMixin):
    """Every public page shows only what `Article.objects.published()` allows, fetched in
    the shape the page needs, and is kept in the page cache (articles/caching.py) under
    the keys page_keys() names."""

    paginate_by = PAGE_SIZE
    listing = "home"  # the kind of listing, a key of its pages
    paginator_class = UncountedPaginator

    def get_queryset(self):
        return self.shape(Article.objects.published())

    def get_paginator(self, queryset, per_page, **kwargs):
        if issubclass(self.paginator_class, UncountedPaginator):
            # The article a keyset link reads on from (pagination.KEYSET_FROM).
            kwargs.update(after=self.request.GET.get("after"))
            kwargs.update(before=self.request.GET.get("before"))
        return super().get_paginator(queryset, per_page, **kwargs)

    def shape(self, articles):
        return articles.for_cards()

    def paginate_queryset(self, queryset, page_size):
        """The page's articles, each with its card: stored, or made now for those whose
        stored card is stale (one batch)."""
        paginator, page, articles, is_paginated = super().paginate_queryset(queryset, page_size)
        return paginator, page, fresh(articles, "card"), is_paginated

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shows(self.request, *self.page_keys(context))
        return context

    def page_keys(self, context):
        return [LISTINGS, self.listing_key(), *map(article_key, context["object_list"])]

    def listing_key(self):
        return self.listing


class ArticlePageMixin:
    """The article page's context: its parts (articles/fragments.py), then the related
    stories. A preview makes the parts from the article as it is held."""

    def get_context_data(self, **kwargs):
        page = self.page_parts()
        related = Article.objects.related_to(self.object, tag_ids=page["related_tags"])
        return super().get_context_data(page=page, related_articles=related, **kwargs)

    def page_parts(self):
        sections = section_ancestry(self.object, section_tree(self.request))
        return shown_page(page_parts(self.object, sections))


class ArticleListView(PublicArticleMixin, ListView):
    """The home page: the latest stories, then on the first page the latest of each
    top-level section in the navigation."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context["page_obj"].number == 1:
            context["section_groups"] = self.section_groups(context["object_list"])
        return context

    def section_groups(self, top_stories):
        tree = section_tree(self.request)
        sections = tree.navigation()
        if not sections:
            return []
        latest = Article.objects.latest_public_with_cards(
            [tree.family_ids(section.pk) for section in sections],
            per_section=SECTION_GROUP_SIZE,
            leaving_out=[article.pk for article in top_stories],
        )
        groups = {section.pk: (section, []) for section in sections}
        for article in fresh(latest, "card"):
            top = tree.top_level_of(article.section_id)
            if top is not None and top.pk in groups:
                groups[top.pk][1].append(article)
        return [(section, articles) for section, articles in groups.values() if articles]


class ArticleDetailView(ArticlePageMixin, PublicArticleMixin, DetailView):
    def page_parts(self):
        """Its stored fragments, made now if they are stale."""
        return shown_page(fresh([self.object], "page")[0].shown["page"])

    def page_keys(self, context):
        # The article (every change to it, its tags, figure, credit and licence included,
        # is announced under its id), and what it shows that any change may reach: the
        # related stories, which a newly published article can join, and the navigation.
        related = context["related_articles"]
        return [article_key(self.object), LISTINGS, *map(article_key, related)]

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except ArticleWithdrawn:
            return TemplateResponse(request, "articles/article_gone.html", status=410)
        except ArticleMoved as moved:
            return redirect(moved.article, permanent=True)

    def get_object(self, queryset=None):
        slug = self.kwargs["slug"]
        article = Article.objects.public_with_page(slug)
        if article is None:
            # Taken down after being public: tell crawlers to drop it, not to retry.
            if Article.objects.filter(slug=slug, status=Article.Status.WITHDRAWN).exists():
                raise ArticleWithdrawn(slug)
            moved = Article.objects.filter(former_slugs__slug=slug).first()
            if moved is not None and moved.is_public:
                raise ArticleMoved(moved)
            if moved is not None and moved.status == Article.Status.WITHDRAWN:
                raise ArticleWithdrawn(slug)
            raise Http404("No article at this address.")
        return article


class TagArticleListView(PublicArticleMixin, ListView):
    """A tag's articles: an unknown tag is a 404, and so is one without a public article."""

    template_name = "articles/article_tag_list.html"

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return super().get_queryset().filter(tags=self.tag)

    def get_paginator(self, queryset, per_page, **kwargs):
        # An empty first page is refused (a 404) by the page's own query, where Django's
        # allow_empty = False asks first whether there is any article: a query more.
        kwargs.update(allow_empty_first_page=False)
        return super().get_paginator(queryset, per_page, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)

    def listing_key(self):
        return tag_key(self.tag)


class SectionArticleListView(PublicArticleMixin, ListView):
    """A section's front: its articles and its subsections', newest first."""

    template_name = "articles/article_section_list.html"

    def listing_key(self):
        return f"section-{self.section.pk}"

    def get_queryset(self):
        tree = section_tree(self.request)
        self.section = next((s for s in tree.sections if s.slug == self.kwargs["slug"]), None)
        if self.section is None:
            raise Http404("No such section.")
        self.tree = tree
        return super().get_queryset().filter(section__in=tree.family_ids(self.section.pk))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sections = self.tree.ancestry(self.section.pk)
        return {
            **context,
            "section": self.section,
            "current_section": self.section,  # marked in the navigation when top-level
            "section_path": sections,
            "subsections": self.tree.children.get(self.section.pk, []),
            "meta": section_metadata(
                self.section, sections, page_number=context["page_obj"].number
            ),
        }


class ArchiveMixin(PublicArticleMixin):
    date_field = "published_at"
    listing = "archive"

    def shape(self, articles):
        # The archive views also look up the nearest dates before and after through
        # get_queryset(), reading a whole article for its date: they read its date alone.
        # The listed articles are read with their stored cards (get_dated_items()).
        return articles.only("published_at")

    def get_dated_items(self):
        date_list, articles, extra_context = super().get_dated_items()
        return date_list, articles.for_cards(), extra_context


class ArticleYearArchiveView(ArchiveMixin, YearArchiveView):
    make_object_list = True

    def get_date_list(self, queryset, date_type=None, ordering="ASC"):
        if (date_type or self.get_date_list_period()) != "month" or ordering != "ASC":
            return super().get_date_list(queryset, date_type, ordering)
        months = queryset.months(int(self.get_year()))
        if not months and not self.get_allow_empty():
            raise Http404("No articles available")
        return months

    # The page links its months, not other years: Django's lookups of the nearest years
    # with an article would be two queries for nothing.
    def get_next_year(self, date):
        return None

    def get_previous_year(self, date):
        return None


class ArticleMonthArchiveView(ArchiveMixin, MonthArchiveView):
    month_format = "%m"

    def get_date_list(self, queryset, date_type=None, ordering="ASC"):
        # The page lists no days (its nearest months, yes): Django's list of the month's
        # days would be a query for nothing. An empty month is a 404 already
        # (get_dated_queryset()).
        return []


class ArticleSearchView(PublicArticleMixin, ListView):
    template_name = "articles/article_search.html"
    listing = "search"

    # The page says how many were found: a count of the bounded candidates (see search()).
    paginator_class = Paginator

    def shape(self, articles):
        return articles.for_cards(body_html=True)  # the excerpts are of the body

    def get_queryset(self):
        self.query = self.request.GET.get("q", "")[:SEARCH_MAX_CHARS].strip()
        return super().get_queryset().search(self.query)

    def get_paginator(self, queryset, per_page, **kwargs):
        paginator = super().get_paginator(queryset, per_page, **kwargs)
        # The candidates' ids counted alone: counting the ranked list would look each
        # of them up in the table again (5 ms of a two-word search at 100,000 articles).
        candidates = Article.objects.published().search_candidates(self.query)
        paginator.count = candidates.count()  # a cached_property: set, it is not asked
        return paginator

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            query=self.query, search_candidates=SEARCH_CANDIDATES, **kwargs
        )


class CorrectionListView(CachedPublicPageMixin, ListView):
    """Every correction of a public article, newest first. A withdrawn article's stay
    stored but unlisted: they would repeat what was taken down."""

    paginate_by = CORRECTIONS_PAGE_SIZE

    def get_queryset(self):
        return Correction.objects.public().for_listing()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shows(self.request, LISTINGS, "corrections")
        return context


class SignedPreviewView(ArticlePageMixin, DetailView):
    """An unpublished article shown to whoever holds a live reviewer link (PreviewLink).
    Once the article is public the link leads to its page; a revoked or expired link, or
    one to a withdrawn article, answers 410 Gone. Never indexed, never cached."""

    queryset = Article.objects.for_detail()
    extra_context = {"is_preview": True}

    def get(self, request, *args, **kwargs):
        link = PreviewLink.objects.from_signed(self.kwargs["token"])
        if link is None:
            raise Http404("This preview link is invalid.")
        if not link.is_live or link.article.status == Article.Status.WITHDRAWN:
            response = TemplateResponse(request, "articles/preview_link_gone.html", status=410)
        elif link.article.is_public:
            return redirect(link.article)
        else:
            self.object = get_object_or_404(self.get_queryset(), pk=link.article_id)
            response = self.render_to_response(self.get_context_data(object=self.object))
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response


class RobotsView(TemplateView):
    template_name = "robots.txt"
    content_type = "text/plain; charset=utf-8"
