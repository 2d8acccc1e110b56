from axes.decorators import axes_dispatch
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from articles.caching import LISTINGS, cached_public_page
from articles.sitemaps import SITEMAPS, NewsSitemap, sitemap, sitemap_index
from articles.views import RobotsView

admin.site.site_header = f"{settings.SITE_NAME} desk"
admin.site.site_title = settings.SITE_NAME
admin.site.index_title = "Editor’s desk"

# A database that failed outside a view (the redirects middleware, on a 404) gives the
# 503 page too: see newsroom/outages.py.
handler500 = "newsroom.outages.server_error"

urlpatterns = [
    # Checked for a lockout before the login form runs (Axes' backend would refuse it only
    # from inside the form, after the admin's login page is rendered): a script trying
    # passwords then costs a worker little more than robots.txt. See bench_login_flood.py.
    path("admin/login/", axes_dispatch(admin.site.login)),
    path("admin/", admin.site.urls),
    path(
        "sitemap.xml",
        cached_public_page(sitemap_index, LISTINGS, "sitemap"),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap_index",
    ),
    path(
        "sitemap-<section>.xml",
        cached_public_page(sitemap, LISTINGS, "sitemap"),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path(
        "news-sitemap.xml",
        cached_public_page(sitemap, LISTINGS, "sitemap"),
        {"sitemaps": {"news": NewsSitemap}, "section": "news"},
        name="news_sitemap",
    ),
    path("robots.txt", RobotsView.as_view(), name="robots_txt"),
    path("", include("articles.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
