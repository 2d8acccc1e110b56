"""Text PostgreSQL cannot store (a NUL byte, U+0000) never reaches the database from a
request: any path, parameter, form field, cookie or header holding it is refused with a
400 before a view runs, on every page, public or admin. On PostgreSQL such a value used
to raise in the middle of a query and answer 500 with a traceback."""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.contrib import admin
from django.urls import get_resolver, reverse

from articles.models import Article
from tests.factories import ArticleFactory, small_figure

pytestmark = pytest.mark.django_db

NUL = "%00"


@pytest.fixture
def content():
    """Something on every list, so that every filter and page link is offered."""
    article = ArticleFactory(lead_figure=small_figure(), tags=["Energy"])
    ArticleFactory(status=Article.Status.DRAFT, slug="a-draft", tags=["Energy"])
    return article


# Every public address that takes something from the reader, by URL name: each path
# part and each query parameter it reads gets a NUL.
PUBLIC = {
    "home": ["/?page=%00", "/?page=1%00"],
    "detail": ["/articles/%00/", "/articles/story%00/", "/articles/article-0/?x=%00"],
    "tag": ["/tags/%00/", "/tags/energy%00/", "/tags/energy/?page=%00"],
    "archive_year": ["/archive/%00/", "/archive/2024%00/", "/archive/2024/?page=%00"],
    "archive_month": ["/archive/2024/%00/", "/archive/2024/01/?page=%00"],
    "search": ["/search/?q=%00", "/search/?q=energy%00policy", "/search/?q=x&page=%00"],
    "preview": ["/preview/%00/", "/preview/abc%00def/"],
    "feed_rss": ["/feeds/rss/?page=%00"],
    "feed_atom": ["/feeds/atom/?q=%00"],
    "tag_feed_rss": ["/feeds/tags/%00/rss/", "/feeds/tags/energy/rss/?q=%00"],
    "tag_feed_atom": ["/feeds/tags/energy%00/atom/"],
    "section": ["/sections/%00/", "/sections/world%00/", "/sections/world/?page=%00"],
    "section_feed_rss": ["/sections/%00/feeds/rss/", "/sections/world/feeds/rss/?q=%00"],
    "section_feed_atom": ["/sections/world%00/feeds/atom/"],
    "author": ["/authors/%00/", "/authors/jane%00/", "/authors/jane/?page=%00"],
    "author_feed_rss": ["/authors/%00/feeds/rss/", "/authors/jane/feeds/rss/?q=%00"],
    "author_feed_atom": ["/authors/jane%00/feeds/atom/"],
    "sitemap_index": ["/sitemap.xml?p=%00"],
    "sitemap_section": ["/sitemap-%00.xml", "/sitemap-articles.xml?p=%00"],
    "news_sitemap": ["/news-sitemap.xml?p=%00"],
    "robots_txt": ["/robots.txt?x=%00"],
    "corrections": ["/corrections/?page=%00", "/corrections/?page=1%00"],
    "corrections_feed_rss": ["/feeds/corrections/rss/?x=%00"],
    "corrections_feed_atom": ["/feeds/corrections/atom/?x=%00"],
    # No page at all: the redirects app looks the path up in the database.
    None: ["/no-such-page%00/", "/%00", "/static/css/site.css%00/../x"],
}


def public_url_names():
    resolver = get_resolver()
    names = set()
    for pattern in resolver.url_patterns:
        if str(pattern.pattern).startswith(("admin/", "^media/")):
            continue
        patterns = getattr(pattern, "url_patterns", [pattern])
        names.update(p.name for p in patterns if p.name)
    return names


def test_every_public_url_is_tried():
    assert public_url_names() == {name for name in PUBLIC if name}


@pytest.mark.parametrize(
    "url", [url for urls in PUBLIC.values() for url in urls], ids=lambda url: url
)
def test_public_pages_refuse_a_nul_byte(client, content, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


# The admin: every list's search, filters, date drill-down, ordering and page number;
# every autocomplete; object ids in paths. Filters are read from each list as an editor
# sees it, so a filter added later is tried too.


def changelist_urls(client):
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        yield url, model


def with_nul(query):
    """Each of a query string's parameters set to NUL in turn, the others kept."""
    pairs = parse_qsl(query, keep_blank_values=True)
    for index, (name, _value) in enumerate(pairs):
        changed = [*pairs[:index], (name, "\x00"), *pairs[index + 1 :]]
        yield urlencode(changed)


def offered_queries(client, url):
    """The query strings of every filter, drill-down, sort and page link on a list."""
    page = BeautifulSoup(client.get(url).content.decode(), "html.parser")
    queries = set()
    for link in page.select("a[href^='?']"):
        queries.update(with_nul(urlsplit(link["href"]).query))
    return queries


def test_admin_lists_refuse_a_nul_byte_in_search_filters_and_pages(admin_client, content):
    tried = []
    for url, model in changelist_urls(admin_client):
        queries = {"q=%00", "q=x%00y", "p=%00", "o=%00", "e=%00", "_to_field=%00"}
        queries |= offered_queries(admin_client, url)
        for query in sorted(queries):
            response = admin_client.get(f"{url}?{query}")
            assert response.status_code == 400, (url, query, response.status_code)
            tried.append((model._meta.label, query))
    filtered = {label for label, query in tried if not query.startswith(("q=", "p=", "o="))}
    # The lists with filters (the article list's status, date, tag; figures' licence…)
    assert {"articles.Article", "articles.Figure", "articles.ImageCredit", "auth.User"} <= (
        filtered
    )
    assert any(re.match(r"tag=%00", query) for _label, query in tried)
    assert any(query.startswith("published_at__year=%00") for _label, query in tried)


def test_admin_autocomplete_refuses_a_nul_byte(admin_client, content):
    autocompletes = [
        (model, field)
        for model, model_admin in admin.site._registry.items()
        for field in model_admin.autocomplete_fields
    ]
    assert len(autocompletes) == 6
    for model, field in autocompletes:
        params = {
            "app_label": model._meta.app_label,
            "model_name": model._meta.model_name,
            "field_name": field,
        }
        for name in ["term", *params]:
            query = urlencode({"term": "a", **params, name: "\x00"})
            response = admin_client.get(f"{reverse('admin:autocomplete')}?{query}")
            assert response.status_code == 400, (model, field, name)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/articles/article/%00/change/",
        "/admin/articles/article/1%00/change/",
        "/admin/articles/article/%00/preview/",
        "/admin/articles/figure/%00/thumbnail/",
        "/admin/taggit/tag/%00/change/",
        "/admin/auth/user/%00/password/",
        "/admin/articles/%00/",
        "/admin/login/?next=/admin/%00",
    ],
)
def test_admin_paths_refuse_a_nul_byte(admin_client, content, url):
    assert admin_client.get(url).status_code == 400


def test_forms_cookies_and_headers_refuse_a_nul_byte(client, admin_client, content):
    # A login attempt: the user name is looked up in the database.
    response = client.post(reverse("admin:login"), {"username": "ed\x00", "password": "x"})
    assert response.status_code == 400
    # A field's name as well as its value.
    response = admin_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_selected", "_selected_action": "1\x00"},
    )
    assert response.status_code == 400
    response = admin_client.post(
        reverse("admin:articles_article_changelist"), {"action\x00": "publish_selected"}
    )
    assert response.status_code == 400
    # The session key is read from a cookie and looked up in the database; a quoted
    # cookie value may spell a NUL as an octal escape.
    cookie = 'sessionid="abcdefgh\\000ijklmnop"'
    assert client.get(reverse("admin:index"), HTTP_COOKIE=cookie).status_code == 400
    assert client.get("/", HTTP_USER_AGENT="bot\x00").status_code == 400


def test_ordinary_text_still_passes(client, admin_client, content):
    """Only what the database cannot store is refused: other text, even odd, goes through."""
    assert client.get("/search/?q=%01energy").status_code == 200
    assert client.get("/search/?q=%E2%80%AEenergy").status_code == 200
    assert client.get("/search/?q=%ED%A0%80").status_code == 200  # decoded as U+FFFD
    assert client.get("/tags/energy/").status_code == 200
    assert admin_client.get("/admin/articles/article/?q=%01&tag=energy").status_code == 200


def test_a_refusal_names_what_was_refused(client, caplog):
    with caplog.at_level("WARNING"):
        client.get("/search/?q=%00")
    (record,) = [r for r in caplog.records if r.name.startswith("django.security")]
    assert record.getMessage() == (
        "The query parameter 'q' holds a NUL character (U+0000), which the database "
        "cannot store."
    )
