"""The page cache (articles/caching.py): public pages kept whole, forgotten on every kind of
change the next request sees, never past a scheduled publication, never for the desk.

Writes are announced once committed: each change here is made inside `announced()`, which
runs the commit hooks the test's transaction would otherwise never run."""

import io
from datetime import timedelta
from unittest import mock

import pytest
import yaml
from bs4 import BeautifulSoup
from csp.middleware import CSPMiddleware
from django.core.cache import cache
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from articles import caching
from articles.models import Article, ArticleFragments, PreviewLink, Tag
from tests.factories import ArticleFactory, seed_article, small_figure

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(page_cache_on):
    """The page cache on, on each cache (conftest.py)."""


@pytest.fixture
def announced(django_capture_on_commit_callbacks):
    """Around a write: its commit hooks run at the end, so article_changed is sent."""

    def announced():
        return django_capture_on_commit_callbacks(execute=True)

    return announced


def text(response):
    return BeautifulSoup(response.content.decode(), "html.parser").get_text(" ", strip=True)


def served_from_cache(client, url, django_assert_num_queries, **headers):
    with django_assert_num_queries(0):
        return client.get(url, headers=headers)


# What is kept -----------------------------------------------------------------------------


def public_urls(article):
    year, month = article.published_at.year, f"{article.published_at.month:02}"
    return [
        "/",
        "/?page=1",
        article.get_absolute_url(),
        "/tags/ukraine/",
        f"/archive/{year}/",
        f"/archive/{year}/{month}/",
        "/search/?q=Kursk",
        "/feeds/rss/",
        "/feeds/atom/",
        "/feeds/tags/ukraine/rss/",
        "/feeds/tags/ukraine/atom/",
        "/sitemap.xml",
        "/sitemap-articles.xml",
        "/sitemap-tags.xml",
        "/sitemap-listings.xml",
        "/news-sitemap.xml",
    ]


def test_every_public_page_is_served_again_without_a_query(client, django_assert_num_queries):
    article = seed_article()
    for url in public_urls(article):
        first = client.get(url)
        assert first.status_code == 200, url
        again = served_from_cache(client, url, django_assert_num_queries)
        assert again.status_code == 200, url
        assert again.content == first.content, url
        assert again["Content-Type"] == first["Content-Type"], url


def test_the_order_of_query_parameters_makes_one_page(client, django_assert_num_queries):
    ArticleFactory(headline="Only one")
    client.get("/search/?q=one&page=1")
    served_from_cache(client, "/search/?page=1&q=one", django_assert_num_queries)


def test_a_moved_and_a_withdrawn_articles_addresses_are_kept_too(
    client, announced, django_assert_num_queries
):
    moved, gone = ArticleFactory(slug="old-name"), ArticleFactory(slug="taken-down")
    with announced():
        moved.slug = "new-name"
        moved.save()
        gone.withdraw()
    assert client.get("/articles/old-name/").status_code == 301
    again = served_from_cache(client, "/articles/old-name/", django_assert_num_queries)
    assert (again.status_code, again["Location"]) == (301, "/articles/new-name/")
    assert client.get("/articles/taken-down/").status_code == 410
    assert (
        served_from_cache(client, "/articles/taken-down/", django_assert_num_queries).status_code
        == 410
    )


def test_a_page_not_found_is_made_each_time(client, django_assert_max_num_queries):
    """A missing article raises Http404, which the handler answers outside the cache: an
    address guessed at random fills no cache."""
    assert client.get("/articles/no-such-thing/").status_code == 404
    with django_assert_max_num_queries(5) as queries:
        assert client.get("/articles/no-such-thing/").status_code == 404
    assert len(queries) > 0


def test_with_page_cache_off_every_request_makes_its_page(client, settings):
    settings.PAGE_CACHE = False
    article = ArticleFactory(headline="Before")
    assert "Before" in text(client.get(article.get_absolute_url()))
    article.headline = "After"
    article.save()  # its stored fragments stale; the page cache (off) told nothing
    response = client.get(article.get_absolute_url())
    assert "After" in text(response)
    assert not response.has_header("Cache-Control") and not response.has_header("ETag")


# Invalidation: every kind of change, seen by the next request ------------------------------


def test_an_edit_reaches_the_article_and_every_listing(client, announced):
    article = seed_article()
    urls = public_urls(article)
    for url in urls:
        client.get(url)
    with announced():
        article.headline = "A corrected headline"
        article.save()
    for url in ["/", article.get_absolute_url(), "/tags/ukraine/", "/feeds/rss/", "/feeds/atom/"]:
        assert "A corrected headline" in client.get(url).content.decode(), url


def test_an_unannounced_write_is_not_seen_until_announced(client, announced):
    """The cache really serves kept pages: a write past the write path stays unseen until
    an announcement moves the generation on."""
    article = ArticleFactory(headline="Kept headline")
    client.get(article.get_absolute_url())
    Article.objects.filter(pk=article.pk).update(headline="Hidden edit")
    # What the write path does in the write's transaction, before it announces the change.
    ArticleFragments.objects.mark_stale([article.pk])
    assert "Kept headline" in text(client.get(article.get_absolute_url()))
    with announced():
        caching.forget_pages()
    assert "Hidden edit" in text(client.get(article.get_absolute_url()))


def test_publishing_a_draft_lists_it_and_opens_its_page(client, announced):
    draft = ArticleFactory(status=Article.Status.DRAFT, headline="Embargoed story")
    assert "Embargoed story" not in text(client.get("/"))
    assert client.get(draft.get_absolute_url()).status_code == 404
    with announced():
        draft.publish()
    assert "Embargoed story" in text(client.get("/"))
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_withdrawing_takes_the_article_off_every_page(client, announced):
    article = ArticleFactory(headline="Disputed story", tags=["Ukraine"])
    for url in ["/", "/tags/ukraine/", "/feeds/rss/", article.get_absolute_url()]:
        assert "Disputed story" in client.get(url).content.decode(), url
    with announced():
        article.withdraw()
    assert client.get(article.get_absolute_url()).status_code == 410
    assert "Disputed story" not in client.get("/").content.decode()
    assert "Disputed story" not in client.get("/feeds/rss/").content.decode()


def test_returning_to_draft_takes_the_article_off(client, announced):
    article = ArticleFactory(headline="Premature story")
    assert "Premature story" in text(client.get("/"))
    with announced():
        article.return_to_draft()
    assert "Premature story" not in text(client.get("/"))
    assert client.get(article.get_absolute_url()).status_code == 404


def test_deleting_takes_the_article_off(client, announced):
    article = ArticleFactory(headline="Deleted story")
    url = article.get_absolute_url()
    assert "Deleted story" in text(client.get("/")) and client.get(url).status_code == 200
    with announced():
        article.delete()
    assert "Deleted story" not in text(client.get("/"))
    assert client.get(url).status_code == 404


def test_deleting_through_a_queryset_takes_the_articles_off(client, announced):
    ArticleFactory(headline="First deleted"), ArticleFactory(headline="Second deleted")
    assert "First deleted" in text(client.get("/"))
    with announced():
        Article.objects.filter(headline__endswith="deleted").delete()
    assert "deleted" not in text(client.get("/"))


def test_a_new_slug_moves_the_page_and_the_old_address_redirects(client, announced):
    article = ArticleFactory(slug="first-slug")
    assert client.get("/articles/first-slug/").status_code == 200
    with announced():
        article.slug = "second-slug"
        article.save()
    response = client.get("/articles/first-slug/")
    assert (response.status_code, response["Location"]) == (301, "/articles/second-slug/")
    assert client.get("/articles/second-slug/").status_code == 200


def test_a_change_of_tags_reaches_the_article_and_the_tag_pages(client, announced):
    article = ArticleFactory(headline="Tagged story", tags=["Ukraine"])
    assert "Tagged story" in text(client.get("/tags/ukraine/"))
    client.get(article.get_absolute_url())
    with announced():
        article.tags.set([Tag.objects.create(name="Energy")])
    assert client.get("/tags/ukraine/").status_code == 404  # no article left: no page
    assert "Tagged story" in text(client.get("/tags/energy/"))
    assert "Energy" in text(client.get(article.get_absolute_url()))


def test_renaming_a_tag_reaches_the_pages_that_show_it(client, announced):
    article = ArticleFactory(tags=["Ukrane"])
    assert "Ukrane" in text(client.get(article.get_absolute_url()))
    with announced():
        tag = Tag.objects.get(name="Ukrane")
        tag.name = "Ukraine"
        tag.save()
    assert "Ukraine" in text(client.get(article.get_absolute_url()))


def test_figure_credit_and_licence_edits_reach_the_article_page(client, announced):
    article = seed_article()
    url = article.get_absolute_url()
    figure = article.lead_figure
    assert "Raw Pixel" in text(client.get(url))
    with announced():
        figure.caption = "A new caption for the photograph"
        figure.save()
    assert "A new caption for the photograph" in text(client.get(url))
    with announced():
        figure.credit.author = "Another Photographer"
        figure.credit.save()
    assert "Another Photographer" in text(client.get(url))
    licence = figure.credit.license
    with announced():
        licence.url = "https://creativecommons.org/licenses/by-sa/4.0/"
        licence.save()
    assert "https://creativecommons.org/licenses/by-sa/4.0/" in client.get(url).content.decode()


def test_deleting_a_figure_or_a_tag_reaches_the_article_page(client, announced):
    article = seed_article()
    url = article.get_absolute_url()

    def tags():
        page = BeautifulSoup(client.get(url).content, "html.parser")
        return [item.get_text(strip=True) for item in page.select(".article__header .tag-list li")]

    assert "Raw Pixel" in text(client.get(url)) and "Ukraine" in tags()
    with announced():
        article.lead_figure.delete()
    assert "Raw Pixel" not in text(client.get(url))
    with announced():
        Tag.objects.get(name="Ukraine").delete()
    assert tags() and "Ukraine" not in tags()


def test_a_new_lead_figure_reaches_the_article_and_the_listings(client, announced):
    article = ArticleFactory(headline="Illustrated later")
    client.get("/"), client.get(article.get_absolute_url())
    with announced():
        article.lead_figure = small_figure(alt_text="A harbour at dawn")
        article.save()
    assert "A harbour at dawn" in client.get(article.get_absolute_url()).content.decode()
    assert "A harbour at dawn" in client.get("/").content.decode()


def test_an_import_reaches_the_listings_and_the_article(client, announced, tmp_path):
    def write(headline):
        path = tmp_path / "story.md"
        meta = {"title": headline, "slug": "imported-story", "date": "2024-05-01 10:00"}
        path.write_text(f"---\n{yaml.safe_dump(meta)}---\n\nBody.\n", encoding="utf-8")
        return path

    client.get("/")
    with announced():
        call_command("import_articles", str(write("Imported first")), stdout=io.StringIO())
    assert "Imported first" in text(client.get("/"))
    assert "Imported first" in text(client.get("/articles/imported-story/"))
    with announced():
        call_command("import_articles", str(write("Imported again")), stdout=io.StringIO())
    assert "Imported again" in text(client.get("/articles/imported-story/"))


def test_a_reviewer_link_is_never_kept(client, announced, editor):
    """A preview is made for each request (its own Cache-Control says private): an edit,
    a revocation, a publication show at once."""
    draft = ArticleFactory(status=Article.Status.DRAFT, headline="Embargo one")
    link = PreviewLink.objects.create_for(draft, editor)
    response = client.get(link.get_absolute_url())
    assert "Embargo one" in text(response)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    with announced():
        draft.headline = "Embargo two"
        draft.save()
    assert "Embargo two" in text(client.get(link.get_absolute_url()))
    link.revoke()
    assert client.get(link.get_absolute_url()).status_code == 410
    other = PreviewLink.objects.create_for(draft, editor)
    with announced():
        draft.publish()
    assert client.get(other.get_absolute_url())["Location"] == draft.get_absolute_url()


# Scheduled articles -----------------------------------------------------------------------


def test_a_scheduled_article_appears_when_its_time_comes(client, django_assert_num_queries):
    now = timezone.now()
    ArticleFactory(headline="Already out")
    scheduled = ArticleFactory(
        headline="Embargoed until noon", published_at=now + timedelta(minutes=10)
    )
    home = client.get("/")
    assert "Embargoed until noon" not in text(home)
    served_from_cache(client, "/", django_assert_num_queries)
    with mock.patch(
        "django.utils.timezone.now", return_value=now + timedelta(minutes=10, seconds=1)
    ):
        assert "Embargoed until noon" in text(client.get("/"))
        assert client.get(scheduled.get_absolute_url()).status_code == 200
        # Kept again, until the next scheduled time (none now).
        served_from_cache(client, "/", django_assert_num_queries)


def test_a_page_is_kept_no_longer_than_the_next_publication(client, settings):
    settings.PAGE_CACHE_SECONDS = 600
    ArticleFactory(published_at=timezone.now() + timedelta(seconds=42))
    with mock.patch.object(caching.cache, "set", wraps=caching.cache.set) as kept:
        client.get("/")
    (page_timeout,) = [
        call.args[2] for call in kept.call_args_list if call.args[0].startswith("pages:page:")
    ]
    assert 40 <= page_timeout <= 42


def test_an_article_whose_time_comes_while_a_page_is_made_still_caps_it():
    due = timezone.now() + timedelta(seconds=10)
    ArticleFactory(published_at=due)
    publication_passes = mock.patch(
        "django.utils.timezone.now", return_value=due + timedelta(seconds=1)
    )
    made = []

    def view(request):
        made.append(request)
        publication_passes.start()  # the page was read before the article's time
        return HttpResponse("made without the article")

    try:
        for _ in range(2):
            response = caching.cached_public_page(view)(RequestFactory().get("/x/"))
            assert cache_control(response)["s-maxage"] == "0"
            publication_passes.stop()
    finally:
        mock.patch.stopall()
    assert len(made) == 2  # and not kept


def cache_control(response):
    directives = {}
    for part in response["Cache-Control"].split(","):
        name, _, value = part.strip().partition("=")
        directives[name] = value or None
    return directives


# Nothing for the desk ---------------------------------------------------------------------


def test_a_signed_in_editor_neither_reads_nor_fills_the_cache(
    client, editor, django_assert_max_num_queries
):
    article = ArticleFactory(headline="Seen by both")
    url = article.get_absolute_url()
    client.force_login(editor)
    response = client.get(url)
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert not response.has_header("Surrogate-Key")
    client.logout()
    client.cookies.clear()
    # The editor's page was not kept: the reader's is made afresh (and then kept).
    with django_assert_max_num_queries(10) as made:
        reader = client.get(url)
    assert len(made) > 0 and "public" in reader["Cache-Control"]
    # And the reader's kept page is not what the editor gets.
    client.force_login(editor)
    with django_assert_max_num_queries(20) as made:
        again = client.get(url)
    assert len(made) > 0 and "no-store" in again["Cache-Control"]


def test_a_csrf_cookie_alone_is_the_desk_too(client, django_assert_max_num_queries):
    url = ArticleFactory().get_absolute_url()
    client.get(url)
    client.cookies["csrftoken"] = "x" * 32
    with django_assert_max_num_queries(10) as made:
        response = client.get(url)
    assert len(made) > 0 and "no-store" in response["Cache-Control"]


def test_the_desk_forbids_every_cache(client, editor):
    article = seed_article()
    login = client.get(reverse("admin:login"))
    assert {"private", "no-store"} <= set(cache_control(login))
    client.force_login(editor)
    for url in [
        reverse("admin:index"),
        reverse("admin:articles_article_changelist"),
        reverse("admin:articles_article_change", args=[article.pk]),
        reverse("admin:articles_article_preview", args=[article.pk]),
        reverse("admin:articles_tag_changelist"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert {"private", "no-store"} <= set(cache_control(response)), url


def kept_view(response):
    """A view wrapped by the cache, counting its calls, answering `response()`."""
    calls = []

    def view(request):
        calls.append(request)
        return response()

    return caching.cached_public_page(view), calls


@pytest.mark.parametrize(
    "make",
    [
        lambda: _with_cookie(HttpResponse("hello")),
        lambda: _with(HttpResponse("hello"), "Vary", "Accept-Language"),
        lambda: _with(HttpResponse("hello"), "Cache-Control", "private"),
        lambda: HttpResponse("oops", status=500),
        lambda: HttpResponse("bad", status=400),
    ],
    ids=["sets a cookie", "varies", "its own cache-control", "500", "400"],
)
def test_answers_not_the_same_for_everyone_are_not_kept(make):
    view, calls = kept_view(make)
    for _ in range(2):
        view(RequestFactory().get("/somewhere/"))
    assert len(calls) == 2


def test_an_answer_that_sets_a_cookie_is_private():
    view, _calls = kept_view(lambda: _with_cookie(HttpResponse("hello")))
    response = view(RequestFactory().get("/somewhere/"))
    assert "no-store" in response["Cache-Control"]


def test_a_page_made_with_the_requests_nonce_is_neither_kept_nor_shared():
    """A script allowed by one request's Content-Security-Policy nonce must not run on
    another's page: each request gets its page made with its own nonce, private."""
    view, calls = kept_view(lambda: HttpResponse(f'<script nonce="{calls[-1].csp_nonce}">'))
    nonces = []
    for _ in range(2):
        request = RequestFactory().get("/somewhere/")
        CSPMiddleware(lambda request: None).process_request(request)
        response = view(request)
        assert response.content.decode() == f'<script nonce="{request.csp_nonce}">'
        assert "no-store" in response["Cache-Control"]
        nonces.append(request.csp_nonce)
    assert len(calls) == 2 and nonces[0] != nonces[1]


def test_only_get_and_head_are_kept():
    view, calls = kept_view(lambda: HttpResponse("hello"))
    view(RequestFactory().head("/x/")), view(RequestFactory().get("/x/"))
    view(RequestFactory().post("/x/")), view(RequestFactory().post("/x/"))
    assert [request.method for request in calls] == ["HEAD", "POST", "POST"]


def _with(response, header, value):
    response[header] = value
    return response


def _with_cookie(response):
    response.set_cookie("chosen", "yes")
    return response


# The generation ---------------------------------------------------------------------------


def test_a_generation_lost_with_the_cache_starts_above_every_earlier_one():
    first = caching.current_generation()
    caching.forget_pages()
    assert caching.current_generation() == first + 1
    cache.delete(caching.GENERATION_KEY)
    assert caching.current_generation() > first + 1
