"""End-to-end journeys in a real browser (Debian's Chromium through Playwright)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article, Figure, PreviewLink
from tests.factories import ArticleFactory, FigureFactory, image_bytes, seed_article

# serialized_rollback: the flush after each transactional test would otherwise delete
# the Editors and Writers groups that migration 0002 created.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]


def admin_login(page, username, password):
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def test_editor_uploads_a_figure_writes_and_publishes_an_article(page, editor, tmp_path):
    photo = tmp_path / "bridge.jpg"
    photo.write_bytes(image_bytes(width=1600, height=900))
    admin_login(page, "editor", "pw-editor")

    # A figure, uploaded with its alt text.
    page.goto("/admin/articles/figure/add/")
    page.set_input_files("#id_image", str(photo))
    page.fill("#id_alt_text", "The old stone bridge under a grey sky")
    page.fill("#id_caption", "The bridge on Monday morning.")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    figure = Figure.objects.get()
    assert (figure.width, figure.height) == (1600, 900)

    # An article with that lead figure; counters and previews follow the typing.
    page.goto("/admin/articles/article/add/")
    # Typed key by key: the admin's slug prepopulation listens for keystrokes.
    page.locator("#id_headline").press_sequentially("Stone bridge reopens to traffic")
    assert page.input_value("#id_slug") == "stone-bridge-reopens-to-traffic"
    assert page.text_content("#id_headline-count") == "31 / 110 characters"
    # Until a title is typed, the headline stands in for it, as on the page.
    assert page.text_content(".search-preview__title") == "Stone bridge reopens to traffic"
    assert page.text_content(".social-card__title") == "Stone bridge reopens to traffic"
    page.fill("#id_title", "Stone bridge reopens")
    page.fill("#id_description", "After six months of repairs the bridge carries cars again. " * 3)
    assert "char-count--over" in page.get_attribute("#id_description-count", "class")
    assert page.text_content(".search-preview__title") == "Stone bridge reopens"
    assert page.text_content(".social-card__title") == "Stone bridge reopens"
    page.fill("#id_lede", "Traffic crossed the river again on Monday.")
    page.fill("#id_body", "The bridge **reopened** after repairs.")

    page.click(".field-lead_figure .select2-selection")
    page.fill(".select2-dropdown .select2-search__field", "stone bridge")
    page.click(".select2-results__option:has-text('The old stone bridge')")
    page.wait_for_selector(".lead-figure-preview img")
    page.wait_for_selector(".social-card__image img")

    page.select_option("#id_status", "published")
    when = timezone.localtime(timezone.now() - timedelta(minutes=1))
    page.fill("#id_published_at_0", when.strftime("%Y-%m-%d"))
    page.fill("#id_published_at_1", when.strftime("%H:%M:%S"))
    page.fill("#id_tags", "transport")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")

    article = Article.objects.get()
    assert article.is_public and article.lead_figure == figure

    # Readers see it on the home page and on its own page.
    page.goto("/")
    page.click("text=Stone bridge reopens to traffic")
    page.wait_for_url(f"**{article.get_absolute_url()}")
    assert page.text_content("h1").strip() == "Stone bridge reopens to traffic"
    assert page.locator("img[alt='The old stone bridge under a grey sky']").count() >= 1


HOSTILE = '<img src=x onerror="window.pwned=1"></textarea><script>window.pwned=2</script>'


def test_hostile_text_stays_text_in_the_desk_and_its_previews(page, writer):
    """Markup typed into any field is shown as typed, never run: on the server-rendered
    pages, in the live previews and in the lead figure's autocomplete."""
    Figure.objects.create(alt_text="Figure without a file " + HOSTILE, caption=HOSTILE)
    figure = FigureFactory(alt_text=HOSTILE, caption=HOSTILE)
    draft = ArticleFactory(
        status=Article.Status.DRAFT,
        **{f: HOSTILE for f in ("title", "headline", "description", "lede", "body", "byline")},
        lead_figure=figure,
        tags=[HOSTILE[:90]],
    )
    admin_login(page, "writer", "pw-writer")
    for url in (
        f"/admin/articles/article/{draft.pk}/change/",
        "/admin/articles/article/",
        f"/admin/articles/figure/{figure.pk}/change/",
        f"/admin/articles/article/{draft.pk}/preview/",
        PreviewLink.objects.create_for(draft, None).get_absolute_url(),
    ):
        page.goto(url)
        assert page.evaluate("window.pwned") is None, url

    page.goto(f"/admin/articles/article/{draft.pk}/change/")
    assert page.eval_on_selector_all("#id_status option", "options => options.length") == 1
    page.fill("#id_title", "Typed " + HOSTILE)
    assert page.text_content(".search-preview__title") == ("Typed " + HOSTILE)[:59] + "…"
    assert page.text_content("#id_title-count") == f"{len('Typed ' + HOSTILE)} / 60 characters"
    page.click(".field-lead_figure .select2-selection")
    page.fill(".select2-dropdown .select2-search__field", "without a file")
    page.click(".select2-results__option:has-text('Figure without a file')")
    page.wait_for_selector(".lead-figure-preview:has-text('no image file yet')")
    assert page.locator(".desk-previews img, .lead-figure-preview img").count() == 0
    assert page.evaluate("window.pwned") is None


# --- the public site -------------------------------------------------------------------


def test_reader_sees_the_article_figure_and_its_credit(page):
    article = seed_article()
    page.goto(article.get_absolute_url())
    image = page.locator("figure.article__figure img")
    assert image.get_attribute("alt") == "Soldiers on a snowy road"
    # The browser really decoded a rendition (not a broken image icon).
    assert image.evaluate("img => img.complete && img.naturalWidth") > 0
    assert page.text_content("figure.article__figure .caption") == "War in Ukraine"
    credit = page.locator("figure.article__figure .credit")
    assert " ".join(credit.inner_text().split()) == "Photo: Raw Pixel / CC BY 1.0"
    assert credit.locator("a[rel=license]").get_attribute("href") == (
        "https://creativecommons.org/licenses/by/1.0/"
    )


@pytest.mark.parametrize("width", [320, 375])
@pytest.mark.parametrize("path", ["article", "/", "/search/?q=Kursk"])
def test_no_horizontal_scroll_on_a_phone(page, path, width):
    article = seed_article(
        headline="Supercalifragilisticexpialidocious-long-headline-without-any-spaces-at-all",
        body="A [long link](https://example.com/" + "x" * 200 + ") in the body.",
    )
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(article.get_absolute_url() if path == "article" else path)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_reader_searches_from_the_header(page):
    article = seed_article()
    ArticleFactory(headline="Harbour festival opens", body="Boats.")
    page.goto("/")
    page.get_by_label("Search articles").fill("Kursk soldiers")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=Kursk+soldiers")
    results = page.locator(".card__headline a")
    assert results.count() == 1
    results.first.click()
    page.wait_for_url(f"**{article.get_absolute_url()}")
    assert page.text_content("h1") == article.headline


def test_dark_mode_follows_the_system_setting(page):
    page.goto("/")
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.emulate_media(color_scheme="dark")
    dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert light == "rgb(255, 255, 255)" and dark != light


def test_keyboard_focus_is_always_visible(page):
    # Every element the Tab key reaches (skip link, logo, search, cards, footer) shows an
    # outline; a focus indicator lost to a reset or a matching colour fails here.
    seed_article()
    page.goto("/")
    reached = []
    for _ in range(20):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const el = document.activeElement;
                if (el === document.body || el.dataset.reached) return null;
                el.dataset.reached = "yes";
                const style = getComputedStyle(el);
                return {name: el.tagName + " " + (el.textContent || el.name).trim().slice(0, 20),
                        outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
            }"""
        )
        if focused is None:  # back to the start
            break
        reached.append(focused)
    assert [r["name"] for r in reached][:2] == ["A Skip to content", "A Newsroom"]
    footer = ["A Newsroom", "A RSS", "A Atom", "A Corrections"]
    assert [r["name"] for r in reached][-4:] == footer
    for focused in reached:
        assert focused["outline"] != "none" and focused["width"] >= 2, focused


def test_printed_article_keeps_the_story_and_its_credits(page):
    article = seed_article()
    page.goto(article.get_absolute_url())
    page.emulate_media(media="print")

    def display(selector):
        return page.eval_on_selector(selector, "el => getComputedStyle(el).display")

    for furniture in (".site-header", ".site-footer", ".tag-list"):
        assert display(furniture) == "none", furniture
    assert display("h1") != "none" and display("figure.article__figure") != "none"
    licence_address = page.eval_on_selector(
        "a[rel=license]", "a => getComputedStyle(a, '::after').content"
    )
    assert "https://creativecommons.org/licenses/by/1.0/" in licence_address
