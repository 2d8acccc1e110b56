import mimetypes

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.html import escape

from .metadata import absolute_url, description_of, lead_image, modified_time
from .models import Article, Tag, strip_control_characters

FEED_SIZE = 30


class XMLSafeFeedMixin:
    """Leaves out of every text of a feed what XML 1.0 cannot carry. The fields refuse
    it, but a row written past their validators (a data migration, a shell) would make
    Django's XML writer raise, and the whole feed answer 500 to every reader."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.feed = _xml_safe(self.feed)

    def add_item(self, *args, **kwargs):
        super().add_item(*args, **kwargs)
        self.items[-1] = _xml_safe(self.items[-1])


class PlainTextFeedMixin:
    """Our texts are plain text, but readers take some elements of a feed as HTML: RSS's
    <description> by custom, Atom's <summary> because Django marks it type="html". Those
    are escaped for HTML here, so that `a < b` and `AT&T` read as typed and `"><svg …>`
    is no markup in any reader; titles, names and categories are text in both formats."""

    feed_html_fields = ()
    item_html_fields = ("description",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.feed = _escaped(self.feed, self.feed_html_fields)

    def add_item(self, *args, **kwargs):
        super().add_item(*args, **kwargs)
        self.items[-1] = _escaped(self.items[-1], self.item_html_fields)


class RssFeed(PlainTextFeedMixin, XMLSafeFeedMixin, Rss201rev2Feed):
    feed_html_fields = ("description",)


class AtomFeed(PlainTextFeedMixin, XMLSafeFeedMixin, Atom1Feed):
    pass  # Atom's <subtitle>, which Django writes without a type, is text.


def _escaped(fields, names):
    return {
        key: escape(value) if key in names and value is not None else value
        for key, value in fields.items()
    }


def _xml_safe(value):
    if isinstance(value, str):
        return strip_control_characters(value)
    if isinstance(value, dict):
        return {key: _xml_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_xml_safe(item) for item in value]
    return value  # dates, numbers, enclosures (their URLs are percent-encoded)


class LatestArticlesFeed(Feed):
    """The newest public articles as RSS 2.0; links are absolute from SITE_URL."""

    feed_type = RssFeed

    def title(self):
        return settings.SITE_NAME

    def description(self):
        return f"The latest articles from {settings.SITE_NAME}."

    subtitle = description

    def link(self):
        return absolute_url(reverse("articles:home"))

    def feed_url(self):
        return absolute_url(reverse("articles:feed_rss"))

    def articles(self):
        # The body's text stands in for an empty description.
        return Article.objects.published().for_listing().only_shown()

    def items(self):
        return self.articles()[:FEED_SIZE]

    def item_title(self, article):
        return article.display_headline

    def item_description(self, article):
        return description_of(article)

    def item_link(self, article):
        return absolute_url(article.get_absolute_url())

    # The id is not the address, which a new slug changes.
    item_guid_is_permalink = False

    def item_guid(self, article):
        # Articles in feeds before ids were kept keep the one they had: their address then.
        if article.feed_id.startswith("/"):
            return absolute_url(article.feed_id)
        return article.feed_id

    def item_pubdate(self, article):
        return article.published_at

    def item_updateddate(self, article):
        return modified_time(article)

    def item_author_name(self, article):
        return article.byline or None

    def item_categories(self, article):
        return [tag.name for tag in article.tags.all()]

    def item_enclosures(self, article):
        # The same image the article's Open Graph and JSON-LD name.
        url = lead_image(article).url
        mime_type = mimetypes.guess_type(url)[0] or "image/jpeg"
        # RSS wants a length in bytes; 0 is the convention when it is not known here.
        return [Enclosure(url, "0", mime_type)]


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = AtomFeed

    def feed_url(self):
        return absolute_url(reverse("articles:feed_atom"))


class TagArticlesFeed(LatestArticlesFeed):
    """The newest public articles with one tag."""

    feed_url_name = "articles:tag_feed_rss"

    def get_object(self, request, slug):
        return get_object_or_404(Tag, slug=slug)

    def title(self, tag):
        return f"{settings.SITE_NAME}: {tag.name}"

    def description(self, tag):
        return f"The latest articles tagged “{tag.name}” on {settings.SITE_NAME}."

    subtitle = description

    def link(self, tag):
        return absolute_url(tag.get_absolute_url())

    def feed_url(self, tag):
        return absolute_url(reverse(self.feed_url_name, kwargs={"slug": tag.slug}))

    def items(self, tag):
        return self.articles().filter(tags=tag)[:FEED_SIZE]


class TagArticlesAtomFeed(TagArticlesFeed):
    feed_type = AtomFeed
    feed_url_name = "articles:tag_feed_atom"
