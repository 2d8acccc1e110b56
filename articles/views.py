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

from .metadata import article_metadata
from .models import SEARCH_CANDIDATES, Article, PreviewLink, Tag
from .pagination import UncountedPaginator

PAGE_SIZE = 12
SEARCH_MAX_CHARS = 200


class ArticleWithdrawn(Http404):
    pass


class ArticleMoved(Http404):
    """The address is one the article had before its current slug."""

    def __init__(self, article):
        super().__init__(article.slug)
        self.article = article


class PublicArticleMixin:
    """Every public page shows only what `Article.objects.published()` allows, fetched in
    the shape the page needs."""

    paginate_by = PAGE_SIZE
    paginator_class = UncountedPaginator

    def get_queryset(self):
        return self.shape(Article.objects.published())

    def shape(self, articles):
        return articles.for_cards()


class ArticlePageMixin:
    """The article page's context: what machines read about the article is built once,
    for both the head and the visible dates."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(meta=article_metadata(self.object), **kwargs)


class ArticleListView(PublicArticleMixin, ListView):
    pass


class ArticleDetailView(ArticlePageMixin, PublicArticleMixin, DetailView):
    def shape(self, articles):
        return articles.for_detail().only_shown()

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except ArticleWithdrawn:
            return TemplateResponse(request, "articles/article_gone.html", status=410)
        except ArticleMoved as moved:
            return redirect(moved.article, permanent=True)

    def get_object(self, queryset=None):
        try:
            return super().get_object(queryset)
        except Http404:
            slug = self.kwargs["slug"]
            # Taken down after being public: tell crawlers to drop it, not to retry.
            if Article.objects.filter(slug=slug, status=Article.Status.WITHDRAWN).exists():
                raise ArticleWithdrawn(slug) from None
            moved = Article.objects.filter(former_slugs__slug=slug).first()
            if moved is not None and moved.is_public:
                raise ArticleMoved(moved) from None
            if moved is not None and moved.status == Article.Status.WITHDRAWN:
                raise ArticleWithdrawn(slug) from None
            raise


class TagArticleListView(PublicArticleMixin, ListView):
    template_name = "articles/article_tag_list.html"
    allow_empty = False

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return super().get_queryset().filter(tags=self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class ArchiveMixin(PublicArticleMixin):
    date_field = "published_at"

    def shape(self, articles):
        # The archive views also query for neighbouring dates through get_queryset();
        # only the listed articles need their figures and renditions.
        return articles

    def get_dated_items(self):
        date_list, articles, extra_context = super().get_dated_items()
        return date_list, articles.for_cards(), extra_context


class ArticleYearArchiveView(ArchiveMixin, YearArchiveView):
    make_object_list = True


class ArticleMonthArchiveView(ArchiveMixin, MonthArchiveView):
    month_format = "%m"


class ArticleSearchView(PublicArticleMixin, ListView):
    template_name = "articles/article_search.html"
    # The page says how many were found: a count of the bounded candidates (see search()).
    paginator_class = Paginator

    def shape(self, articles):
        return articles.for_cards(body_html=True)  # the excerpts are of the body

    def get_queryset(self):
        self.query = self.request.GET.get("q", "")[:SEARCH_MAX_CHARS].strip()
        return super().get_queryset().search(self.query)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            query=self.query, search_candidates=SEARCH_CANDIDATES, **kwargs
        )


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
