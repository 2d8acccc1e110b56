"""The article and news sitemaps write their own pages (ArticleSitemap.response()): the
same bytes and headers as Django's sitemap view makes of the same sitemaps."""

from datetime import timedelta
from xml.etree import ElementTree as etree  # noqa: N813, S405 - parses our own output

import pytest
from django.contrib.sitemaps import views
from django.http import Http404
from django.template import engines
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import timezone

from articles.models import Article
from articles.models.addresses import slug_addresses
from articles.sitemaps import SITEMAPS, ArticleSitemap, NewsSitemap, sitemap
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

# The news sitemap's template as it was, a loop over Django's dicts: the reference.
DJANGO_NEWS_TEMPLATE = """\
<?xml version="1.0" encoding="UTF-8"?>{% load articles_tags %}
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" \
xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{% spaceless %}
{% for url in urlset %}
  <url>
    <loc>{{ url.location }}</loc>
    {% if url.lastmod %}<lastmod>{{ url.lastmod|iso8601 }}</lastmod>{% endif %}
    <news:news>
      <news:publication>
        <news:name>{{ SITE_NAME }}</news:name>
        <news:language>{% news_language %}</news:language>
      </news:publication>
      <news:publication_date>{{ url.item.published_at|iso8601 }}</news:publication_date>
      <news:title>{{ url.item.display_headline|xml_text }}</news:title>
    </news:news>
  </url>
{% endfor %}
{% endspaceless %}
</urlset>
"""
HEADERS = ("Content-Type", "Last-Modified", "X-Robots-Tag")


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "https://news.example"
    # Days that differ from UTC's: a lastmod's date is the site's.
    settings.TIME_ZONE = "America/New_York"


@pytest.fixture
def articles():
    """Public articles near midnight in UTC, with and without a public update, and
    headlines a template escapes."""
    midnight = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    made = [
        ArticleFactory(headline='Tom & Jerry <script> "quoted" it\'s', published_at=midnight),
        ArticleFactory(
            headline=" ", title="All white space", published_at=midnight - timedelta(hours=3)
        ),
        ArticleFactory(
            headline="", title="Title > headline", published_at=midnight + timedelta(hours=2)
        ),
        ArticleFactory(headline="Bell\x07 rings", published_at=midnight - timedelta(hours=30)),
        ArticleFactory(published_at=midnight - timedelta(days=3)),
        ArticleFactory(canonical_url="https://elsewhere.example/a", published_at=midnight),
        ArticleFactory(status=Article.Status.DRAFT),
    ]
    # Public updates, one after midnight of a day published before it.
    Article.objects.filter(pk=made[3].pk).update(updated_publicly_at=midnight + timedelta(hours=1))
    Article.objects.filter(pk=made[4].pk).update(updated_publicly_at=midnight - timedelta(hours=20))
    return made


def rendered(response):
    response.render()
    return response.content, {name: response.get(name) for name in HEADERS}


def djangos(request, sitemaps, section, template=None):
    response = views.sitemap(request, sitemaps, section)
    if template:
        response.template_name = engines["django"].from_string(template)
    return rendered(response)


def test_article_sitemap_pages_are_djangos_to_the_byte(rf, articles, monkeypatch):
    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    for page in ("1", "2", "3"):
        request = rf.get("/sitemap-articles.xml", {"p": page})
        ours = rendered(sitemap(request, SITEMAPS, "articles"))
        assert ours == djangos(request, SITEMAPS, "articles")
    content, headers = ours
    assert headers["Last-Modified"] and headers["Content-Type"] == "application/xml"
    root = etree.fromstring(content)  # noqa: S314
    assert len(root) == 1  # five public articles, one a syndicated copy: pages of 2, 2, 1


def test_article_sitemap_dates_are_the_sites_days(rf, articles):
    content, _headers = rendered(sitemap(rf.get("/sitemap-articles.xml"), SITEMAPS, "articles"))
    ns = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    dates = [el.text for el in etree.fromstring(content).iterfind(".//sm:lastmod", ns)]  # noqa: S314
    # Published at 02:00 UTC, 21:00 or 22:00 the day before in New York.
    published = articles[2].published_at.astimezone(timezone.get_current_timezone())
    assert dates[0] == published.date().isoformat() != articles[2].published_at.date().isoformat()


def test_an_empty_article_sitemap_is_djangos_too(rf):
    request = rf.get("/sitemap-articles.xml")
    ours = rendered(sitemap(request, SITEMAPS, "articles"))
    assert ours == djangos(request, SITEMAPS, "articles")
    assert ours[1]["Last-Modified"] is None


@pytest.mark.parametrize("page", ["0", "9", "two"])
def test_article_sitemap_pages_past_the_end_are_not_found(rf, articles, page):
    with pytest.raises(Http404):
        sitemap(rf.get("/sitemap-articles.xml", {"p": page}), SITEMAPS, "articles")


def test_news_sitemap_is_djangos_to_the_byte(rf, settings, articles):
    settings.SITE_NAME = "News & <Co>"
    settings.LANGUAGE_CODE = "en-us"
    request = rf.get("/news-sitemap.xml")
    sitemaps = {"news": NewsSitemap}
    ours = rendered(sitemap(request, sitemaps, "news"))
    assert ours == djangos(request, sitemaps, "news", DJANGO_NEWS_TEMPLATE)
    content = ours[0]
    escaped = b"Tom &amp; Jerry &lt;script&gt; &quot;quoted&quot; it&#x27;s"
    assert b"<news:title>" + escaped + b"</news:title>" in content
    assert b"<news:name>News &amp; &lt;Co&gt;</news:name>" in content
    titles = etree.fromstring(content).iterfind(  # noqa: S314
        ".//news:title", {"news": "http://www.google.com/schemas/sitemap-news/0.9"}
    )
    # Text of white space alone is left out, as {% spaceless %} leaves it.
    assert [title.text for title in titles] == [
        "Title > headline",
        'Tom & Jerry <script> "quoted" it\'s',
        None,
        "Bell rings",
    ]


def test_the_sitemaps_addresses_answer_as_djangos_view(client, rf, articles):
    for url, sitemaps, section, template in (
        ("/sitemap-articles.xml", SITEMAPS, "articles", None),
        ("/news-sitemap.xml", {"news": NewsSitemap}, "news", DJANGO_NEWS_TEMPLATE),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert response["X-Robots-Tag"] == "noindex, noodp, noarchive"
        assert response.content == djangos(rf.get(url), sitemaps, section, template)[0]


@pytest.mark.parametrize("view_name", ["articles:detail", "articles:tag", "articles:author"])
def test_slug_addresses_are_reverses(view_name):
    address = slug_addresses(view_name)
    for slug in ("a", "slug-placeholder", "0-x_y-Z", "slug-placeholder-2"):
        assert address(slug) == reverse(view_name, kwargs={"slug": slug})
    with pytest.raises(NoReverseMatch):
        address("not a slug/")


def test_slug_addresses_follow_the_script_prefix():
    set_script_prefix("/news/")
    try:
        assert slug_addresses("articles:detail")("a") == "/news/articles/a/"
    finally:
        set_script_prefix("/")
