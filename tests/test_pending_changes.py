"""Changes to a live article go out when published: the change form keeps a draft of the
change (models/pending.py) that readers never see (the page, its JSON-LD, the feeds, the
sitemaps) until an Editor publishes it, now or at a time, as a minor fix, an update or a
correction; Writers prepare drafts but never publish them; a draft can be previewed,
compared with the live version, discarded, and is never saved over unknowingly."""

import re
from datetime import timedelta
from unittest import mock

import feedparser
import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from articles.caching import publish_due_changes
from articles.models import Article, Correction, PendingChange, Revision
from tests.factories import warm_navigation
from tests.test_admin import messages_of
from tests.test_corrections import (
    change,
    form_errors,
    news_article,
    published_article,
    soup,
    what_readers_are_told,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://news.example"


def draft_change(client, article, **overrides):
    """A save (not "Publish change") of the live article's form, as the browser sends it."""
    return change(client, article, _publish_change=None, **overrides)


def form_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def what_readers_see(client, article):
    """The headline of the article on its page, in its JSON-LD and in the feed; the
    modified times each reader has (test_corrections.what_readers_are_told())."""
    page = soup(client.get(article.get_absolute_url()))
    (entry,) = feedparser.parse(client.get("/feeds/atom/").content).entries
    return {
        "headline": page.select_one("h1").get_text(strip=True),
        "json_ld_headline": news_article(page)["headline"],
        "feed_title": entry.title,
        "body": page.select_one(".article__body").get_text(" ", strip=True),
        **what_readers_are_told(client, article),
    }


@pytest.fixture
def live():
    return published_article(headline="Bridge reopens", body="The bridge reopened.")


# --- a draft of a change, unseen by readers ------------------------------------------------


@pytest.mark.parametrize("who", ["editor", "writer"])
def test_a_save_of_a_live_article_keeps_a_draft_readers_do_not_see(client, live, who, request):
    before = what_readers_see(client, live)
    client.force_login(request.getfixturevalue(who))
    response = draft_change(client, live, headline="Bridge closes again", body="Closed.")
    assert response.status_code == 302, form_errors(response)
    assert "readers see the published version" in " ".join(messages_of(response))
    client.logout()
    assert what_readers_see(client, live) == before
    assert before["headline"] == "Bridge reopens" and before["body"] == "The bridge reopened."
    stored = Article.objects.get(pk=live.pk)
    assert (stored.headline, stored.body) == ("Bridge reopens", "The bridge reopened.")
    pending = PendingChange.objects.get(article=live)
    assert pending.snapshot["headline"] == "Bridge closes again"
    assert pending.snapshot["body"] == "Closed."
    assert pending.updated_by.username == who and pending.publish_at is None
    # No revision: the article did not change.
    assert not Revision.objects.filter(article=live, snapshot__headline="Bridge closes again")


def test_the_form_of_a_live_article_says_so_and_holds_the_draft(client, editor, live):
    client.force_login(editor)
    page = soup(client.get(form_url(live)))
    banner = page.select_one("#pending-change").get_text(" ", strip=True)
    assert "You are editing a draft of a live article; readers see the published version" in (
        banner
    )
    draft_change(client, live, headline="Bridge closes again", tags="floods, roads")
    page = soup(client.get(form_url(live)))
    assert page.select_one("#id_headline")["value"] == "Bridge closes again"
    assert page.select_one("#id_tags")["value"] == "floods, roads"
    # The difference from the live version, word by word, and a preview of the draft.
    diff = page.select_one("#pending-change .revision-changes").get_text(" ", strip=True)
    assert "Headline" in diff and "closes again" in diff and "reopens" in diff
    preview = page.select_one("#pending-change a[href*='preview']")["href"]
    shown = soup(client.get(preview))
    assert shown.select_one("h1").get_text(strip=True) == "Bridge closes again"
    assert client.get(preview).headers["Cache-Control"].startswith("private, no-store")
    assert [a.get_text(strip=True) for a in shown.select(".article__tags a")] == []  # new tags
    page_again = soup(client.get(live.get_absolute_url()))
    assert page_again.select_one("h1").get_text(strip=True) == "Bridge reopens"


def test_a_draft_of_a_draft_article_is_no_thing(client, editor):
    draft = published_article(status=Article.Status.DRAFT, headline="Plans")
    client.force_login(editor)
    assert not soup(client.get(form_url(draft))).select("#pending-change")
    response = draft_change(client, draft, headline="Plans, revised", status="draft")
    assert response.status_code == 302
    assert Article.objects.get(pk=draft.pk).headline == "Plans, revised"
    assert not PendingChange.objects.exists()


# --- publishing: Editors only ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["minor", "update", "correction"])
def test_an_editor_publishes_the_draft_as_the_kind_of_change_chosen(client, editor, live, kind):
    client.force_login(editor)
    draft_change(client, live, headline="Bridge reopens to lorries")
    before = what_readers_see(client, live)
    note = "The bridge was said to be closed to lorries." if kind == "correction" else ""
    response = change(
        client, live, headline="Bridge reopens to lorries", change_kind=kind, correction=note
    )
    assert response.status_code == 302, form_errors(response)
    client.logout()
    after = what_readers_see(client, live)
    assert after["headline"] == after["json_ld_headline"] == "Bridge reopens to lorries"
    assert after["feed_title"] == "Bridge reopens to lorries"
    if kind == "minor":
        assert after["json_ld"] == before["json_ld"] and after["visible"] is None
    else:
        assert after["json_ld"] > before["json_ld"] and after["visible"] == after["json_ld"]
    page = soup(client.get(live.get_absolute_url()))
    corrections = page.select(".corrections li")
    assert [c.get_text(" ", strip=True).endswith(note) for c in corrections] == (
        [True] if note else []
    )
    assert not PendingChange.objects.exists()
    newest = Revision.objects.filter(article=live).first()
    assert newest.snapshot["headline"] == "Bridge reopens to lorries"
    assert newest.user == editor and newest.was_public


def test_a_writer_cannot_publish_a_draft_even_by_a_forged_post(client, writer, live):
    client.force_login(writer)
    draft_change(client, live, headline="Drafted by the writer")
    response = change(client, live, headline="Forged", change_kind="correction", correction="x")
    assert response.status_code == 403
    assert Article.objects.get(pk=live.pk).headline == "Bridge reopens"
    assert not Correction.objects.exists()
    # Nothing of the forged save was kept either: the draft is the writer's own.
    assert PendingChange.objects.get().snapshot["headline"] == "Drafted by the writer"
    page = soup(client.get(form_url(live)))
    assert not page.select('[name="_publish_change"]') and not page.select('[name="change_kind"]')
    # Nor the status, time or address of the live article, which a draft leaves as they are.
    assert not page.select('[name="status"]') and not page.select('[name="slug"]')


def test_an_editor_publishes_a_writers_draft(client, writer, editor, live):
    client.force_login(writer)
    draft_change(client, live, headline="Drafted by the writer")
    client.force_login(editor)
    page = soup(client.get(form_url(live)))
    assert page.select_one("#id_headline")["value"] == "Drafted by the writer"
    response = change(client, live, headline="Drafted by the writer", change_kind="update")
    assert response.status_code == 302
    assert Article.objects.get(pk=live.pk).headline == "Drafted by the writer"
    assert Revision.objects.filter(article=live).first().user == editor


def test_publishing_asks_the_kind_of_change_and_a_corrections_note(client, editor, live):
    client.force_login(editor)
    errors = form_errors(change(client, live, headline="New", change_kind=None))
    assert errors["change_kind"] == ["Choose the kind of change: minor fix, update or correction."]
    errors = form_errors(change(client, live, change_kind="correction", correction=""))
    assert "correction" in errors
    assert Article.objects.get(pk=live.pk).headline == "Bridge reopens"
    # A draft needs neither.
    assert draft_change(client, live, headline="New", change_kind=None).status_code == 302


# --- scheduled changes ---------------------------------------------------------------------


def schedule(client, live, at, **fields):
    local = timezone.localtime(at)
    return change(
        client,
        live,
        publish_change_at_0=local.strftime("%Y-%m-%d"),
        publish_change_at_1=local.strftime("%H:%M:%S"),
        **fields,
    )


def test_a_scheduled_change_appears_at_its_time_with_nothing_to_run(client, editor, live):
    client.force_login(editor)
    at = timezone.now().replace(microsecond=0) + timedelta(hours=2)
    response = schedule(client, live, at, headline="Embargoed news", change_kind="update")
    assert response.status_code == 302, form_errors(response)
    assert "scheduled" in " ".join(messages_of(response))
    client.logout()
    assert what_readers_see(client, live)["headline"] == "Bridge reopens"
    pending = PendingChange.objects.get()
    assert (pending.publish_at, pending.kind, pending.scheduled_by) == (at, "update", editor)
    later = at + timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        seen = what_readers_see(client, live)
    assert seen["headline"] == seen["json_ld_headline"] == seen["feed_title"] == "Embargoed news"
    assert seen["json_ld"] and seen["visible"] == later.replace(microsecond=0)
    assert not PendingChange.objects.exists()
    newest = Revision.objects.filter(article=live).first()
    assert newest.snapshot["headline"] == "Embargoed news" and newest.user == editor


def test_the_page_cache_and_cache_control_stop_at_a_scheduled_change(
    client, editor, live, settings
):
    settings.PAGE_CACHE = True
    settings.PAGE_MAX_AGE = settings.PAGE_SHARED_MAX_AGE = settings.PAGE_CACHE_SECONDS = 3600
    client.force_login(editor)
    at = timezone.now() + timedelta(seconds=100)
    schedule(client, live, at, headline="Embargoed news", change_kind="minor")
    client.logout()
    response = client.get(live.get_absolute_url())
    max_age = int(re.search(r"max-age=(\d+)", response["Cache-Control"])[1])
    s_maxage = int(re.search(r"s-maxage=(\d+)", response["Cache-Control"])[1])
    assert 0 < max_age <= 100 and 0 < s_maxage <= 100
    assert soup(client.get(live.get_absolute_url())).h1.get_text(strip=True) == "Bridge reopens"
    with mock.patch("django.utils.timezone.now", return_value=at + timedelta(seconds=1)):
        page = soup(client.get(live.get_absolute_url()))
    assert page.h1.get_text(strip=True) == "Embargoed news"


def test_a_due_change_is_published_once_whoever_asks(client, editor, live):
    client.force_login(editor)
    at = timezone.now() + timedelta(minutes=5)
    schedule(client, live, at, headline="Once", change_kind="correction", correction="Wrong.")
    with mock.patch("django.utils.timezone.now", return_value=at + timedelta(seconds=1)):
        assert PendingChange.objects.publish_due() == 1
        assert PendingChange.objects.publish_due() == 0
        publish_due_changes()
    assert Correction.objects.get().text == "Wrong."
    assert Revision.objects.filter(article=live, snapshot__headline="Once").count() == 1


def test_a_change_that_can_no_longer_be_published_is_unscheduled_with_the_reason(
    client, editor, live
):
    client.force_login(editor)
    at = timezone.now() + timedelta(minutes=5)
    schedule(client, live, at, headline="Too late", change_kind="update")
    live.refresh_from_db()
    live.withdraw()
    with mock.patch("django.utils.timezone.now", return_value=at + timedelta(seconds=1)):
        assert PendingChange.objects.publish_due() == 0
    pending = PendingChange.objects.get()
    assert pending.publish_at is None and "withdrawn" in pending.problem
    assert Article.objects.get(pk=live.pk).headline == "Bridge reopens"


def test_saving_a_scheduled_draft_again_unschedules_it(client, editor, writer, live):
    client.force_login(editor)
    schedule(client, live, timezone.now() + timedelta(hours=1), change_kind="minor")
    client.force_login(writer)
    response = draft_change(client, live, headline="Rewritten after approval")
    assert "no longer scheduled" in " ".join(messages_of(response))
    assert PendingChange.objects.get().publish_at is None


# --- discarding, stale saves, autosave -------------------------------------------------------


def test_a_draft_is_discarded_and_the_form_shows_the_live_version(client, writer, editor, live):
    client.force_login(writer)
    draft_change(client, live, headline="Second thoughts")
    url = reverse("admin:articles_article_pending_discard", args=[live.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert not PendingChange.objects.exists()
    page = soup(client.get(form_url(live)))
    assert page.select_one("#id_headline")["value"] == "Bridge reopens"
    assert Article.objects.get(pk=live.pk).headline == "Bridge reopens"
    # A change an Editor scheduled is an Editor's to discard.
    client.force_login(editor)
    schedule(client, live, timezone.now() + timedelta(hours=1), change_kind="minor")
    client.force_login(writer)
    assert client.post(url).status_code == 403
    assert PendingChange.objects.exists()
    client.force_login(editor)
    assert client.post(url).status_code == 302
    assert not PendingChange.objects.exists()


def loaded_versions(client, article):
    page = soup(client.get(form_url(article)))
    return {
        name: page.select_one(f'[name="{name}"]')["value"]
        for name in ("loaded_revision", "loaded_pending")
    }


def test_saving_over_a_draft_saved_since_is_refused_and_the_text_kept(client, writer, editor, live):
    client.force_login(writer)
    mine = loaded_versions(client, live)
    client.force_login(editor)
    theirs = loaded_versions(client, live)
    assert draft_change(client, live, headline="The editor's", **theirs).status_code == 302
    client.force_login(writer)
    response = draft_change(client, live, headline="The writer's", **mine)
    errors = form_errors(response)
    assert "editor saved the draft of a change" in " ".join(errors["__all__"])
    page = soup(response)
    assert page.select_one("#id_headline")["value"] == "The writer's"
    assert "The editor" in page.select_one("#newer-version").get_text()
    assert PendingChange.objects.get().snapshot["headline"] == "The editor's"
    # Saving again replaces it knowingly.
    again = {name: page.select_one(f'[name="{name}"]')["value"] for name in mine}
    assert draft_change(client, live, headline="The writer's", **again).status_code == 302
    assert PendingChange.objects.get().snapshot["headline"] == "The writer's"


def test_autosave_of_a_live_article_is_offered_against_its_draft(client, writer, live):
    client.force_login(writer)
    draft_change(client, live, headline="Drafted")
    autosave = reverse("admin:articles_article_autosave", args=[live.pk])
    assert client.post(autosave, {"headline": "Drafted"}).status_code == 200
    # The form holds the draft already: nothing to offer.
    assert not soup(client.get(form_url(live))).select(".autosave-found")
    client.post(autosave, {"headline": "Typed, never saved"})
    assert soup(client.get(form_url(live))).select(".autosave-found")
    assert Article.objects.get(pk=live.pk).headline == "Bridge reopens"


def test_the_form_of_a_live_article_with_a_draft_takes_pinned_queries(
    client, editor, live, django_assert_num_queries
):
    client.force_login(editor)
    draft_change(client, live, headline="Drafted", tags="floods")
    client.get(form_url(live))  # caches warm
    # test_revision_admin's 13 (the draft read with who saved and scheduled it), and the
    # live version's snapshot for the comparison.
    with django_assert_num_queries(14):
        assert client.get(form_url(live)).status_code == 200


def test_a_public_page_finds_no_change_due_without_a_query(client, live, django_assert_num_queries):
    warm_navigation()
    client.get(live.get_absolute_url())
    with django_assert_num_queries(0), mock.patch.object(cache, "set") as written:
        publish_due_changes()
    assert not written.called  # nor a write to the cache


def test_the_next_due_time_is_kept_a_while_not_for_good(client, editor, live, settings):
    client.force_login(editor)
    schedule(client, live, timezone.now() + timedelta(days=30), headline="Later")
    with mock.patch.object(cache, "set", wraps=cache.set) as written:
        publish_due_changes()
    [(key, known, timeout)] = [call.args for call in written.call_args_list]
    assert key.startswith("pages:next-change:") and known[0] > timezone.now()
    assert timeout == settings.PAGE_CACHE_SECONDS


def test_a_writers_forged_status_time_and_address_stay_out_of_the_draft(client, writer, live):
    client.force_login(writer)
    response = draft_change(
        client, live, status="withdrawn", slug="forged", published_at_0="2001-01-01"
    )
    assert response.status_code == 302
    stored = Article.objects.get(pk=live.pk)
    assert (stored.status, stored.slug, stored.published_at) == (
        live.status,
        live.slug,
        live.published_at,
    )
    snapshot = PendingChange.objects.get().snapshot
    assert (snapshot["status"], snapshot["slug"]) == ("published", live.slug)
    # Nor may a Writer delete the live article.
    delete = reverse("admin:articles_article_delete", args=[live.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Article.objects.filter(pk=live.pk).exists()


def test_an_editor_withdrawing_from_the_form_writes_the_draft_with_it(client, editor, live):
    client.force_login(editor)
    draft_change(client, live, headline="Drafted")
    assert change(client, live, status="withdrawn", headline="Drafted").status_code == 302
    stored = Article.objects.get(pk=live.pk)
    assert (stored.status, stored.headline) == ("withdrawn", "Drafted")
    assert not PendingChange.objects.exists()


def test_a_scheduled_change_whose_slug_was_taken_since_is_unscheduled(client, editor, live):
    client.force_login(editor)
    at = timezone.now() + timedelta(minutes=5)
    schedule(client, live, at, slug="bridge-news", change_kind="minor")
    published_article(slug="bridge-news")
    with mock.patch("django.utils.timezone.now", return_value=at + timedelta(seconds=1)):
        assert client.get(live.get_absolute_url()).status_code == 200
    assert "slug" in PendingChange.objects.get().problem
    assert Article.objects.get(pk=live.pk).slug == live.slug


def test_the_list_tells_and_filters_the_live_articles_with_a_draft(client, editor, writer, live):
    published_article(headline="Quiet story")
    client.force_login(writer)
    draft_change(client, live, headline="Drafted")
    client.force_login(editor)
    changelist = reverse("admin:articles_article_changelist")
    page = soup(client.get(changelist))
    statuses = {
        row.select_one(".field-headline_column").get_text(strip=True): row.select_one(
            ".field-status_column"
        ).get_text(strip=True)
        for row in page.select("#result_list tbody tr")
    }
    assert statuses == {
        "Bridge reopens": "Published; a draft of a change waits",
        "Quiet story": "Published",
    }
    waiting = soup(client.get(changelist, {"pending": "yes"}))
    assert [a.get_text(strip=True) for a in waiting.select(".field-headline_column a")] == [
        "Bridge reopens"
    ]
    schedule(client, live, timezone.now() + timedelta(hours=1), change_kind="minor")
    scheduled = soup(client.get(changelist, {"pending": "scheduled"}))
    (status,) = [td.get_text(strip=True) for td in scheduled.select(".field-status_column")]
    assert status.startswith("Published; a change is scheduled for")


def test_a_form_loaded_before_a_draft_was_discarded_does_not_overwrite_the_next(
    client, writer, editor, live
):
    client.force_login(editor)
    draft_change(client, live, headline="First draft")
    stale = loaded_versions(client, live)
    client.post(reverse("admin:articles_article_pending_discard", args=[live.pk]))
    draft_change(client, live, headline="Second draft")
    client.force_login(writer)
    errors = form_errors(draft_change(client, live, headline="From the old form", **stale))
    assert "editor saved the draft of a change" in " ".join(errors["__all__"])
    assert PendingChange.objects.get().snapshot["headline"] == "Second draft"
