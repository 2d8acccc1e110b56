"""Honest update dates and corrections: what an Editor's choice of minor fix, update or
correction tells readers (the page, its JSON-LD, the feeds, the sitemaps), the corrections
themselves (the article's box, /corrections/ and its feeds), and who may touch them."""

import importlib
import json
from datetime import datetime, timedelta
from xml.etree import ElementTree as etree  # noqa: N813, S405 - parses our own output

import feedparser
import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from articles.changes import Change, article_changed
from articles.models import Article, ChangeKind, Correction
from articles.views import CORRECTIONS_PAGE_SIZE
from tests.factories import ArticleFactory, seed_article, warm_navigation
from tests.test_admin import article_form_data

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://news.example"


def soup(response):
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content.decode(), "html.parser")


def news_article(page):
    (script,) = page.find_all("script", type="application/ld+json")
    (node,) = [n for n in json.loads(script.string)["@graph"] if n["@type"] == "NewsArticle"]
    return node


def moment(text):
    return datetime.fromisoformat(text)


def published_article(**overrides):
    """Public since yesterday (the articles sitemap's lastmod is a date), and still in the
    news sitemap (two days)."""
    return ArticleFactory(published_at=timezone.now() - timedelta(hours=30), **overrides)


def change(client, article, **overrides):
    """An Editor's "Publish change" of the article's change form, as the browser sends it
    (a plain save of a live article keeps a draft of the change: test_pending_changes.py)."""
    when = timezone.localtime(article.published_at)
    data = article_form_data(
        slug=article.slug,
        status=article.status,
        headline=article.headline,
        tags="",
        published_at_0=when.strftime("%Y-%m-%d"),
        published_at_1=when.strftime("%H:%M:%S"),
        _publish_change="Publish change",
    )
    data.update(overrides)
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(reverse("admin:articles_article_change", args=[article.pk]), data)


def form_errors(response):
    assert response.status_code == 200, "the form was accepted"
    return response.context["adminform"].form.errors


def what_readers_are_told(client, article):
    """The article's modified time as each reader of it has it."""
    page = soup(client.get(article.get_absolute_url()))
    times = page.select(".article__meta time")
    visible_update = moment(times[1]["datetime"]) if len(times) > 1 else None
    url = f"https://news.example{article.get_absolute_url()}"
    (entry,) = [e for e in feedparser.parse(client.get("/feeds/atom/").content).entries]
    # Atom's times keep their microseconds; the page's and the sitemaps' do not.
    feed_updated = moment(entry.updated).replace(microsecond=0)
    cache.clear()  # the sitemaps are cached for 15 minutes
    lastmod = {}
    for path in ("/sitemap-articles.xml", "/news-sitemap.xml"):
        root = etree.fromstring(client.get(path).content)  # noqa: S314 - our own output
        (url_node,) = [u for u in root.iterfind("sm:url", SITEMAP_NS)]
        assert url_node.findtext("sm:loc", namespaces=SITEMAP_NS) == url
        lastmod[path] = url_node.findtext("sm:lastmod", namespaces=SITEMAP_NS)
    return {
        "visible": visible_update,
        "json_ld": moment(news_article(page)["dateModified"]),
        "published": moment(news_article(page)["datePublished"]),
        "feed": feed_updated,
        # Django's sitemap gives the day alone; the news sitemap the time.
        "sitemap": lastmod["/sitemap-articles.xml"],
        "news_sitemap": moment(lastmod["/news-sitemap.xml"]),
    }


def local_day(when):
    return timezone.localtime(when).date().isoformat()


# --- minor fix, update, correction ---------------------------------------------------------


def test_a_minor_fix_tells_readers_nothing(client, editor):
    article = published_article()
    client.force_login(editor)
    before = what_readers_are_told(client, article)
    response = change(client, article, headline="Fixed a typo", change_kind="minor")
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.headline == "Fixed a typo" and article.updated_publicly_at is None
    told = what_readers_are_told(client, article)
    assert told == before
    assert told["visible"] is None  # no "Updated" line
    assert told["json_ld"] == told["published"]
    assert told["feed"] == told["news_sitemap"] == told["published"]
    assert told["sitemap"] == local_day(told["published"]) != local_day(timezone.now())
    assert not article.corrections.exists()


@pytest.mark.parametrize("kind", ["update", "correction"])
def test_an_update_or_a_correction_moves_every_modified_time_to_now(client, editor, kind):
    article = published_article()
    client.force_login(editor)
    note = "An earlier version gave the wrong date." if kind == "correction" else ""
    started = timezone.now().replace(microsecond=0)
    response = change(client, article, headline="New facts", change_kind=kind, correction=note)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.updated_publicly_at >= started
    told = what_readers_are_told(client, article)
    expected = article.updated_publicly_at.replace(microsecond=0)
    assert told["visible"] == told["json_ld"] == told["feed"] == expected
    assert told["news_sitemap"] == expected
    assert told["sitemap"] == local_day(expected) != local_day(told["published"])
    assert told["published"] < expected
    page = soup(client.get(article.get_absolute_url()))
    assert "Updated" in page.select(".article__meta time")[1].parent.get_text()
    assert article.corrections.count() == (1 if kind == "correction" else 0)


def test_a_later_minor_fix_keeps_the_last_update_time(client, editor):
    article = published_article()
    article.save_change(ChangeKind.UPDATE)
    updated = Article.objects.get(pk=article.pk).updated_publicly_at
    client.force_login(editor)
    assert change(client, article, body="Typo fixed.", change_kind="minor").status_code == 302
    article.refresh_from_db()
    assert article.updated_publicly_at == updated
    assert article.updated_at > updated


def test_a_correction_is_published_with_its_note_time_and_editor(client, editor):
    article = published_article()
    client.force_login(editor)
    note = "We misnamed the minister. She is Ann Lee."
    response = change(client, article, change_kind="correction", correction=note)
    assert response.status_code == 302
    (correction,) = Correction.objects.all()
    article.refresh_from_db()
    assert (correction.article, correction.text, correction.created_by) == (article, note, editor)
    assert correction.published_at == article.updated_publicly_at


# --- the choice is required, and checked on the server --------------------------------------


def test_the_change_form_of_a_public_article_asks_the_kind_of_change(client, editor):
    article = published_article()
    client.force_login(editor)
    page = soup(client.get(reverse("admin:articles_article_change", args=[article.pk])))
    radios = page.select('input[type="radio"][name="change_kind"]')
    assert [radio["value"] for radio in radios] == ["minor", "update", "correction"]
    assert not any(radio.has_attr("checked") for radio in radios)  # the editor must choose
    labels = [radio.parent.get_text().strip() for radio in radios]
    assert labels[0].startswith("Minor fix: ") and "“Updated” time stays" in labels[0]
    assert labels[2].startswith("Correction: ")
    note = page.find("textarea", attrs={"name": "correction"})
    assert note["maxlength"] == "1000"


@pytest.mark.parametrize("status", [Article.Status.DRAFT, "scheduled", Article.Status.WITHDRAWN])
def test_an_article_readers_do_not_see_is_saved_without_a_kind_of_change(client, editor, status):
    if status == "scheduled":
        article = ArticleFactory(published_at=timezone.now() + timedelta(days=1))
    else:
        article = ArticleFactory(status=status)
    client.force_login(editor)
    page = soup(client.get(reverse("admin:articles_article_change", args=[article.pk])))
    assert not page.select('[name="change_kind"]')
    # A forged correction on it is no field of the form: nothing is published.
    response = change(
        client, article, headline="Edited", change_kind="correction", correction="Forged"
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.headline == "Edited" and article.updated_publicly_at is None
    assert not Correction.objects.exists()


def test_a_save_of_a_public_article_without_a_kind_of_change_is_refused(client, editor):
    article = published_article(headline="As published")
    client.force_login(editor)
    errors = form_errors(change(client, article, headline="Changed", change_kind=None))
    assert errors["change_kind"] == ["Choose the kind of change: minor fix, update or correction."]
    errors = form_errors(change(client, article, headline="Changed", change_kind="retraction"))
    assert "change_kind" in errors
    article.refresh_from_db()
    assert article.headline == "As published" and article.updated_publicly_at is None


def test_a_correction_needs_its_note_and_a_note_needs_a_correction(client, editor):
    article = published_article(headline="As published")
    client.force_login(editor)
    errors = form_errors(change(client, article, change_kind="correction", correction="  "))
    assert errors["correction"] == ["A correction needs a note telling readers what was wrong."]
    errors = form_errors(change(client, article, change_kind="update", correction="A note"))
    assert "only with a correction" in errors["correction"][0]
    errors = form_errors(change(client, article, change_kind="correction", correction="x" * 1001))
    assert "at most 1000 characters" in errors["correction"][0]
    errors = form_errors(change(client, article, change_kind="correction", correction="Bell \x07"))
    assert "control character (U+0007)" in errors["correction"][0]
    article.refresh_from_db()
    assert article.updated_publicly_at is None and not Correction.objects.exists()


def test_withdrawing_a_public_article_needs_no_kind_of_change(client, editor):
    article = published_article()
    client.force_login(editor)
    response = change(client, article, status="withdrawn", change_kind=None)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.WITHDRAWN and article.updated_publicly_at is None


def test_a_writer_cannot_publish_a_change_or_a_correction_to_a_live_article(client, writer):
    article = published_article(headline="As published")
    client.force_login(writer)
    response = change(
        client, article, headline="Forged", change_kind="correction", correction="Forged note"
    )
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.headline == "As published" and article.updated_publicly_at is None
    assert not Correction.objects.exists()


# --- who may touch a correction -------------------------------------------------------------


def correction_of(article=None, text="The report misstated the cost.", **fields):
    return Correction.objects.create(article=article or published_article(), text=text, **fields)


def test_the_change_form_lists_the_corrections_published_and_the_admin_lists_all(
    client, editor, django_assert_max_num_queries
):
    article = published_article()
    correction = correction_of(article, "The <b>cost</b> was wrong.")
    for _ in range(5):
        correction_of()
    client.force_login(editor)
    page = soup(client.get(reverse("admin:articles_article_change", args=[article.pk])))
    (item,) = page.select(".published-corrections li")
    change_url = reverse("admin:articles_correction_change", args=[correction.pk])
    assert item.find("a")["href"] == change_url
    assert item.get_text().endswith(": The <b>cost</b> was wrong.") and not item.find("b")
    counts = []
    for more in (0, 20):
        for _ in range(more):
            correction_of()
        with django_assert_max_num_queries(9) as queries:
            response = client.get(reverse("admin:articles_correction_changelist"))
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert len(soup(response).select("#result_list tbody tr")) == 26


def test_a_writer_sees_corrections_but_cannot_edit_or_delete_them(client, writer):
    correction = correction_of()
    client.force_login(writer)
    change_url = reverse("admin:articles_correction_change", args=[correction.pk])
    assert client.get(reverse("admin:articles_correction_changelist")).status_code == 200
    page = soup(client.get(change_url))
    assert not page.find("textarea", attrs={"name": "text"})  # read only
    assert client.post(change_url, {"text": "Forged"}).status_code == 403
    delete_url = reverse("admin:articles_correction_delete", args=[correction.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    response = client.post(
        reverse("admin:articles_correction_changelist"),
        {"action": "delete_selected", "_selected_action": [correction.pk], "post": "yes"},
    )
    assert response.status_code in {200, 302, 403}
    correction.refresh_from_db()
    assert correction.text == "The report misstated the cost."
    assert client.post(reverse("admin:articles_correction_add"), {"text": "x"}).status_code == 403


def test_an_editor_edits_and_deletes_a_correction_and_readers_are_told(
    client, editor, django_capture_on_commit_callbacks
):
    correction = correction_of()
    heard = []

    def listen(sender, article_ids, kind, **kwargs):
        heard.append((kind, article_ids))

    article_changed.connect(listen)
    try:
        client.force_login(editor)
        change_url = reverse("admin:articles_correction_change", args=[correction.pk])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(change_url, {"text": "The report misstated the total cost."})
        assert response.status_code == 302
        correction.refresh_from_db()
        assert correction.text == "The report misstated the total cost."
        delete_url = reverse("admin:articles_correction_delete", args=[correction.pk])
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(delete_url, {"post": "yes"}).status_code == 302
    finally:
        article_changed.disconnect(listen)
    assert not Correction.objects.exists()
    assert heard == [(Change.EDITED, (correction.article_id,))] * 2
    assert client.post(reverse("admin:articles_correction_add"), {"text": "x"}).status_code == 403


def test_deleting_selected_corrections_announces_their_articles(
    django_capture_on_commit_callbacks,
):
    first, second = correction_of(), correction_of()
    heard = []

    def listen(sender, article_ids, kind, **kwargs):
        heard.append((kind, article_ids))

    article_changed.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            Correction.objects.all().delete()
    finally:
        article_changed.disconnect(listen)
    assert heard == [(Change.EDITED, tuple(sorted([first.article_id, second.article_id])))]


def test_a_correction_without_text_is_refused_by_the_database():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Correction.objects.create(article=published_article(), text="")


# --- what readers see of a correction ------------------------------------------------------


def test_the_article_shows_its_corrections_box_and_json_ld(client):
    article = seed_article(published_at=timezone.now() - timedelta(days=1))
    old = correction_of(article, "The first figure was wrong.")
    Correction.objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(hours=5))
    new = correction_of(article, 'We wrote <b>"AT&T"</b>; it was Verizon.')
    page = soup(client.get(article.get_absolute_url()))

    box = page.select_one("aside.corrections#corrections")
    assert box.find("h2").get_text() == "Corrections"
    entries = box.select("li")
    assert [entry["id"] for entry in entries] == [f"correction-{new.pk}", f"correction-{old.pk}"]
    assert entries[0].select_one(".corrections__text").get_text() == new.text  # escaped
    assert not box.find("b")
    times = [moment(entry.find("time")["datetime"]) for entry in entries]
    old.refresh_from_db()
    assert times == [
        new.published_at.replace(microsecond=0),
        old.published_at.replace(microsecond=0),
    ]
    assert page.select_one('.article__meta a[href="#corrections"]').get_text() == "2 corrections"
    assert box.select_one('a[href="/corrections/"]')

    ld = news_article(page)["correction"]
    assert [c["@type"] for c in ld] == ["CorrectionComment"] * 2
    assert [c["text"] for c in ld] == [new.text, old.text]
    assert [moment(c["datePublished"]) for c in ld] == times


def test_an_article_without_corrections_has_no_box_and_no_json_ld_correction(client):
    article = published_article()
    page = soup(client.get(article.get_absolute_url()))
    assert not page.select(".corrections") and not page.select('a[href="#corrections"]')
    assert "correction" not in news_article(page)


def test_the_article_page_takes_the_same_queries_for_any_number_of_corrections(
    client, django_assert_num_queries
):
    bare = seed_article(slug="bare", tags=["One"])
    corrected = seed_article(slug="corrected", tags=["One"])
    for n in range(3):
        correction_of(corrected, f"Correction number {n}.")
    warm_navigation()
    client.get(bare.get_absolute_url())  # the sites framework caches its row
    # The article with its stored fragments (the corrections in them); its related stories.
    with django_assert_num_queries(2):
        client.get(bare.get_absolute_url())
    with django_assert_num_queries(2):
        response = client.get(corrected.get_absolute_url())
    assert len(soup(response).select(".corrections li")) == 3


@pytest.mark.parametrize("url", ["/feeds/rss/", "/feeds/atom/"])
def test_the_feed_item_carries_the_corrections_as_a_marked_note(client, url):
    article = published_article()
    plain = published_article()
    correction = correction_of(article, "We wrote <b>AT&T</b>; it was Verizon.")
    feed = feedparser.parse(client.get(url).content)
    assert not feed.bozo, feed.bozo_exception
    entries = {entry.link: entry for entry in feed.entries}
    summary = BeautifulSoup(
        entries[f"https://news.example{article.get_absolute_url()}"].summary, "html.parser"
    )
    description, note = summary.find_all("p")
    assert description.get_text() == article.description
    assert note.find("strong").get_text() == "Correction"
    shown = timezone.localtime(correction.published_at).strftime("%-d %B %Y, %H:%M")
    assert note.get_text().startswith(f"Correction ({shown} ")
    assert note.get_text().endswith("): We wrote <b>AT&T</b>; it was Verizon.")
    assert not note.find("b")
    plain_summary = entries[f"https://news.example{plain.get_absolute_url()}"].summary
    assert "Correction" not in plain_summary


def test_the_feed_takes_one_query_with_or_without_corrections(client, django_assert_num_queries):
    articles = [published_article() for _ in range(3)]
    client.get("/feeds/rss/")  # the sites framework caches its row
    # The articles, each with its stored item (the corrections in it).
    warm_navigation()
    with django_assert_num_queries(1):
        client.get("/feeds/rss/")
    for article in articles:
        correction_of(article, "One correction.")
        correction_of(article, "Another.")
    warm_navigation()
    with django_assert_num_queries(1):
        feed = feedparser.parse(client.get("/feeds/rss/").content)
    assert all(entry.summary.count("<strong>Correction</strong>") == 2 for entry in feed.entries)


# --- /corrections/ and its feeds -----------------------------------------------------------


def hidden_with_corrections():
    """A correction of each article readers cannot see."""
    return [
        correction_of(ArticleFactory(status=Article.Status.WITHDRAWN), "Of a withdrawn one."),
        correction_of(ArticleFactory(status=Article.Status.DRAFT), "Of a draft."),
        correction_of(
            ArticleFactory(published_at=timezone.now() + timedelta(days=1)), "Of a scheduled one."
        ),
    ]


def test_the_corrections_page_lists_public_articles_corrections_newest_first(client):
    first = correction_of(published_article(headline="Bridge <reopens>"), "First <i>note</i>.")
    Correction.objects.filter(pk=first.pk).update(published_at=timezone.now() - timedelta(days=2))
    second = correction_of(text="Second note.")
    hidden = hidden_with_corrections()
    page = soup(client.get("/corrections/"))
    assert page.find("h1").get_text() == "Corrections"
    entries = page.select(".correction-list > li")
    assert [entry["id"] for entry in entries] == [second.anchor, first.anchor]
    link = entries[1].select_one(".correction-list__headline a")
    assert link.get_text() == "Bridge <reopens>"
    assert link["href"] == f"{first.article.get_absolute_url()}#{first.anchor}"
    assert entries[1].select_one(".correction-list__text").get_text() == "First <i>note</i>."
    first.refresh_from_db()
    assert moment(entries[1].find("time")["datetime"]) == first.published_at.replace(microsecond=0)
    text = page.get_text()
    assert not any(correction.text in text for correction in hidden)
    feeds = {link["type"]: link["href"] for link in page.select('link[rel="alternate"]')}
    assert (
        "/feeds/corrections/rss/" in feeds.values() and "/feeds/corrections/atom/" in feeds.values()
    )
    # Withdrawn, the article keeps its corrections, unlisted.
    assert Correction.objects.filter(article__status=Article.Status.WITHDRAWN).count() == 1
    # And every page links here.
    assert soup(client.get("/")).select_one('footer a[href="/corrections/"]')


def test_the_corrections_page_is_paginated_in_a_fixed_number_of_queries(
    client, django_assert_num_queries
):
    article = published_article()
    Correction.objects.bulk_create(
        Correction(
            article=article, text=f"Note {n}.", published_at=timezone.now() - timedelta(minutes=n)
        )
        for n in range(CORRECTIONS_PAGE_SIZE + 2)
    )
    warm_navigation()
    with django_assert_num_queries(2):
        first_page = soup(client.get("/corrections/"))
    with django_assert_num_queries(2):
        second_page = soup(client.get("/corrections/?page=2"))
    assert len(first_page.select(".correction-list > li")) == CORRECTIONS_PAGE_SIZE
    assert [
        e.select_one(".correction-list__text").get_text()
        for e in second_page.select(".correction-list > li")
    ] == [
        f"Note {CORRECTIONS_PAGE_SIZE}.",
        f"Note {CORRECTIONS_PAGE_SIZE + 1}.",
    ]
    assert first_page.select_one('.pagination a[rel="next"]')["href"] == "?page=2"
    assert client.get("/corrections/?page=3").status_code == 404


def test_an_empty_corrections_page_says_so(client):
    hidden_with_corrections()
    page = soup(client.get("/corrections/"))
    assert "No correction has been published." in page.get_text()


@pytest.mark.parametrize("url", ["/feeds/corrections/rss/", "/feeds/corrections/atom/"])
def test_the_corrections_feeds_list_public_corrections(client, url, django_assert_num_queries):
    article = published_article(headline="Bridge reopens")
    correction = correction_of(article, "We wrote <b>Tuesday</b>; it was Monday.")
    hidden_with_corrections()
    client.get(url)  # the sites framework caches its row
    with django_assert_num_queries(1):
        response = client.get(url)
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Newsroom: corrections"
    assert feed.feed.link == "https://news.example/corrections/"
    (entry,) = feed.entries
    assert entry.title == "Correction: Bridge reopens"
    assert entry.link == f"https://news.example{article.get_absolute_url()}#{correction.anchor}"
    assert entry.id == f"https://news.example/corrections/#{correction.anchor}"
    summary = BeautifulSoup(entry.summary, "html.parser")
    assert summary.get_text() == correction.text and not summary.find("b")
    assert moment_of(entry.published_parsed) == correction.published_at.replace(microsecond=0)


@pytest.mark.parametrize("url", ["/feeds/corrections/rss/", "/feeds/corrections/atom/"])
def test_a_corrections_feed_entry_carries_its_articles_image(
    client, url, django_assert_num_queries
):
    # audit_feed.py (feedparser) warned "entries missing image" on the corrections feeds
    # while every article feed had one: the entry now encloses the corrected article's
    # lead image, read with the correction (its figure, credit and licence joined).
    pictured = seed_article()
    correction_of(pictured, "We wrote Tuesday; it was Monday.")
    correction_of(published_article(headline="No picture"), "The cost was misstated.")
    client.get(url)  # the sites framework caches its row
    with django_assert_num_queries(1):
        response = client.get(url)
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    images = {
        entry.title: [e.href for e in entry.enclosures if e.type.startswith("image/")]
        for entry in feed.entries
    }
    social_url, _, _ = pictured.lead_figure.social_image()
    assert images[f"Correction: {pictured.display_headline}"] == [
        f"https://news.example{social_url}"
    ]
    # Without a lead figure: the site's share card, as the article's own feed item has.
    (share_card,) = images["Correction: No picture"]
    assert share_card.startswith("https://news.example/static/")


def moment_of(parsed):
    from calendar import timegm
    from datetime import UTC

    return datetime.fromtimestamp(timegm(parsed), UTC)


# --- the importer and the migration ---------------------------------------------------------


def test_an_import_that_changes_a_public_article_is_an_update(tmp_path):
    from tests.test_importing import article_file, run

    meta = {"title": "T", "blog_url": "https://old.example/a", "page_date": "2024-05-01 10:00"}
    path = article_file(tmp_path, "a.md", meta)
    run(path, status="published")
    article = Article.objects.get()
    assert article.is_public and article.updated_publicly_at is None  # new: no update
    started = timezone.now()
    run(path, status="published")  # unchanged
    assert Article.objects.get().updated_publicly_at is None
    article_file(tmp_path, "a.md", meta, body="New facts.")
    run(path, status="published")
    assert Article.objects.get().updated_publicly_at >= started


def test_the_migration_keeps_the_updated_time_readers_were_shown():
    migration = importlib.import_module(
        "articles.migrations.0018_corrections_and_public_update_time"
    )
    now = timezone.now()

    def article(published, updated, imported=None, **fields):
        made = ArticleFactory(published_at=published, **fields)
        Article.objects.filter(pk=made.pk).update(updated_at=updated, imported_at=imported)
        return made.pk

    edited = article(now - timedelta(days=3), now - timedelta(hours=1))
    at_publishing = article(now - timedelta(days=3), now - timedelta(days=3, minutes=-2))
    imported = article(now - timedelta(days=300), now, imported=now - timedelta(minutes=1))
    withdrawn = article(
        now - timedelta(days=3), now - timedelta(hours=1), status=Article.Status.WITHDRAWN
    )
    draft = article(now - timedelta(days=3), now, status=Article.Status.DRAFT)
    migration.keep_the_updated_times_readers_saw(apps, None)
    shown = dict(Article.objects.values_list("pk", "updated_publicly_at"))
    assert shown[edited] == now - timedelta(hours=1)
    assert shown[withdrawn] == now - timedelta(hours=1)
    assert shown[at_publishing] is None and shown[imported] is None and shown[draft] is None
