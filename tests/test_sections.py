"""Sections: the model's rules, the editor's desk, fronts and their feeds, the header's
navigation, the article page's breadcrumb and metadata, the home page's groups, the
sitemap, and import/export."""

import json
from datetime import timedelta
from unittest import mock

import feedparser
import pytest
import yaml
from bs4 import BeautifulSoup
from defusedxml import ElementTree
from django.contrib.sites.models import Site
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from articles.changes import Change
from articles.fragments import fresh, refresh
from articles.importing import Result, export_articles, import_articles
from articles.models import Article, Section
from articles.models import article as article_module
from articles.models.article import ArticleQuerySet
from articles.views import PAGE_SIZE
from tests import test_write_path
from tests.factories import ArticleFactory, seed_article, small_figure, warm_navigation
from tests.test_admin import article_form_data
from tests.test_importing import article_file

pytestmark = pytest.mark.django_db
heard, committed = test_write_path.heard, test_write_path.committed  # fixtures


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://news.example"


def section(name, parent=None, **fields):
    fields.setdefault("slug", name.lower().replace(" ", "-"))
    return Section.objects.create(name=name, parent=parent, **fields)


@pytest.fixture
def world():
    """World › Europe › France, and Sport beside World."""
    world = section("World", position=1)
    europe = section("Europe", parent=world)
    france = section("France", parent=europe)
    sport = section("Sport", position=2)
    return world, europe, france, sport


def ago(hours):
    return timezone.now() - timedelta(hours=hours)


def json_ld(soup):
    (script,) = soup.select('script[type="application/ld+json"]')
    return {node["@type"]: node for node in json.loads(script.string)["@graph"]}


def crumbs(soup):
    return [a.get_text() for a in soup.select("nav.breadcrumb li")]


# --- The model ----------------------------------------------------------------------------


def test_a_section_cannot_be_inside_itself_however_deep(world):
    world_section, europe, france, _ = world
    world_section.parent = france
    with pytest.raises(ValidationError) as refused:
        world_section.full_clean()
    assert "subsections" in refused.value.message_dict["parent"][0]
    with pytest.raises(ValidationError) as refused:
        world_section.save()
    assert list(refused.value.message_dict) == ["parent"]
    europe.parent = europe
    with pytest.raises(ValidationError, match="its own parent"):
        europe.save()
    world_section.refresh_from_db()
    europe.refresh_from_db()
    assert world_section.parent is None and europe.parent_id == world_section.pk


def test_the_database_refuses_an_empty_or_repeated_slug(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Section.objects.create(name="Nothing", slug="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Section.objects.create(name="World again", slug="world")


def test_a_name_cannot_hold_the_path_separator():
    with pytest.raises(ValidationError) as refused:
        Section(name="Science/Tech", slug="science-tech").full_clean()
    assert "name" in refused.value.message_dict


def test_sections_with_articles_or_subsections_cannot_be_deleted(world):
    world_section, europe, france, _ = world
    ArticleFactory(section=france)
    with pytest.raises(ProtectedError):
        france.delete()
    with pytest.raises(ProtectedError):
        world_section.delete()


def test_renaming_or_moving_a_section_announces_every_article_showing_it(world, heard, committed):
    world_section, europe, france, sport = world
    in_world = ArticleFactory(section=world_section)
    in_france = ArticleFactory(section=france)
    ArticleFactory(section=sport)
    ArticleFactory()
    heard.clear()
    with committed():
        world_section.name = "International"
        world_section.save()
    assert heard == [(Change.SECTION_CHANGED, tuple(sorted([in_world.pk, in_france.pk])))]
    heard.clear()
    with committed():
        europe.parent = sport
        europe.save()
    assert heard == [(Change.SECTION_CHANGED, (in_france.pk,))]
    heard.clear()
    with committed():
        europe.description = "Not shown on article pages."
        europe.save()
    assert heard == []


def test_choosing_a_section_is_an_edit_through_the_write_path(world, heard, committed):
    article = ArticleFactory()
    heard.clear()
    with committed():
        article.section = world[1]
        article.save()
    assert heard == [(Change.EDITED, (article.pk,))]


# --- The editor's desk ---------------------------------------------------------------------


def test_editors_order_sections_from_the_list(client, editor, world, heard, committed):
    world_section, _, _, sport = world
    in_sport = ArticleFactory(section=sport)
    client.force_login(editor)
    url = reverse("admin:articles_section_changelist")
    page = BeautifulSoup(client.get(url).content, "html.parser")
    names = [cell.get_text() for cell in page.select("#result_list th.field-name")]
    assert names == ["Europe", "France", "World", "Sport"]  # by position, then name
    rows = Section.objects.order_by("position", "name")
    data = {"form-TOTAL_FORMS": len(rows), "form-INITIAL_FORMS": len(rows), "_save": "Save"}
    for number, row in enumerate(rows):
        data[f"form-{number}-id"] = row.pk
        data[f"form-{number}-position"] = 0 if row == sport else row.position + 5
        data[f"form-{number}-in_navigation"] = "on"
    heard.clear()
    with committed():
        assert client.post(url, data).status_code == 302
    assert list(Section.objects.filter(parent=None).values_list("name", flat=True)) == [
        "Sport",
        "World",
    ]
    assert heard and heard[0][0] == Change.SECTION_CHANGED and in_sport.pk in heard[0][1]


def test_editors_cannot_make_a_cycle_in_the_admin(client, editor, world):
    world_section, _, france, _ = world
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_section_change", args=[world_section.pk]),
        {"name": "World", "slug": "world", "parent": france.pk, "position": 1},
    )
    assert response.status_code == 200
    errors = BeautifulSoup(response.content, "html.parser").select(".field-parent .errorlist")
    assert "subsections" in errors[0].get_text()
    world_section.refresh_from_db()
    assert world_section.parent is None


def test_writers_cannot_add_change_reorder_or_delete_sections(client, writer, world):
    world_section = world[0]
    client.force_login(writer)
    add = client.post(reverse("admin:articles_section_add"), {"name": "Mine", "slug": "mine"})
    change = client.post(
        reverse("admin:articles_section_change", args=[world_section.pk]),
        {"name": "Renamed", "slug": "renamed", "position": 0},
    )
    reorder = client.post(
        reverse("admin:articles_section_changelist"),
        {
            "form-TOTAL_FORMS": 1,
            "form-INITIAL_FORMS": 1,
            "form-0-id": world_section.pk,
            "form-0-position": 99,
            "_save": "Save",
        },
    )
    delete = client.post(
        reverse("admin:articles_section_delete", args=[world[3].pk]), {"post": "yes"}
    )
    assert [add.status_code, change.status_code, reorder.status_code, delete.status_code] == [
        403
    ] * 4
    world_section.refresh_from_db()
    assert (world_section.name, world_section.position) == ("World", 1)
    assert Section.objects.count() == 4


def test_writers_choose_a_section_for_their_draft_from_the_autocomplete(client, writer, world):
    client.force_login(writer)
    found = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "article", "field_name": "section", "term": "Eur"},
    )
    assert [result["text"] for result in found.json()["results"]] == ["Europe"]
    response = client.post(
        reverse("admin:articles_article_add"), article_form_data(section=world[1].pk)
    )
    assert response.status_code == 302
    assert Article.objects.get().section == world[1]


# --- Section fronts and their feeds ---------------------------------------------------------


def test_a_front_lists_the_section_and_its_subsections_newest_first(client, world):
    world_section, europe, france, sport = world
    older = ArticleFactory(section=world_section, headline="Older world", published_at=ago(5))
    newer = ArticleFactory(section=france, headline="Newer France", published_at=ago(1))
    ArticleFactory(section=europe, headline="Draft", status=Article.Status.DRAFT)
    ArticleFactory(section=sport, headline="Sport story")
    ArticleFactory(section=europe, headline="Scheduled", published_at=ago(-5))
    response = client.get("/sections/world/")
    page = BeautifulSoup(response.content, "html.parser")
    headlines = [h.get_text(strip=True) for h in page.select(".card__headline")]
    assert headlines == [newer.headline, older.headline]
    assert page.h1.get_text() == "World"
    assert [a.get_text() for a in page.select("ul[aria-label=Subsections] a")] == ["Europe"]
    assert page.select_one("link[rel=canonical]")["href"] == "https://news.example/sections/world/"


def test_a_front_has_a_breadcrumb_open_graph_and_collection_page_json_ld(client, world):
    france = world[2]
    ArticleFactory(section=france)
    page = BeautifulSoup(client.get("/sections/france/").content, "html.parser")
    assert crumbs(page) == ["Home", "World", "Europe", "France"]
    assert page.select_one('meta[property="og:url"]')["content"] == (
        "https://news.example/sections/france/"
    )
    assert page.select_one('meta[property="og:title"]')["content"].startswith("France – ")
    graph = json_ld(page)
    assert graph["CollectionPage"]["url"] == "https://news.example/sections/france/"
    items = graph["BreadcrumbList"]["itemListElement"]
    assert [(item["position"], item["name"]) for item in items][1:] == [
        (2, "World"),
        (3, "Europe"),
        (4, "France"),
    ]
    assert items[-1]["item"] == "https://news.example/sections/france/"
    feeds = [link["href"] for link in page.select('link[rel=alternate][href*="/sections/"]')]
    assert feeds == ["/sections/france/feeds/rss/", "/sections/france/feeds/atom/"]


def test_a_front_is_paginated_and_unknown_sections_are_404(client, world):
    for hours in range(PAGE_SIZE + 2):
        ArticleFactory(section=world[3], published_at=ago(hours + 1))
    second = BeautifulSoup(client.get("/sections/sport/?page=2").content, "html.parser")
    assert len(second.select(".card")) == 2
    assert second.select_one("link[rel=canonical]")["href"].endswith("/sections/sport/?page=2")
    assert client.get("/sections/sport/?page=3").status_code == 404
    assert client.get("/sections/nowhere/").status_code == 404
    assert client.get("/sections/nowhere/feeds/rss/").status_code == 404


def test_an_empty_section_has_a_front_saying_so(client, world):
    response = client.get("/sections/sport/")
    assert response.status_code == 200
    assert "Nothing has been published in Sport yet." in response.content.decode()


@pytest.mark.parametrize("kind, version", [("rss", "rss20"), ("atom", "atom10")])
def test_section_feeds_carry_the_family_s_public_articles(client, world, kind, version):
    world_section, europe, _, sport = world
    in_europe = ArticleFactory(section=europe, headline="Europe news", published_at=ago(1))
    ArticleFactory(section=sport, headline="Sport news")
    ArticleFactory(section=europe, headline="Draft news", status=Article.Status.DRAFT)
    feed = feedparser.parse(client.get(f"/sections/world/feeds/{kind}/").content)
    assert not feed.bozo and feed.version == version
    assert feed.feed.title.endswith(": World")
    assert [entry.title for entry in feed.entries] == [in_europe.headline]
    assert feed.entries[0].link == f"https://news.example{in_europe.get_absolute_url()}"


def test_a_section_feed_reads_the_sections_from_the_cache(
    client, world, django_assert_num_queries
):
    world_section, _, france, _ = world
    for hours in range(3):
        ArticleFactory(section=france, published_at=ago(hours + 1), lead_figure=small_figure())
    warm_navigation()
    Site.objects.get_current()  # cached by the sites framework after the first request
    # Its articles, each with its stored item: the section and its family come from the
    # cached tree.
    with django_assert_num_queries(1):
        response = client.get("/sections/world/feeds/rss/")
    assert len(feedparser.parse(response.content).entries) == 3


def test_the_sitemap_lists_every_section_front(client, world):
    ArticleFactory(section=world[1])
    xml = client.get(reverse("sitemap_section", kwargs={"section": "sections"})).content
    namespace = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = [
        loc.text for loc in ElementTree.fromstring(xml).iterfind("sm:url/sm:loc", namespace)
    ]
    assert "https://news.example/sections/europe/" in locations
    assert "https://news.example/sections/sport/" in locations


def test_section_front_queries_are_pinned_at_ten_thousand_articles(
    client, world, django_assert_num_queries
):
    europe = world[1]
    now = timezone.now()
    Article.objects.bulk_create(
        Article(
            headline=f"Story {n}",
            slug=f"story-{n}",
            section=europe if n % 2 else world[3],
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(minutes=n + 1),
            feed_id=f"urn:uuid:test-{n}",
        )
        for n in range(10_000)
    )
    # Making the fragments of 10,000 articles would take minutes: those of the page shown
    # are made, as its first readers (or the write path) leave them on a running site.
    warm_navigation(fragments=False)
    shown = Article.objects.published().filter(section=europe)[2 * PAGE_SIZE : 3 * PAGE_SIZE]
    refresh([article.pk for article in shown])
    # The page of articles, each with its stored card (and one more row to tell whether a
    # next page exists: no count).
    with django_assert_num_queries(1):
        response = client.get("/sections/world/?page=3")
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    assert " ".join(page.select_one(".pagination span").get_text().split()) == "Page 3"
    assert [h.get_text() for h in page.select(".card__headline")] == [
        article.headline for article in shown
    ]


# --- The header's navigation, the article page, the home page -------------------------------


def test_the_header_lists_top_level_sections_in_the_editors_order(client, world):
    section("Hidden", in_navigation=False)
    section("Business", position=0)
    page = BeautifulSoup(client.get("/").content, "html.parser")
    nav = page.select_one("nav.site-nav[aria-label=Sections]")
    assert [a.get_text() for a in nav.select("a")] == ["Business", "World", "Sport"]
    front = BeautifulSoup(client.get("/sections/sport/").content, "html.parser")
    assert front.select_one("nav.site-nav a[aria-current=page]").get_text() == "Sport"


def test_the_article_page_shows_its_section_breadcrumb_and_metadata(client, world):
    france = world[2]
    article = seed_article(section=france)
    page = BeautifulSoup(client.get(article.get_absolute_url()).content, "html.parser")
    assert crumbs(page) == ["Home", "World", "Europe", "France"]
    assert page.select_one("nav.breadcrumb a[href='/sections/france/']").get_text() == "France"
    assert page.select_one('meta[property="article:section"]')["content"] == "France"
    graph = json_ld(page)
    assert graph["NewsArticle"]["articleSection"] == "France"
    items = graph["BreadcrumbList"]["itemListElement"]
    assert [item["name"] for item in items] == [
        "Newsroom",
        "World",
        "Europe",
        "France",
        article.display_headline,
    ][-len(items) :]
    assert items[1]["item"] == "https://news.example/sections/world/"
    assert items[-1]["item"] == f"https://news.example{article.get_absolute_url()}"
    assert graph["WebPage"]["breadcrumb"] == {"@id": graph["BreadcrumbList"]["@id"]}


def test_an_article_without_a_section_has_no_breadcrumb_or_article_section(client):
    article = seed_article()
    page = BeautifulSoup(client.get(article.get_absolute_url()).content, "html.parser")
    assert page.select("nav.breadcrumb") == []
    assert page.select('meta[property="article:section"]') == []
    assert "articleSection" not in json_ld(page)["NewsArticle"]


def test_the_home_page_groups_the_latest_stories_by_top_level_section(
    client, world, django_assert_num_queries
):
    world_section, europe, france, sport = world
    top = [
        ArticleFactory(published_at=ago(0.1 + n / 100), lead_figure=small_figure())
        for n in range(PAGE_SIZE)
    ]
    in_france = ArticleFactory(section=france, headline="From France", published_at=ago(2))
    in_world = ArticleFactory(section=world_section, headline="From World", published_at=ago(3))
    in_sport = [
        ArticleFactory(section=sport, published_at=ago(4 + n), lead_figure=small_figure())
        for n in range(6)
    ]
    warm_navigation()
    # The top stories (no count), then the latest of each section: each with its stored card.
    with django_assert_num_queries(2):
        response = client.get("/")
    page = BeautifulSoup(response.content, "html.parser")
    groups = {
        group.h2.get_text(strip=True): [h.get_text(strip=True) for h in group.select(".card h2")]
        for group in page.select("section.section-group")
    }
    assert groups == {
        "World": [in_france.headline, in_world.headline],
        "Sport": [article.headline for article in in_sport[:4]],
    }
    assert top[0].headline in page.select_one(".cards").get_text()
    second = BeautifulSoup(client.get("/?page=2").content, "html.parser")
    assert second.select("section.section-group") == []


def test_the_groups_sql_is_made_once_per_shape_and_run_with_each_request_s_values(
    world, monkeypatch
):
    """latest_public_with_cards() is published().latest_by_section() with cards, its SQL
    made once per shape (how many ids are left out and each family holds): the same
    articles in the same order, at another time as well."""
    world_section, europe, france, sport = world
    monkeypatch.setattr(article_module, "_MADE_SQL", {})  # as in a process just started
    in_france = ArticleFactory(headline="France", section=france, published_at=ago(1))
    in_world = ArticleFactory(headline="World", section=world_section, published_at=ago(2))
    in_europe = ArticleFactory(headline="Europe", section=europe, published_at=ago(3))
    ArticleFactory(headline="Older Europe", section=europe, published_at=ago(5))
    sport_news = [
        ArticleFactory(headline=f"Sport {n}", section=sport, published_at=ago(1.5 + n))
        for n in range(4)
    ]
    ArticleFactory(headline="Draft", section=france, status=Article.Status.DRAFT)
    ArticleFactory(headline="Unsectioned", published_at=ago(0.5))
    scheduled = ArticleFactory(
        headline="Scheduled", section=world_section, published_at=ago(-1)
    )
    tree = Section.objects.tree()
    families = [tree.family_ids(world_section.pk), tree.family_ids(sport.pk)]

    def made(leaving_out, per_section=2):
        found = Article.objects.latest_public_with_cards(
            families, per_section=per_section, leaving_out=leaving_out
        )
        orm = Article.objects.published().latest_by_section(
            families, per_section=per_section, leaving_out=leaving_out
        )
        assert [a.pk for a in found] == list(orm.values_list("pk", flat=True))
        return [a.shown["card"]["headline"] for a in fresh(found, "card")]

    assert made([in_france.pk, sport_news[0].pk]) == ["World", "Sport 1", "Europe", "Sport 2"]
    assert made([]) == ["France", "Sport 0", "World", "Sport 1"]

    built = []
    original = ArticleQuerySet.latest_by_section

    def counted(self, *args, **kwargs):
        built.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ArticleQuerySet, "latest_by_section", counted)
    # The same shapes, other values and another time: the scheduled article's has come.
    later = timezone.now() + timedelta(hours=2)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert made([in_world.pk, in_europe.pk]) == ["Scheduled", "France", "Sport 0", "Sport 1"]
        assert made([]) == ["Scheduled", "France", "Sport 0", "Sport 1"]
        assert built == [(families,)] * 2  # the ORM's own queries, beside
    built.clear()
    assert made([scheduled.pk], per_section=3) == [
        *["France", "Sport 0", "World", "Sport 1", "Europe", "Sport 2"]
    ]
    assert made([in_france.pk, in_world.pk, in_europe.pk]) == ["Sport 0", "Sport 1", "Older Europe"]
    assert len(built) == 2 * 2  # two new shapes: made once each, beside the ORM's two


def test_the_article_page_stays_at_two_queries_with_section_and_related_stories(
    client, world, django_assert_num_queries
):
    article = seed_article(section=world[2], tags=["Elections", "Paris"])
    for n in range(6):
        seed_article(slug=f"other-{n}", section=world[2], tags=["Paris"])
    warm_navigation()
    # The article with its stored fragments (figure, credit, licence, tags, bylines and
    # breadcrumb in them), the related stories.
    with django_assert_num_queries(2):
        response = client.get(article.get_absolute_url())
    page = BeautifulSoup(response.content, "html.parser")
    assert len(page.select(".related__list li")) == 4


# --- Import and export ---------------------------------------------------------------------


def import_one(path):
    report = import_articles([path], time_zone="UTC")
    (outcome,) = report.outcomes
    return outcome


def test_import_makes_the_section_path_once_and_re_runs_change_nothing(tmp_path):
    path = article_file(tmp_path, "a.md", {"title": "A", "section": "World/Europe"})
    other = article_file(tmp_path, "b.md", {"title": "B", "category": "World / Europe "})
    assert import_one(path).result == Result.CREATED
    assert import_one(other).result == Result.CREATED
    europe = Section.objects.get(slug="europe")
    assert (europe.name, europe.parent.name, europe.parent.parent) == ("Europe", "World", None)
    assert set(Article.objects.values_list("section", flat=True)) == {europe.pk}
    assert import_one(path).result == Result.UNCHANGED
    assert Section.objects.count() == 2


def test_a_list_of_categories_gives_the_first_as_the_section_and_names_the_rest(tmp_path):
    path = article_file(tmp_path, "a.md", {"title": "A", "categories": ["Sport/Tennis", "News"]})
    outcome = import_one(path)
    assert Article.objects.get().section.slug == "tennis"
    assert any("'News'" in line for line in outcome.warning_lines())
    assert not Section.objects.filter(slug="news").exists()


def test_an_existing_section_is_found_by_slug_and_stays_where_editors_put_it(tmp_path, world):
    path = article_file(tmp_path, "a.md", {"title": "A", "section": "Sport/France"})
    import_one(path)
    france = Section.objects.get(slug="france")
    assert france.parent.slug == "europe"
    assert Article.objects.get().section == france


@pytest.mark.parametrize(
    "value, message",
    [
        (5, "expected text or a list of text"),
        # A path may be a list of names (as the WordPress and Ghost readers give it), but
        # of names only.
        ([["World", 5]], "expected a list of text or of paths"),
        ([["World", "Europe/France"]], "the section name 'Europe/France' holds '/'"),
    ],
)
def test_a_section_that_is_not_text_fails_the_file_naming_the_key(tmp_path, value, message):
    outcome = import_one(article_file(tmp_path, "a.md", {"title": "A", "section": value}))
    assert outcome.result == Result.FAILED
    assert any("section:" in line and message in line for line in outcome.error_lines())
    assert not Section.objects.exists()


def test_a_dry_run_makes_no_section(tmp_path):
    path = article_file(tmp_path, "a.md", {"title": "A", "section": "World/Europe"})
    import_articles([path], time_zone="UTC", dry_run=True)
    assert not Section.objects.exists()


def test_export_writes_the_section_path_and_a_fresh_import_makes_it_again(tmp_path, world):
    ArticleFactory(slug="paris", section=world[2])
    ArticleFactory(slug="nowhere")
    export_articles(tmp_path / "out")
    front = yaml.safe_load((tmp_path / "out" / "paris.md").read_text().split("---\n")[1])
    assert front["section"] == "World/Europe/France"
    nowhere = yaml.safe_load((tmp_path / "out" / "nowhere.md").read_text().split("---\n")[1])
    assert "section" not in nowhere
    Article.objects.all().delete()
    Section.objects.filter(parent__parent__isnull=False).delete()
    Section.objects.filter(parent__isnull=False).delete()
    Section.objects.all().delete()
    import_articles([tmp_path / "out"], time_zone="UTC")
    article = Article.objects.get(slug="paris")
    assert [s.name for s in Section.objects.tree().ancestry(article.section_id)] == [
        "World",
        "Europe",
        "France",
    ]
    export_articles(tmp_path / "again")
    assert (tmp_path / "again" / "paris.md").read_text() == (
        tmp_path / "out" / "paris.md"
    ).read_text()


# --- The navigation is read from the cache --------------------------------------------------


def navigation_names(client):
    page = BeautifulSoup(client.get("/").content, "html.parser")
    return [link.get_text(strip=True) for link in page.select(".site-nav a")]


def test_the_navigation_is_read_from_the_cache_without_a_query(
    client, world, django_assert_num_queries
):
    assert navigation_names(client) == ["World", "Sport"]
    with django_assert_num_queries(0):
        Section.objects.shared_tree()


def test_the_navigation_is_kept_as_long_as_pages_are(world, settings):
    """Without Redis each worker has its own cache, never told of another's section
    change: the tree then lasts no longer than a page does there (10 s by default)."""
    settings.PAGE_CACHE_SECONDS = 7
    cache.clear()
    with mock.patch.object(cache, "set", wraps=cache.set) as written:
        Section.objects.shared_tree()
    [(key, _tree, timeout)] = [call.args for call in written.call_args_list]
    assert key == "sections:tree" and timeout == 7


@pytest.mark.parametrize("change", ["rename", "reorder", "add", "delete"])
def test_a_change_to_any_section_reaches_the_cached_navigation_at_once(client, world, change):
    world_section, _europe, _france, sport = world
    assert navigation_names(client) == ["World", "Sport"]
    if change == "rename":
        sport.name = "Sports"
        sport.save()
        expected = ["World", "Sports"]
    elif change == "reorder":
        sport.position = 0
        sport.save()
        expected = ["Sport", "World"]
    elif change == "add":
        section("Business", position=3)
        expected = ["World", "Sport", "Business"]
    else:
        sport.delete()
        expected = ["World"]
    assert navigation_names(client) == expected
