from django.urls import path, re_path

from . import feeds, views

app_name = "articles"

urlpatterns = [
    path("", views.ArticleListView.as_view(), name="home"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    # Tag slugs keep non-Latin letters (taggit's default): "україна" is a valid slug here.
    re_path(r"^tags/(?P<slug>[-\w]+)/$", views.TagArticleListView.as_view(), name="tag"),
    path("archive/<int:year>/", views.ArticleYearArchiveView.as_view(), name="archive_year"),
    re_path(
        r"^archive/(?P<year>[0-9]{4})/(?P<month>0[1-9]|1[0-2])/$",
        views.ArticleMonthArchiveView.as_view(),
        name="archive_month",
    ),
    path("search/", views.ArticleSearchView.as_view(), name="search"),
    path("corrections/", views.CorrectionListView.as_view(), name="corrections"),
    path("preview/<str:token>/", views.SignedPreviewView.as_view(), name="preview"),
    path("feeds/rss/", feeds.LatestArticlesFeed(), name="feed_rss"),
    path("feeds/atom/", feeds.LatestArticlesAtomFeed(), name="feed_atom"),
    re_path(r"^feeds/tags/(?P<slug>[-\w]+)/rss/$", feeds.TagArticlesFeed(), name="tag_feed_rss"),
    re_path(
        r"^feeds/tags/(?P<slug>[-\w]+)/atom/$", feeds.TagArticlesAtomFeed(), name="tag_feed_atom"
    ),
    path("feeds/corrections/rss/", feeds.CorrectionsFeed(), name="corrections_feed_rss"),
    path("feeds/corrections/atom/", feeds.CorrectionsAtomFeed(), name="corrections_feed_atom"),
]
