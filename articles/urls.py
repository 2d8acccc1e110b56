from django.urls import path, re_path

from . import authors, feeds, views
from .caching import LISTINGS, cached_public_page

app_name = "articles"

urlpatterns = [
    path("", views.ArticleListView.as_view(), name="home"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    # Tag slugs keep non-Latin letters (taggit's default): "україна" is a valid slug here.
    re_path(r"^tags/(?P<slug>[-\w]+)/$", views.TagArticleListView.as_view(), name="tag"),
    # Under /sections/: no article, tag or archive address can take a section's.
    re_path(
        r"^sections/(?P<slug>[-\w]+)/$", views.SectionArticleListView.as_view(), name="section"
    ),
    re_path(
        r"^sections/(?P<slug>[-\w]+)/feeds/rss/$",
        cached_public_page(feeds.SectionArticlesFeed()),
        name="section_feed_rss",
    ),
    re_path(
        r"^sections/(?P<slug>[-\w]+)/feeds/atom/$",
        cached_public_page(feeds.SectionArticlesAtomFeed()),
        name="section_feed_atom",
    ),
    path("archive/<int:year>/", views.ArticleYearArchiveView.as_view(), name="archive_year"),
    re_path(
        r"^archive/(?P<year>[0-9]{4})/(?P<month>0[1-9]|1[0-2])/$",
        views.ArticleMonthArchiveView.as_view(),
        name="archive_month",
    ),
    path("authors/<slug:slug>/", authors.AuthorArticleListView.as_view(), name="author"),
    path(
        "authors/<slug:slug>/feeds/rss/",
        cached_public_page(authors.AuthorArticlesFeed()),
        name="author_feed_rss",
    ),
    path(
        "authors/<slug:slug>/feeds/atom/",
        cached_public_page(authors.AuthorArticlesAtomFeed()),
        name="author_feed_atom",
    ),
    path("search/", views.ArticleSearchView.as_view(), name="search"),
    path("corrections/", views.CorrectionListView.as_view(), name="corrections"),
    path("preview/<str:token>/", views.SignedPreviewView.as_view(), name="preview"),
    path("feeds/rss/", cached_public_page(feeds.LatestArticlesFeed()), name="feed_rss"),
    path("feeds/atom/", cached_public_page(feeds.LatestArticlesAtomFeed()), name="feed_atom"),
    re_path(
        r"^feeds/tags/(?P<slug>[-\w]+)/rss/$",
        cached_public_page(feeds.TagArticlesFeed()),
        name="tag_feed_rss",
    ),
    re_path(
        r"^feeds/tags/(?P<slug>[-\w]+)/atom/$",
        cached_public_page(feeds.TagArticlesAtomFeed()),
        name="tag_feed_atom",
    ),
    path(
        "feeds/corrections/rss/",
        cached_public_page(feeds.CorrectionsFeed(), LISTINGS, "feed", "corrections"),
        name="corrections_feed_rss",
    ),
    path(
        "feeds/corrections/atom/",
        cached_public_page(feeds.CorrectionsAtomFeed(), LISTINGS, "feed", "corrections"),
        name="corrections_feed_atom",
    ),
]
