"""Feeds write each article's item as stored with it (fragments.feed_parts()): the same
bytes Django's own loop writes from the article, and the new ones at once after a write."""

from datetime import timedelta

import feedparser
import pytest
from django.contrib.syndication.views import Feed
from django.urls import resolve
from django.utils import timezone

from articles.authors import AuthorArticlesAtomFeed, AuthorArticlesFeed
from articles.feeds import (
    FEED_SIZE,
    AtomFeed,
    LatestArticlesAtomFeed,
    LatestArticlesFeed,
    RssFeed,
    SectionArticlesAtomFeed,
    TagArticlesFeed,
)
from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    Correction,
    Section,
    Tag,
)
from articles.models.article import with_corrections_read
from tests.factories import ArticleFactory, image_file, seed_article, warm_navigation

pytestmark = pytest.mark.django_db

FEEDS = {
    "/feeds/rss/": LatestArticlesFeed,
    "/feeds/atom/": LatestArticlesAtomFeed,
    "/feeds/tags/ukraine/rss/": TagArticlesFeed,
    "/sections/world/feeds/atom/": SectionArticlesAtomFeed,
    "/authors/ann-lee/feeds/rss/": AuthorArticlesFeed,
    "/authors/ann-lee/feeds/atom/": AuthorArticlesAtomFeed,
}


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://news.example"


@pytest.fixture
def seed():
    """A public article with tags, a section, two authors and a photographer, a lead
    figure (the enclosure) and a correction; an older one corrected since, so that the
    feed's last update is not its newest article's publication; a draft."""
    now = timezone.now()
    world = Section.objects.create(name="World", slug="world")
    seed = seed_article(published_at=now - timedelta(hours=3), section=world)
    ann = Author.objects.create(name="Ann <Lee> & Co", slug="ann-lee")
    for position, (name, role) in enumerate(
        [("Ann", ArticleAuthor.Role.AUTHOR), ("Bo Chen", ArticleAuthor.Role.PHOTOGRAPHS)]
    ):
        author = ann if name == "Ann" else Author.objects.create(name=name, slug="bo-chen")
        ArticleAuthor.objects.create(article=seed, author=author, role=role, position=position)
    Correction.objects.create(article=seed, text="We wrote <b>AT&T</b>; it was Verizon.")
    older = ArticleFactory(
        published_at=now - timedelta(days=2), tags=["Ukraine"], byline="Staff", section=world
    )
    ArticleAuthor.objects.create(article=older, author=ann, position=0)
    Correction.objects.create(article=older, text="The bridge is in Kyiv.")
    Article.objects.filter(pk=older.pk).update(updated_publicly_at=now - timedelta(minutes=5))
    ArticleFactory(status=Article.Status.DRAFT, tags=["Ukraine"])
    return seed


def live(feed_class):
    """The feed as Django's own loop makes it: each item from its article (read with
    everything it shows), by the feed's item methods, for every reader."""
    stored_as = feed_class.feed_type.stored_as

    class LiveFeed(feed_class):
        feed_type = {"rss": RssFeed, "atom": AtomFeed}[stored_as]
        get_feed = Feed.get_feed

        def items(self, obj=None):
            articles = Article.objects.published().for_fragments()
            for lookup, ids in self.among(obj).items():
                articles = articles.filter(**{f"{lookup}__in": ids})
            return with_corrections_read(articles[:FEED_SIZE])

    return LiveFeed()


@pytest.mark.parametrize("url", FEEDS)
def test_a_feed_of_stored_items_is_the_feed_django_writes_from_the_articles(client, rf, seed, url):
    warm_navigation()
    stored = client.get(url)
    made_live = live(FEEDS[url])(rf.get(url), **resolve(url).kwargs)
    assert stored.content == made_live.content
    assert stored["Last-Modified"] == made_live["Last-Modified"]
    feed = feedparser.parse(stored.content)
    assert not feed.bozo, feed.bozo_exception
    assert len(feed.entries) == 2
    # The feed's last update: the older article's, corrected after the newest was published.
    older = Article.objects.published().last()
    assert feed.feed.updated_parsed[:6] == older.updated_publicly_at.utctimetuple()[:6]


def test_items_stored_read_in_one_query_and_made_when_missing(
    client, seed, django_assert_num_queries
):
    client.get("/feeds/rss/")  # the sites framework caches its row; the items are stored
    with django_assert_num_queries(1):
        first = client.get("/feeds/rss/").content
    seed.fragments.feed = {}
    seed.fragments.fingerprint = ""
    seed.fragments.save()
    assert client.get("/feeds/rss/").content == first
    seed.fragments.refresh_from_db()
    assert "<item><title>Russia lost" in seed.fragments.feed["rss"]


def entry_of(client, url, article):
    feed = feedparser.parse(client.get(url).content)
    assert not feed.bozo, feed.bozo_exception
    (entry,) = [e for e in feed.entries if e.link.endswith(article.get_absolute_url())]
    return entry


def correct(seed):
    Correction.objects.create(article=seed, text="The count was 62,300.")
    return lambda entry: "The count was 62,300." in entry.summary


def rename_tag(seed):
    tag = Tag.objects.get(name="War")
    tag.name = "Conflict"
    tag.save()
    return lambda entry: sorted(t.term for t in entry.tags) == ["Conflict", "Ukraine"]


def rename_author(seed):
    author = Author.objects.get(slug="ann-lee")
    author.name = "Ann Lee-Smith"
    author.save()
    return lambda entry: entry.author == "Ann Lee-Smith"


def replace_the_picture(seed):
    figure = seed.lead_figure
    figure.image = image_file(name="harbour.jpg", width=120, height=80)
    figure.save()

    def shows_it(entry):
        (enclosure,) = [link for link in entry.links if link.rel == "enclosure"]
        return "-harbour-" in enclosure.href

    return shows_it


@pytest.mark.parametrize("write", [correct, rename_tag, rename_author, replace_the_picture])
@pytest.mark.parametrize("url", ["/feeds/rss/", "/feeds/atom/"])
def test_a_write_shows_in_the_feed_at_once(
    client, rf, seed, url, write, django_capture_on_commit_callbacks
):
    warm_navigation()
    before = client.get(url).content
    with django_capture_on_commit_callbacks(execute=True):
        shows_it = write(seed)
    assert not shows_it(feedparser.parse(before).entries[0])
    assert shows_it(entry_of(client, url, seed))
    assert client.get(url).content == live(FEEDS[url])(rf.get(url)).content
