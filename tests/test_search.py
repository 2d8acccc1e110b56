"""Search: full-text on PostgreSQL (ranked, highlighted), a plain fallback on SQLite."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.utils import timezone

from articles.models import Article
from tests.factories import ArticleFactory, small_figure, warm_navigation

pytestmark = pytest.mark.django_db

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL full-text search: run with DATABASE_URL=postgres://... (CI does)",
)


def result_links(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    page = BeautifulSoup(response.content.decode(), "html.parser")
    return [a["href"] for a in page.select(".card__headline a")], page


def test_search_finds_public_articles_only(client):
    found = ArticleFactory(headline="Harbour bridge repairs finish early", body="Cars again.")
    ArticleFactory(headline="Something else", body="Unrelated text.")
    now = timezone.now()
    for hidden in (
        ArticleFactory(status=Article.Status.DRAFT, headline="Harbour bridge draft"),
        ArticleFactory(published_at=now + timedelta(hours=1), headline="Harbour bridge later"),
        ArticleFactory(status=Article.Status.WITHDRAWN, headline="Harbour bridge withdrawn"),
    ):
        assert hidden.pk
    links, page = result_links(client, "harbour bridge")
    assert links == [found.get_absolute_url()]
    assert page.select_one(".result-count").get_text() == "1 article found."
    assert page.select_one("#site-search")["value"] == "harbour bridge"


def test_every_word_must_match(client):
    ArticleFactory(headline="Harbour bridge repairs", body="x")
    ArticleFactory(headline="Harbour festival", body="x")
    assert len(result_links(client, "harbour bridge")[0]) == 1
    assert len(result_links(client, "harbour")[0]) == 2


def test_empty_or_unmatched_query_lists_nothing(client):
    ArticleFactory(headline="Harbour bridge")
    links, page = result_links(client, "")
    assert links == [] and "Type some words" in page.get_text()
    links, page = result_links(client, "zeppelin")
    assert links == [] and "No articles match “zeppelin”" in page.get_text()


def test_search_pages_keep_the_query(client):
    for n in range(14):
        ArticleFactory(headline=f"Budget story {n}")
    links, page = result_links(client, "budget")
    assert len(links) == 12
    assert page.select_one("a[rel=next]")["href"] == "?q=budget&page=2"
    assert len(client.get("/search/", {"q": "budget", "page": 2}).context["object_list"]) == 2


def test_search_page_is_not_indexed(client):
    _links, page = result_links(client, "anything")
    assert page.head.find("meta", attrs={"name": "robots"})["content"] == "noindex, follow"


def test_headline_matches_rank_above_body_matches(client):
    body_only = ArticleFactory(
        headline="Council meeting", body="The glacier was mentioned once.",
        published_at=timezone.now() - timedelta(hours=1),
    )
    in_headline = ArticleFactory(
        headline="Glacier retreats further", body="Ice.",
        published_at=timezone.now() - timedelta(days=3),
    )
    assert result_links(client, "glacier")[0] == [
        in_headline.get_absolute_url(),
        body_only.get_absolute_url(),
    ]


@pytest.mark.postgres
@needs_postgres
def test_postgres_ranks_by_weight_and_stems_words(client):
    body = ArticleFactory(
        headline="Council meeting", lede="", description="",
        body="Then the councillors discussed flooding near the river.",
        published_at=timezone.now() - timedelta(hours=1),
    )
    summary = ArticleFactory(
        headline="Weather this week", lede="Rivers are flooding in the north.", description="",
        body="Rain.", published_at=timezone.now() - timedelta(hours=2),
    )
    headline = ArticleFactory(
        headline="Floods close the river road", lede="", description="", body="Closed.",
        published_at=timezone.now() - timedelta(days=2),
    )
    # "flooded" finds "flooding" and "Floods": English stemming, not substring matching.
    assert result_links(client, "flooded")[0] == [
        headline.get_absolute_url(),
        summary.get_absolute_url(),
        body.get_absolute_url(),
    ]
    ranks = list(Article.objects.published().search("flooded").values_list("rank", flat=True))
    assert ranks == sorted(ranks, reverse=True) and ranks[0] > ranks[-1]
    # websearch syntax: a minus excludes ("councillors" stems differently, so it stays).
    assert sorted(result_links(client, "flooded -meeting")[0]) == sorted(
        [headline.get_absolute_url(), summary.get_absolute_url()]
    )


@pytest.mark.postgres
@needs_postgres
def test_postgres_snippet_highlights_matches_and_nothing_else(client):
    ArticleFactory(
        headline="Budget vote",
        body="Before the vote <b>bold</b> <img src=x onerror=alert(1)> the mayor said the "
        "**budget** would pass, and <script>alert(2)</script> it did.",
    )
    _links, page = result_links(client, "mayor")
    snippet = page.select_one(".card__snippet")
    assert [mark.get_text() for mark in snippet.find_all("mark")] == ["mayor"]
    assert [tag.name for tag in snippet.find_all(True)] == ["mark"]
    html = str(snippet)
    assert "onerror" not in html and "<script" not in html and "<img" not in html


@pytest.mark.postgres
@needs_postgres
def test_postgres_search_uses_the_stored_vector():
    sql = str(Article.objects.published().search("river").query)
    # In the subquery of the newest matches (aliased U0), which are then ranked.
    assert 'U0."search_vector" @@' in sql
    assert "to_tsvector" not in sql.split("WHERE", 1)[1]


def test_search_queries_do_not_grow_with_results(client, django_assert_max_num_queries):
    counts = []
    for size in (2, 10):
        for _ in range(size):
            ArticleFactory(
                headline="Harbour news", tags=["Harbour", "Sea"], lead_figure=small_figure()
            )
        warm_navigation()
        # The count, the results (figures joined), their renditions and bylines.
        with django_assert_max_num_queries(4) as queries:
            client.get("/search/", {"q": "harbour"})
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.postgres
@needs_postgres
def test_postgres_searches_the_body_readers_see(client):
    shown = ArticleFactory(headline="Budget vote", body="The **mayor** spoke.")
    ArticleFactory(
        headline="Market day",
        body="Stalls open at nine. <img src=x onerror=tornado(1)>",
    )
    assert result_links(client, "mayor")[0] == [shown.get_absolute_url()]
    # Markup the sanitiser removed is not text on the page, so it finds nothing.
    assert result_links(client, "tornado")[0] == []
    assert result_links(client, "onerror")[0] == []
    # Nor are the tags of the rendered HTML words.
    assert result_links(client, "strong")[0] == []
