"""Characters XML 1.0 cannot carry (control characters but tab and line breaks, U+FFFE,
U+FFFF): one in a headline made the feeds answer 500. Every way in refuses them, naming
the field; every XML output survives a row that holds one all the same."""

from xml.etree import ElementTree as etree  # noqa: N813, S405 - parses our own output

import feedparser
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from articles.importing.values import check_text
from articles.models import (
    Article,
    Figure,
    ImageCredit,
    License,
    Tag,
    reject_control_characters,
)
from tests.factories import ImageCreditFactory, seed_article
from tests.test_admin import article_form_data, figure_form_data

pytestmark = pytest.mark.django_db

BELL = "\x07"


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x0b", "\x0c", "\x1b", "\x1f", "\ufffe"])
def test_the_validator_refuses_what_xml_cannot_carry(character):
    with pytest.raises(ValidationError) as refused:
        reject_control_characters(f"A{character}B")
    assert f"(U+{ord(character):04X})" in refused.value.messages[0]


def test_the_validator_accepts_tabs_line_breaks_and_any_letter():
    reject_control_characters("Tab\tnew line\ncarriage return\r\nУкраїна 🇺🇦 \x7f \x85")


def test_the_validator_says_on_which_line_of_a_long_text():
    with pytest.raises(ValidationError) as refused:
        reject_control_characters(f"One\n\nTwo {BELL} three")
    assert refused.value.messages == [
        "This text contains a control character (U+0007) that web pages and feeds cannot "
        "carry (line 3); delete it."
    ]


def test_the_importer_and_the_fields_share_the_rule():
    with pytest.raises(ValueError, match=r"contains a non-character \(U\+FFFF\)"):
        check_text("Bad \uffff")
    with pytest.raises(ValidationError, match=r"non-character \(U\+FFFF\)"):
        reject_control_characters("Bad \uffff")


@pytest.mark.parametrize(
    "model, field",
    [
        (Article, name)
        for name in (
            "title",
            "headline",
            "byline",
            "description",
            "lede",
            "social_title",
            "social_description",
            "body",
            "source_url",
        )
    ]
    + [(Figure, "alt_text"), (Figure, "caption"), (Figure, "original_url")]
    + [(ImageCredit, "author"), (ImageCredit, "author_url"), (License, "name"), (License, "url")]
    + [(Tag, "name")],
)
def test_every_text_field_readers_see_carries_the_validator(model, field):
    assert reject_control_characters in model._meta.get_field(field).validators


# The admin's forms ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    ["headline", "title", "byline", "lede", "body", "description", "social_title",
     "social_description"],
)  # fmt: skip
def test_article_form_refuses_a_control_character_naming_the_field(client, editor, field):
    client.force_login(editor)
    data = article_form_data(**{field: f"Ring the {BELL} bell"})
    response = client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [
        "This text contains a control character (U+0007) that web pages and feeds cannot "
        "carry; delete it."
    ]
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    "tags, message",
    [
        (f"floods, ring{BELL}bell", "The tag “ring\x07bell” contains a control character (U+0007)"),
        ("floods, " + "x" * 101, "The tag “xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…” is 101"),
    ],
)
def test_article_form_refuses_tag_names_feeds_cannot_carry_or_too_long(
    client, editor, tags, message
):
    client.force_login(editor)
    response = client.post(reverse("admin:articles_article_add"), article_form_data(tags=tags))
    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors["tags"]
    assert error.startswith(message)
    assert not Article.objects.exists() and not Tag.objects.exists()


def test_figure_form_refuses_control_characters_in_alt_text_and_caption(client, editor):
    client.force_login(editor)
    data = figure_form_data(alt_text=f"A {BELL} bridge", caption=f"Caption {BELL}")
    response = client.post(reverse("admin:articles_figure_add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"alt_text", "caption"}
    assert not Figure.objects.exists()


def test_credit_and_licence_forms_refuse_control_characters(client, editor):
    credit = ImageCreditFactory(author="Ann Lee")
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_imagecredit_change", args=[credit.pk]),
        {"author": f"Ann {BELL}Lee", "author_url": "", "license": credit.license_id},
    )
    assert list(response.context["adminform"].form.errors) == ["author"]
    response = client.post(
        reverse("admin:articles_license_change", args=[credit.license_id]),
        {"name": f"CC BY{BELL}", "url": ""},
    )
    assert list(response.context["adminform"].form.errors) == ["name"]
    assert ImageCredit.objects.get().author == "Ann Lee"
    assert License.objects.get().name == "CC BY 4.0"


def test_tag_admin_refuses_control_characters_in_a_rename_and_a_merge(client, editor):
    tag = Tag.objects.create(name="Floods", slug="floods")
    client.force_login(editor)
    url = reverse("admin:articles_tag_change", args=[tag.pk])
    response = client.post(url, {"name": f"Flo{BELL}ods", "slug": "floods"})
    assert list(response.context["adminform"].form.errors) == ["name"]

    changelist = reverse("admin:articles_tag_changelist")
    merge = {"action": "merge_selected", "_selected_action": [tag.pk], "post": "yes"}
    response = client.post(changelist, {**merge, "into": f"Rain{BELL}"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["into"]
    assert list(Tag.objects.values_list("name", flat=True)) == ["Floods"]
    assert client.post(url, {"name": "Rain", "slug": "rain"}).status_code == 302


# Rows that hold one all the same ----------------------------------------------------------


@pytest.fixture
def tainted(settings):
    """A public article (with figure, credit, licence and tag) whose every text holds
    control characters, written as a data migration or a shell would: past validators."""
    settings.SITE_URL = "https://news.example"
    article = seed_article(byline="Ann Lee")
    tainted_text = {
        field: f"{BELL}{getattr(article, field)}\x1b\uffff"
        for field in ("title", "headline", "description", "lede", "social_title",
                      "social_description", "byline")
    }  # fmt: skip
    Article.objects.filter(pk=article.pk).update(**tainted_text, body_html=f"<p>Body{BELL}</p>")
    Figure.objects.update(alt_text=f"Alt{BELL}", caption=f"Caption{BELL}")
    ImageCredit.objects.update(author=f"Raw{BELL}Pixel")
    License.objects.update(name=f"CC BY{BELL} 1.0")
    Tag.objects.filter(name="Ukraine").update(name=f"Ukr{BELL}aine")
    return article


@pytest.mark.parametrize(
    "url", ["/feeds/rss/", "/feeds/atom/", "/feeds/tags/ukraine/rss/", "/feeds/tags/ukraine/atom/"]
)
def test_feeds_leave_out_what_xml_cannot_carry(client, tainted, url):
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    (entry,) = feed.entries
    assert entry.title == tainted.headline
    assert entry.summary == tainted.description
    assert entry.author == "Ann Lee"
    assert sorted(tag.term for tag in entry.tags) == ["Ukraine", "War"]
    if "/tags/" in url:
        assert feed.feed.title == "Newsroom: Ukraine"


@pytest.mark.parametrize(
    "url",
    [
        "/sitemap.xml",
        "/sitemap-articles.xml",
        "/sitemap-tags.xml",
        "/sitemap-listings.xml",
        "/news-sitemap.xml",
    ],
)
def test_sitemaps_are_well_formed_xml(client, tainted, url):
    response = client.get(url)
    assert response.status_code == 200
    root = etree.fromstring(response.content)  # noqa: S314
    if url == "/news-sitemap.xml":
        title = root.findtext(
            ".//news:title", namespaces={"news": "http://www.google.com/schemas/sitemap-news/0.9"}
        )
        assert title == tainted.headline
