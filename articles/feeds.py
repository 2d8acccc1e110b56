import mimetypes
from datetime import datetime
from io import StringIO

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.dateformat import format as format_date
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
from django.utils.xmlutils import SimplerXMLGenerator

from . import fragments
from .caching import LISTINGS, article_key, shows, tag_key
from .metadata import absolute_url, description_of, lead_image, modified_time
from .models import (
    Article,
    ArticleAuthor,
    Correction,
    Section,
    Tag,
    strip_control_characters,
)

FEED_SIZE = 30
DUBLIN_CORE = "http://purl.org/dc/elements/1.1/"


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
        self.items[-1] = _with_corrections(_escaped(self.items[-1], self.item_html_fields))


class RssFeed(PlainTextFeedMixin, XMLSafeFeedMixin, Rss201rev2Feed):
    feed_html_fields = ("description",)

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        # RSS's own <author> must be an e-mail address; Dublin Core's creator is a name,
        # and may be repeated.
        for name, _ in item.get("item_authors", ()):
            handler.addQuickElement("dc:creator", name, {"xmlns:dc": DUBLIN_CORE})


class AtomFeed(PlainTextFeedMixin, XMLSafeFeedMixin, Atom1Feed):
    # Atom's <subtitle>, which Django writes without a type, is text.

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name, url in item.get("item_authors", ()):
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            if url:
                handler.addQuickElement("uri", url)
            handler.endElement("author")


class StoredItemsMixin:
    """A feed generator writing items made beforehand, as they are: an article's item is
    written once per change of it (item_xml(), by fragments.feed_parts()) and stored, not
    again for every reader of every feed it is in."""

    stored_as = None  # the key of this format's item among an article's feed parts

    @classmethod
    def item_xml(cls, fields):
        """The XML of an item of these fields (those Django's Feed.get_feed() hands to
        add_item()), as this generator writes it in a feed."""
        feed = cls(title="", link="", description="")
        feed.add_item(**fields)
        out = StringIO()
        # The format's own way of writing its items: write_items() here writes stored ones.
        super(StoredItemsMixin, feed).write_items(
            SimplerXMLGenerator(out, "utf-8", short_empty_elements=True)
        )
        return out.getvalue()

    def add_stored_item(self, parts):
        """An article's item from its feed parts (fragments.feed_parts())."""
        self.items.append(
            {
                "xml": parts[self.stored_as],
                # What latest_post_date() tells the feed's own last update by.
                "pubdate": _moment(parts["pubdate"]),
                "updateddate": _moment(parts["updateddate"]),
            }
        )

    def write_items(self, handler):
        for item in self.items:
            # Written as it is (ignorableWhitespace() escapes nothing): item_xml() made it.
            handler.ignorableWhitespace(item["xml"])


class StoredItemsRssFeed(StoredItemsMixin, RssFeed):
    stored_as = "rss"


class StoredItemsAtomFeed(StoredItemsMixin, AtomFeed):
    stored_as = "atom"


# The formats an article's item is stored in.
STORED_ITEM_FORMATS = (StoredItemsRssFeed, StoredItemsAtomFeed)


def _moment(iso):
    return datetime.fromisoformat(iso) if iso else None


def _escaped(fields, names):
    return {
        key: escape(value) if key in names and value is not None else value
        for key, value in fields.items()
    }


def _with_corrections(item):
    """The item's description (escaped already) followed by its article's corrections, each
    a paragraph marked "Correction" with its date: readers show the description, and many
    ignore any element of a feed they do not know."""
    corrections = item.pop("corrections", ())
    if not corrections:
        return item
    notes = format_html_join("", "<p><strong>Correction</strong> ({}): {}</p>", corrections)
    description = format_html("<p>{}</p>{}", mark_safe(item["description"]), notes)
    return {**item, "description": description}


def _xml_safe(value):
    if isinstance(value, str):
        return strip_control_characters(value)
    if isinstance(value, dict):
        return {key: _xml_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_xml_safe(item) for item in value]
    return value  # dates, numbers, enclosures (their URLs are percent-encoded)


class LatestArticlesFeed(Feed):
    """The newest public articles as RSS 2.0; links are absolute from SITE_URL.

    Each article's item is made from it (item_fields(), the item_* methods) once per
    change and stored with it (fragments.feed_parts()); a feed reads the articles' stored
    items beside them, and writes them as they are under Django's own channel."""

    feed_type = StoredItemsRssFeed

    def title(self):
        return settings.SITE_NAME

    def description(self):
        return f"The latest articles from {settings.SITE_NAME}."

    subtitle = description

    def link(self):
        return absolute_url(reverse("articles:home"))

    def feed_url(self):
        return absolute_url(reverse("articles:feed_rss"))

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        articles = self.articles(obj)
        for article in articles:
            feed.add_stored_item(article.shown["feed"])
        shows(request, LISTINGS, *self.listing_keys(obj), *map(article_key, articles))
        return feed

    def listing_keys(self, obj):
        return ["feed"]

    def items(self, obj=None):
        # None for Django's loop, which would make every item again for every reader:
        # get_feed() adds the articles' stored items.
        return ()

    def articles(self, obj):
        """The feed's articles, each with its stored item (`article.shown["feed"]`)."""
        articles = Article.objects.latest_public_with(
            "feed", limit=FEED_SIZE, among=self.among(obj)
        )
        return fragments.fresh(articles, "feed")

    def among(self, obj):
        """Which public articles the feed is of ({lookup: [ids]}): all of them, here."""
        return {}

    def item_fields(self, article):
        """What Django's Feed.get_feed() hands to the generator's add_item() for this
        article (read by for_fragments(), its corrections with it)."""
        return {
            "title": self.item_title(article),
            "link": self.item_link(article),
            "description": self.item_description(article),
            "unique_id": self.item_guid(article),
            "unique_id_is_permalink": self.item_guid_is_permalink,
            "enclosures": self.item_enclosures(article),
            "pubdate": self.item_pubdate(article),
            "updateddate": self.item_updateddate(article),
            "categories": self.item_categories(article),
            **self.item_extra_kwargs(article),
        }

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

    def item_extra_kwargs(self, article):
        """Every author, in order, as (name, page URL): Django's own item_author_name()
        holds one author only. Without authors, the byline text is the author's name."""
        authors = [
            (author.name, absolute_url(author.get_absolute_url()))
            for author in article.credited(ArticleAuthor.Role.AUTHOR)
        ]
        if not authors and article.byline:
            authors = [(article.byline, None)]
        corrections = [
            (shown_time(correction.published_at), correction.text)
            for correction in article.shown_corrections()
        ]
        # Read by our feed generators: the authors by add_item_elements(), the corrections
        # by PlainTextFeedMixin (appended to the description).
        return {"item_authors": authors, "corrections": corrections}

    def item_categories(self, article):
        return [tag.name for tag in article.tags.all()]

    def item_enclosures(self, article):
        return image_enclosures(article)


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = StoredItemsAtomFeed

    def feed_url(self):
        return absolute_url(reverse("articles:feed_atom"))


class TagArticlesFeed(LatestArticlesFeed):
    """The newest public articles with one tag."""

    feed_url_name = "articles:tag_feed_rss"

    def get_object(self, request, slug):
        return get_object_or_404(Tag, slug=slug)

    def listing_keys(self, tag):
        return ["feed", tag_key(tag)]

    def title(self, tag):
        return f"{settings.SITE_NAME}: {tag.name}"

    def description(self, tag):
        return f"The latest articles tagged “{tag.name}” on {settings.SITE_NAME}."

    subtitle = description

    def link(self, tag):
        return absolute_url(tag.get_absolute_url())

    def feed_url(self, tag):
        return absolute_url(reverse(self.feed_url_name, kwargs={"slug": tag.slug}))

    def among(self, tag):
        return {"tags": [tag.pk]}


class TagArticlesAtomFeed(TagArticlesFeed):
    feed_type = StoredItemsAtomFeed
    feed_url_name = "articles:tag_feed_atom"


class SectionArticlesFeed(TagArticlesFeed):
    """The newest public articles of a section and its subsections."""

    feed_url_name = "articles:section_feed_rss"

    def get_object(self, request, slug):
        # The sections as the front and the navigation read them (from the cache): the
        # section and its family without a query of their own. The tree is this
        # request's copy, so the section can carry its family's ids.
        tree = Section.objects.shared_tree()
        section = next((s for s in tree.sections if s.slug == slug), None)
        if section is None:
            raise Http404("No such section.")
        section.family_ids = tree.family_ids(section.pk)
        return section

    def listing_keys(self, section):
        return ["feed", f"section-{section.pk}"]

    def title(self, section):
        return f"{settings.SITE_NAME}: {section.name}"

    def description(self, section):
        return f"The latest articles in {section.name} on {settings.SITE_NAME}."

    subtitle = description

    def among(self, section):
        return {"section": section.family_ids}


class SectionArticlesAtomFeed(SectionArticlesFeed):
    feed_type = StoredItemsAtomFeed
    feed_url_name = "articles:section_feed_atom"


class CorrectionsFeed(Feed):
    """The newest corrections of public articles, each linking to its article."""

    feed_type = RssFeed

    def title(self):
        return f"{settings.SITE_NAME}: corrections"

    def description(self):
        return f"What {settings.SITE_NAME} got wrong, and corrected."

    subtitle = description

    def link(self):
        return absolute_url(reverse("articles:corrections"))

    def feed_url(self):
        return absolute_url(reverse("articles:corrections_feed_rss"))

    def items(self):
        return Correction.objects.public().for_feed()[:FEED_SIZE]

    def item_title(self, correction):
        return f"Correction: {correction.article.display_headline}"

    def item_description(self, correction):
        return correction.text

    def item_link(self, correction):
        return absolute_url(correction.get_absolute_url())

    # An id that a new slug of the article does not change: its entry on /corrections/.
    item_guid_is_permalink = False

    def item_guid(self, correction):
        return f"{absolute_url(reverse('articles:corrections'))}#{correction.anchor}"

    def item_pubdate(self, correction):
        return correction.published_at

    item_updateddate = item_pubdate

    def item_enclosures(self, correction):
        # The corrected article's image, as its own item shows: feed readers show an
        # entry without one as a blank (and feed checkers warn about it).
        return image_enclosures(correction.article)


class CorrectionsAtomFeed(CorrectionsFeed):
    feed_type = AtomFeed

    def feed_url(self):
        return absolute_url(reverse("articles:corrections_feed_atom"))


def image_enclosures(article):
    """The same image the article's Open Graph and JSON-LD name, as a feed enclosure."""
    url = lead_image(article).url
    mime_type = mimetypes.guess_type(url)[0] or "image/jpeg"
    # RSS wants a length in bytes; 0 is the convention when it is not known here.
    return [Enclosure(url, "0", mime_type)]


def shown_time(moment):
    """A time as the site's pages show it: "1 December 2026, 14:05 UTC"."""
    return format_date(localtime(moment), "j F Y, H:i T")
