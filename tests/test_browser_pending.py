"""A change to a live article in a real browser: a Writer's draft, which the form says
readers do not see and the public page does not show, published by an Editor."""

import pytest
from playwright.sync_api import expect

from articles.models import PendingChange
from tests.factories import ArticleFactory
from tests.test_browser import admin_login

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]


def test_a_writers_draft_of_a_live_article_is_published_by_an_editor(page, writer, editor):
    article = ArticleFactory(slug="bridge", headline="Bridge reopens on Tuesday")
    admin_login(page, "writer", "pw-writer")
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    banner = page.locator("#pending-change")
    expect(banner).to_contain_text(
        "You are editing a draft of a live article; readers see the published version."
    )
    expect(page.locator("input[name=_publish_change]")).to_have_count(0)
    page.fill("#id_headline", "Bridge reopens on Monday")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist .success")).to_contain_text("draft of a change")
    expect(banner.locator(".revision-changes ins", has_text="Monday")).to_be_visible()
    assert PendingChange.objects.get().snapshot["headline"] == "Bridge reopens on Monday"

    reader = page.context.browser.new_context(base_url=page.url.split("/admin/")[0])
    public = reader.new_page()
    public.goto("/articles/bridge/")
    expect(public.locator("h1")).to_have_text("Bridge reopens on Tuesday")

    page.context.clear_cookies()
    admin_login(page, "editor", "pw-editor")
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    expect(page.locator("#id_headline")).to_have_value("Bridge reopens on Monday")
    page.get_by_label("Update:", exact=False).check()
    page.click("input[name=_publish_change]")
    expect(page.locator(".messagelist .success")).to_contain_text("readers see it now")
    expect(page.locator("#pending-change")).not_to_contain_text("last saved by")

    public.goto("/articles/bridge/")
    expect(public.locator("h1")).to_have_text("Bridge reopens on Monday")
    expect(public.locator(".article__meta")).to_contain_text("Updated")
    reader.close()
