"""Content-Security-Policy and Permissions-Policy on every page, public and admin: no inline
script runs without the request's nonce, nothing may frame a page, no browser feature is
granted; and what a proxy says about a request is believed only when the operator says
there is one."""

import re
import secrets

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from articles.models import Article, PreviewLink
from tests.factories import ArticleFactory, seed_article
from tests.test_settings import PRODUCTION, manage

pytestmark = pytest.mark.django_db


def policy(response):
    """The Content-Security-Policy header as {directive: [sources]}."""
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_strict_policy(response):
    directives = policy(response)
    for directive in ("script-src", "style-src", "default-src"):
        assert "'unsafe-inline'" not in directives.get(directive, []), directive
        assert "'unsafe-eval'" not in directives.get(directive, []), directive
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    features = dict(
        item.strip().split("=") for item in response["Permissions-Policy"].split(",")
    )
    for feature in (
        "camera", "microphone", "geolocation", "payment", "usb", "browsing-topics",
        "interest-cohort",
    ):
        assert features[feature] == "()", feature


def assert_nothing_inline_runs_without_the_nonce(response):
    """Every script is a file of ours, carries the nonce the header names or is JSON-LD (a
    data block, which browsers do not run); no element has an inline handler, a style
    attribute or a <style> (style-src 'self' refuses them), and no link runs script."""
    nonces = re.findall(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    page = BeautifulSoup(response.content.decode(), "html.parser")
    for script in page.find_all("script"):
        if script.get("src"):
            assert re.match(r"/(?!/)", script["src"]), script  # this site's ('self')
        elif script.get("type") != "application/ld+json":
            assert script.get("nonce") in nonces, script
    assert page.find("style") is None
    for element in page.find_all(True):
        assert "style" not in element.attrs, element
        handlers = [name for name in element.attrs if name.startswith("on")]
        assert not handlers, element
        for name in ("href", "src", "action", "formaction"):
            assert not str(element.get(name, "")).lower().startswith("javascript:"), element


# --- the public site -------------------------------------------------------------------


def public_pages():
    article = seed_article()
    draft = ArticleFactory(status=Article.Status.DRAFT)
    return [
        "/",
        article.get_absolute_url(),
        "/tags/ukraine/",
        f"/archive/{article.published_at.year}/",
        "/search/?q=Kursk",
        "/no-such-page/",
        PreviewLink.objects.create_for(draft, None).get_absolute_url(),
    ]


def test_every_public_page_has_a_strict_policy_and_nothing_inline(client):
    ArticleFactory(body="| a | b |\n|:--|--:|\n| 1 | 2 |\n\n<p style='color:red'>red</p>")
    for url in public_pages():
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_strict_policy(response)
        assert_nothing_inline_runs_without_the_nonce(response)


def test_the_article_pages_json_ld_is_a_data_block_without_a_nonce(client):
    """JSON-LD is data, which browsers neither run nor check against the policy: it needs
    no nonce, and a cached page must not hand every reader the same one."""
    response = client.get(seed_article().get_absolute_url())
    page = BeautifulSoup(response.content.decode(), "html.parser")
    (script,) = page.find_all("script", type="application/ld+json")
    assert not script.has_attr("nonce")
    assert policy(response)["script-src"] == ["'self'"]


def test_pages_without_inline_script_name_no_nonce(client):
    assert policy(client.get("/"))["script-src"] == ["'self'"]


def test_body_images_from_other_sites_may_load(client):
    """Bodies may show images by address (Markdown's ![alt](https://…)); scripts may not."""
    directives = policy(client.get("/"))
    assert directives["img-src"] == ["'self'", "https:"]


# --- the policy built once ---------------------------------------------------------------


def library_and_ours(settings, request_path="/somewhere/", status=200, decorate=None, nonce=False):
    """The headers django-csp's own middleware and ours give the same answer to the same
    request."""
    from csp.middleware import CSPMiddleware as LibraryMiddleware
    from django.http import HttpResponse
    from django.test import RequestFactory

    from newsroom.security import CSPMiddleware

    answers = []
    for middleware in (LibraryMiddleware, CSPMiddleware):

        def view(request):
            if nonce:
                str(request.csp_nonce)  # asked for while the page is made
            response = HttpResponse(status=status)
            return decorate(lambda request: response)(request) if decorate else response

        request = RequestFactory().get(request_path)
        response = middleware(view)(request)
        nonce_value = getattr(request, "_csp_nonce", None)
        answers.append(
            [
                (name, value.replace(nonce_value, "NONCE") if nonce_value else value)
                for name, value in response.items()
            ]
        )
    return answers


@pytest.mark.parametrize(
    "case",
    ["plain", "nonce", "csp_update", "csp_exempt", "report-only too", "excluded path", "DEBUG 404"],
)
def test_our_content_security_policy_middleware_answers_as_the_librarys(settings, case):
    from csp.decorators import csp_exempt, csp_update

    options = {}
    if case == "nonce":
        options["nonce"] = True
    elif case == "csp_update":
        options["decorate"] = csp_update({"img-src": ["https://images.example"]})
    elif case == "csp_exempt":
        options["decorate"] = csp_exempt()
    elif case == "report-only too":
        settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    elif case == "excluded path":
        settings.CONTENT_SECURITY_POLICY = {
            **settings.CONTENT_SECURITY_POLICY,
            "EXCLUDE_URL_PREFIXES": ["/somewhere"],
        }
    elif case == "DEBUG 404":
        settings.DEBUG = True
        options["status"] = 404
    library, ours = library_and_ours(settings, **options)
    assert library == ours
    if case == "plain":
        assert "'self'" in dict(ours)["Content-Security-Policy"]


def test_a_changed_policy_is_built_anew(settings):
    library_and_ours(settings)
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    library, ours = library_and_ours(settings)
    assert library == ours == [("Content-Type", "text/html; charset=utf-8"),
                               ("Content-Security-Policy", "default-src 'none'")]


# --- the editor's desk -----------------------------------------------------------------


def test_every_admin_page_has_a_strict_policy_and_nothing_inline(client, editor):
    article = seed_article()
    figure = article.lead_figure
    login = client.get(reverse("admin:login"))
    assert_strict_policy(login)
    assert_nothing_inline_runs_without_the_nonce(login)
    pages = [
        reverse("admin:index"),
        reverse("admin:articles_article_changelist"),
        reverse("admin:articles_article_add"),
        reverse("admin:articles_article_change", args=[article.pk]),
        reverse("admin:articles_figure_changelist"),
        reverse("admin:articles_figure_add"),
        reverse("admin:articles_figure_change", args=[figure.pk]),
        reverse("admin:articles_imagecredit_change", args=[figure.credit.pk]),
        reverse("admin:articles_license_change", args=[figure.credit.license.pk]),
        reverse("admin:articles_tag_changelist"),
        reverse("admin:articles_article_preview", args=[article.pk]),
        reverse("admin:articles_article_history", args=[article.pk]),
        reverse("admin:articles_article_compare", args=[article.pk]),
        reverse("admin:articles_revision_changelist"),
    ]
    client.force_login(editor)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_policy(response)
        assert_nothing_inline_runs_without_the_nonce(response)


def test_the_locked_out_page_has_the_policy_too(client, editor):
    for _ in range(6):
        response = client.post(reverse("admin:login"), {"username": "editor", "password": "x"})
    assert response.status_code == 429
    assert_strict_policy(response)
    assert_nothing_inline_runs_without_the_nonce(response)


# --- what a proxy says -----------------------------------------------------------------


def production(**environment):
    return {**PRODUCTION, "SECRET_KEY": secrets.token_urlsafe(50), **environment}


GET_OVER_HTTP = (
    "from django.test import Client; "
    "r = Client().get('/robots.txt', headers={'host': 'news.example', "
    "'x-forwarded-proto': 'https'}); "
    "print(r.status_code, r.get('Location', '-'), r.get('Strict-Transport-Security', '-'), "
    "sep='|')"
)


def test_a_forwarded_proto_header_is_not_believed_without_a_proxy():
    """Otherwise any client could claim HTTPS and skip the redirect to it."""
    result = manage("shell", "--no-imports", "-c", GET_OVER_HTTP, **production())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "301|https://news.example/robots.txt|-"


def test_the_header_a_proxy_is_said_to_set_is_believed():
    environment = production(SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")
    result = manage("shell", "--no-imports", "-c", GET_OVER_HTTP, **environment)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "200|-|max-age=31536000; includeSubDomains"


def test_hsts_preload_only_when_asked_for():
    environment = production(SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto", SECURE_HSTS_PRELOAD="1")
    result = manage("shell", "--no-imports", "-c", GET_OVER_HTTP, **environment)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "200|-|max-age=31536000; includeSubDomains; preload"


def test_a_malformed_proxy_header_name_is_named_without_a_traceback():
    result = manage("check", **production(SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https"))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Configuration error: SECURE_PROXY_SSL_HEADER must name the header the proxy sets to "
        "'https' (for example X-Forwarded-Proto), got 'X-Forwarded-Proto: https'."
    )


def test_production_settings_with_a_proxy_pass_the_deployment_checks():
    environment = production(SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto", TRUSTED_PROXY_COUNT="1")
    result = manage("check", "--deploy", "--fail-level", "WARNING", **environment)
    assert result.returncode == 0, result.stderr + result.stdout
