"""The article list's count: the total where it costs nothing, "Show all" only beside a
filtered or searched list (show_full_result_count is off: no second count of every row)."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from articles.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:articles_article_changelist"
# Session, user, the list's count, its rows, tags, authors, the tag filter's and the date
# hierarchy's queries, …: the same with or without a filter (see test_admin.py).
CHANGELIST_QUERIES = 11


@pytest.fixture
def articles():
    ArticleFactory(headline="Bridge reopens after the flood", tags=["floods"])
    ArticleFactory(headline="Rain returns", tags=["weather"])
    ArticleFactory(headline="Council meets", status=Article.Status.DRAFT, published_at=None)


def counts_shown(response):
    """(the search bar's count and its link, the paginator's line)."""
    page = BeautifulSoup(response.content, "html.parser")
    search_bar = page.select_one("#changelist-search .small.quiet")
    paginator = " ".join(page.select_one("p.paginator").get_text().split())
    if search_bar is None:
        return None, paginator
    return (" ".join(search_bar.get_text().split()), search_bar.a["href"]), paginator


def test_the_unfiltered_list_shows_its_total_and_no_show_all(
    client, editor, articles, django_assert_num_queries
):
    client.force_login(editor)
    with django_assert_num_queries(CHANGELIST_QUERIES):
        response = client.get(reverse(CHANGELIST))
    search_bar, paginator = counts_shown(response)
    assert search_bar is None
    assert paginator == "3 articles"


def test_ordering_a_list_is_no_filter(client, editor, articles, django_assert_num_queries):
    client.force_login(editor)
    with django_assert_num_queries(CHANGELIST_QUERIES):
        response = client.get(reverse(CHANGELIST), {"o": "2"})
    assert counts_shown(response) == (None, "3 articles")


@pytest.mark.parametrize(
    "query, found",
    [
        ({"q": "bridge"}, "1 result"),
        ({"tag": "weather"}, "1 result"),
        ({"status": "draft"}, "1 result"),
        ({"status": "published", "q": "rain"}, "1 result"),
    ],
)
def test_a_filtered_or_searched_list_offers_show_all(
    client, editor, articles, django_assert_num_queries, query, found
):
    client.force_login(editor)
    with django_assert_num_queries(CHANGELIST_QUERIES):
        response = client.get(reverse(CHANGELIST), query)
    search_bar, paginator = counts_shown(response)
    # No count of every article for a total: "Show all" leads to the unfiltered list.
    assert search_bar == (f"{found} (Show all)", "?")
    assert paginator == "1 article"


def test_a_date_drilldown_offers_show_all(client, editor, articles):
    year = Article.objects.exclude(published_at=None).first().published_at.year
    client.force_login(editor)
    response = client.get(reverse(CHANGELIST), {"published_at__year": year})
    search_bar, paginator = counts_shown(response)
    assert search_bar == ("2 results (Show all)", "?")
    assert paginator == "2 articles"
