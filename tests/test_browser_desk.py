"""The editor's desk in a real browser: the warning a public article's new slug brings,
the credit a photo carries proposed as soon as it is chosen, reviewer links made and
revoked from the article's form, and a correction published from it."""

import pytest
from PIL import Image
from playwright.sync_api import expect

from articles.models import Article, Figure, PreviewLink
from tests.factories import ArticleFactory, ImageCreditFactory, LicenseFactory
from tests.test_browser import admin_login
from tests.test_images import photo_bytes

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]


def test_a_new_slug_for_a_public_article_warns_that_the_old_address_redirects(page, editor):
    article = ArticleFactory(slug="bridge")
    admin_login(page, "editor", "pw-editor")
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    warning = page.locator("#id_slug-change-warning")
    assert warning.is_hidden()
    page.fill("#id_slug", "bridge-reopens")
    assert warning.is_visible()
    assert "/articles/bridge/ will redirect to the new one" in warning.text_content()
    page.fill("#id_slug", "bridge")
    assert warning.is_hidden()
    page.fill("#id_slug", "bridge-reopens")
    page.get_by_label("Minor fix:", exact=False).check()
    page.click("input[name=_publish_change]")
    page.wait_for_selector(".messagelist .info")
    assert "/articles/bridge/ now redirects" in page.text_content(".messagelist")
    response = page.request.get("/articles/bridge/", max_redirects=0)
    assert response.status == 301 and response.headers["location"] == "/articles/bridge-reopens/"


def test_the_photo_credit_is_proposed_and_chosen_before_saving(page, editor, tmp_path):
    credit = ImageCreditFactory(author="Jane Doe", license=LicenseFactory(name="CC BY 4.0"))
    exif = Image.Exif()
    exif[0x013B] = "JANE  DOE"
    photo = tmp_path / "bridge.jpg"
    photo.write_bytes(photo_bytes(3000, 2000, exif=exif))
    admin_login(page, "editor", "pw-editor")
    page.goto("/admin/articles/figure/add/")
    page.set_input_files("#id_image", str(photo))
    page.wait_for_selector(".credit-from-file:not([hidden])")
    assert page.text_content(".credit-from-file") == (
        "Credit from the photo: JANE  DOE (existing credit “Jane Doe” with licence CC BY 4.0). "
        "It is chosen below."
    )
    assert page.input_value("#id_credit") == str(credit.pk)
    assert "Jane Doe (CC BY 4.0)" in page.text_content(".field-credit .select2-selection")
    assert not Figure.objects.exists()  # nothing stored before saving
    page.fill("#id_alt_text", "The old stone bridge")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert Figure.objects.get().credit == credit


def test_reviewer_links_are_made_copied_and_revoked_in_the_form(page, editor):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None, headline="Budget")
    admin_login(page, "editor", "pw-editor")
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    assert page.locator(".reviewer-links input[type=url]").count() == 0
    page.click("text=New reviewer link")
    page.wait_for_selector(".messagelist .success")
    (link,) = PreviewLink.objects.live()
    url = page.input_value(".reviewer-links input[type=url]")
    assert url.endswith(link.get_absolute_url())

    reviewer = page.context.browser.new_context(base_url=page.url.split("/admin/")[0])
    assert "Budget" in reviewer.new_page().goto(link.get_absolute_url()).text()

    # Unsaved edits: the browser asks before the page is left for the link's form.
    page.fill("#id_headline", "Budget, revised")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click(".reviewer-links__revoke")
    assert PreviewLink.objects.live().count() == 1
    assert page.input_value("#id_headline") == "Budget, revised"
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(".reviewer-links__revoke")
    page.wait_for_selector(".messagelist .info")
    assert not PreviewLink.objects.live().exists()
    assert page.locator(".reviewer-links input[type=url]").count() == 0
    assert reviewer.new_page().goto(link.get_absolute_url()).status == 410
    reviewer.close()


def test_an_editor_publishes_a_correction_and_readers_see_it(page, editor):
    article = ArticleFactory(slug="bridge", headline="Bridge reopens on Tuesday")
    admin_login(page, "editor", "pw-editor")
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    page.fill("#id_headline", "Bridge reopens on Monday")
    page.click("input[name=_publish_change]")  # no kind of change: refused, the edit kept
    expect(page.locator(".field-change_kind .errorlist")).to_contain_text("Choose the kind")
    expect(page.locator("#id_headline")).to_have_value("Bridge reopens on Monday")
    page.get_by_label("Correction:", exact=False).check()
    page.fill("#id_correction", "We said the bridge reopens on Tuesday. It reopens on Monday.")
    page.click("input[name=_publish_change]")
    expect(page.locator(".messagelist .success")).to_be_visible()

    page.goto("/articles/bridge/")
    expect(page.locator("h1")).to_have_text("Bridge reopens on Monday")
    box = page.locator("#corrections")
    expect(box).to_contain_text("It reopens on Monday.")
    expect(page.locator(".article__meta")).to_contain_text("Updated")
    page.click(".article__meta a[href='#corrections']")
    expect(box).to_be_in_viewport()
    page.goto("/corrections/")
    expect(page.locator(".correction-list a")).to_have_text("Bridge reopens on Monday")
