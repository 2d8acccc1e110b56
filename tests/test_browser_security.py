"""The editor's desk and the article page in a real browser with the Content-Security-Policy
and Permissions-Policy on: every script of the admin still works, and the browser reports
no violation and no error."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article, Figure
from tests.factories import ArticleFactory, FigureFactory, image_bytes, seed_article
from tests.test_browser import admin_login

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]

# Chromium fires this event for each thing the policy blocks (script, style, image, frame,
# eval…), in the page itself; the listener is installed by the browser, not by the page,
# so the policy cannot block it.
RECORD_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations = window.__violations || [];
  window.__violations.push(`${event.effectiveDirective} blocked ${event.blockedURI}`);
});
"""


@pytest.fixture
def check(page):
    """Records what the browser tab's console says (every error and warning, the policies'
    own included) across navigations; `check(where)` asserts it said nothing and that the
    current page reported no violation."""
    problems = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda message: message.type in ("error", "warning")
        and problems.append(f"{message.type}: {message.text} ({page.url})"),
    )
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error} ({page.url})"))

    def check(where):
        violations = page.evaluate("window.__violations || []")
        assert violations == [], where
        assert problems == [], where

    return check


def test_writing_illustrating_and_publishing_under_the_policy(page, check, editor, tmp_path):
    photo = tmp_path / "harbour.jpg"
    photo.write_bytes(image_bytes(width=1200, height=800))
    admin_login(page, "editor", "pw-editor")
    check("login and desk")

    # The figure page: upload, the credit's autocomplete, save.
    FigureFactory(alt_text="An older figure")
    page.goto("/admin/articles/figure/add/")
    page.set_input_files("#id_image", str(photo))
    page.fill("#id_alt_text", "Boats in the harbour at dawn")
    page.click(".field-credit .select2-selection")
    page.wait_for_selector(".select2-results__option")
    page.keyboard.press("Escape")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    figure = Figure.objects.get(alt_text="Boats in the harbour at dawn")
    check("figure add and change")

    # The article form: slug prepopulation, counters, previews, the lead figure's
    # autocomplete and thumbnail, the date and time shortcuts, saving.
    page.goto("/admin/articles/article/add/")
    page.locator("#id_headline").press_sequentially("Harbour opens at dawn")
    assert page.input_value("#id_slug") == "harbour-opens-at-dawn"
    assert page.text_content("#id_headline-count") == "21 / 110 characters"
    assert page.text_content(".search-preview__title") == "Harbour opens at dawn"
    page.fill("#id_body", "The harbour **opened**.")
    page.click(".field-lead_figure .select2-selection")
    # The open dropdown's search field: the page's first .select2-search__field is the
    # related stories' own (a multiple autocomplete). Typing there opened that one too,
    # and select2, closing it at the next click, focused it, scrolling the page under the
    # mouse: the "jump" the first click after choosing once met.
    page.fill(".select2-dropdown .select2-search__field", "boats")
    page.click(".select2-results__option:has-text('Boats in the harbour')")
    page.wait_for_selector(".lead-figure-preview img")
    page.wait_for_selector(".social-card__image img")
    page.click(".field-published_at .datetimeshortcuts a:has-text('Today')")
    expect(page.locator("#id_published_at_0")).not_to_have_value("")
    page.click(".field-published_at .datetimeshortcuts a:has-text('Now')")
    page.click("#calendarlink0")
    page.wait_for_selector("#calendarbox0", state="visible")
    page.keyboard.press("Escape")
    # The names offered for the tag being typed arrive before the form is saved: on the
    # tests' SQLite, a read of the tags while the save writes them is refused (a 503).
    with page.expect_response("**/tag/names/**"):
        page.fill("#id_tags", "harbour, dawn")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    article = Article.objects.get(slug="harbour-opens-at-dawn")
    assert article.lead_figure == figure and article.published_at is not None
    check("article add")

    # The change page: the reviewer link's copy button, the preview, then the public page.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("button:has-text('New reviewer link')")
    page.click("[data-copy-target^=reviewer-link-]")
    page.wait_for_selector("[data-copy-target^=reviewer-link-]:has-text('Copied')")
    page.goto(f"/admin/articles/article/{article.pk}/preview/")
    assert page.locator("script[type='application/ld+json']").count() == 1
    check("article change and preview")


def test_the_changelist_and_its_actions_under_the_policy(page, check, editor):
    drafts = [
        ArticleFactory(
            status=Article.Status.DRAFT, published_at=timezone.now() - timedelta(hours=1)
        )
        for _ in range(2)
    ]
    admin_login(page, "editor", "pw-editor")
    page.goto("/admin/articles/article/")
    check("article list")
    page.click("#action-toggle")  # select all, by the admin's actions.js
    assert page.locator(".action-select:checked").count() == 2
    page.select_option("select[name=action]", "publish_selected")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist .success")
    assert all(Article.objects.get(pk=d.pk).status == Article.Status.PUBLISHED for d in drafts)
    page.click("#changelist-filter a:has-text('Published')")
    page.fill("#searchbar", "Article")
    page.press("#searchbar", "Enter")
    page.wait_for_selector("#result_list")
    check("article list, action, filter and search")


def test_the_article_page_under_the_policy(page, check):
    article = seed_article()
    page.goto(article.get_absolute_url())
    image = page.locator("figure.article__figure img")
    assert image.evaluate("img => img.complete && img.naturalWidth") > 0
    # The JSON-LD is in the page without a nonce, and the browser reports no violation.
    assert page.locator("script[type='application/ld+json']").count() == 1
    page.goto("/")
    page.goto("/search/?q=Kursk")
    check("article, home and search pages")


def test_no_page_can_be_framed(page, live_server):
    """frame-ancestors 'none' (and X-Frame-Options): inside another page's frame, a page of
    ours is never shown."""
    article = seed_article()
    page.set_content(f'<iframe src="{live_server.url}{article.get_absolute_url()}"></iframe>')
    page.wait_for_timeout(1000)
    (frame,) = page.main_frame.child_frames
    assert article.headline not in frame.content()
