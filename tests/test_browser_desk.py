"""The editor's desk in a real browser: the warning a public article's new slug brings,
the credit a photo carries proposed as soon as it is chosen, and reviewer links made and
revoked from the article's form."""

import pytest
from PIL import Image

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
    page.click("input[name=_save]")
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
