"""Author pages: /authors/<slug>/ lists the published articles crediting an author, newest
first, under their bio and photo, with an RSS and an Atom feed of its own."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import ListView

from .feeds import LatestArticlesFeed, StoredItemsAtomFeed
from .metadata import absolute_url, author_metadata
from .models import Author
from .views import PublicArticleMixin


class AuthorArticleListView(PublicArticleMixin, ListView):
    template_name = "articles/author_detail.html"

    def get_queryset(self):
        # With what the page shows of the photo: its credit (its renditions come with it).
        authors = Author.objects.select_related("photo__credit__license")
        self.author = get_object_or_404(authors, slug=self.kwargs["slug"])
        return super().get_queryset().filter(bylines__author=self.author)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            author=self.author, meta=author_metadata(self.author), **kwargs
        )

    def listing_key(self):
        return f"author-{self.author.pk}"


class AuthorArticlesFeed(LatestArticlesFeed):
    """The newest public articles crediting one author."""

    feed_url_name = "articles:author_feed_rss"

    def get_object(self, request, slug):
        return get_object_or_404(Author, slug=slug)

    def listing_keys(self, author):
        return ["feed", f"author-{author.pk}"]

    def title(self, author):
        return f"{settings.SITE_NAME}: {author.name}"

    def description(self, author):
        return f"The latest articles by {author.name} on {settings.SITE_NAME}."

    subtitle = description

    def link(self, author):
        return absolute_url(author.get_absolute_url())

    def feed_url(self, author):
        return absolute_url(reverse(self.feed_url_name, kwargs={"slug": author.slug}))

    def author_name(self, author):
        return author.name

    def author_link(self, author):
        return absolute_url(author.get_absolute_url())

    def among(self, author):
        return {"bylines__author": [author.pk]}


class AuthorArticlesAtomFeed(AuthorArticlesFeed):
    feed_type = StoredItemsAtomFeed
    feed_url_name = "articles:author_feed_atom"
