from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from articles.models import Article, Figure, ImageCredit, License, PreviewLink
from tests.factories import (
    ArticleFactory,
    FigureFactory,
    ImageCreditFactory,
    LicenseFactory,
    image_bytes,
    image_file,
)

pytestmark = pytest.mark.django_db


def test_published_queryset_hides_drafts_scheduled_and_withdrawn():
    public = ArticleFactory()
    ArticleFactory(status=Article.Status.DRAFT)
    scheduled = ArticleFactory(published_at=timezone.now() + timedelta(hours=1))
    ArticleFactory(status=Article.Status.WITHDRAWN)
    ArticleFactory(published_at=None)

    assert list(Article.objects.published()) == [public]
    assert scheduled.is_scheduled and scheduled.status_label == "Scheduled"


def test_scheduled_article_becomes_public_at_its_time_without_a_job():
    article = ArticleFactory(published_at=timezone.now() + timedelta(minutes=5))
    assert not Article.objects.published().exists()
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now())
    assert Article.objects.published().get() == article


def test_body_is_rendered_once_on_save_and_sanitised():
    article = ArticleFactory(
        body='# Heading\n\nHello <script>alert(1)</script> [x](javascript:alert(1)) '
        '<img src=x onerror="alert(1)"> <iframe src="https://evil.example"></iframe>'
    )
    html = article.body_html
    assert "<h2>Heading</h2>" in html
    # The javascript: link stays text; no attribute carries it.
    assert "<script" not in html and '="javascript:' not in html
    assert "onerror" not in html and "<iframe" not in html


def test_fallbacks_for_headline_and_social_fields():
    article = ArticleFactory.build(
        title="Title", headline="", description="", social_title="", social_description=""
    )
    assert article.display_headline == "Title"
    assert article.display_social_title == "Title"
    assert article.display_social_description == article.lede


def test_slug_is_derived_from_headline_when_missing():
    article = ArticleFactory(slug="", headline="Zelensky speaks in Munich, again!")
    assert article.slug == "zelensky-speaks-in-munich-again"


def test_slug_and_source_url_are_unique_in_the_database():
    ArticleFactory(slug="same", source_url="https://old.example/a")
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleFactory(slug="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleFactory(source_url="https://old.example/a")
    # Articles without a source URL do not collide with each other.
    ArticleFactory(source_url="")
    ArticleFactory(source_url="")


def test_license_and_credit_rows_are_unique_even_without_a_license():
    LicenseFactory(name="CC BY 1.0", url="https://creativecommons.org/licenses/by/1.0/")
    with pytest.raises(IntegrityError), transaction.atomic():
        License.objects.create(name="CC BY 1.0", url="https://creativecommons.org/licenses/by/1.0/")
    ImageCredit.objects.create(author="Raw Pixel", author_url="https://rawpixel.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        ImageCredit.objects.create(author="Raw Pixel", author_url="https://rawpixel.com")
    licensed = {"author": "Raw Pixel", "author_url": "https://rawpixel.com"}
    licensed["license"] = License.objects.get()
    ImageCredit.objects.create(**licensed)
    with pytest.raises(IntegrityError), transaction.atomic():
        ImageCredit.objects.create(**licensed)
    assert ImageCredit.objects.count() == 2  # one without a licence, one with


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.com/x", "data:text/html,x"])
def test_credit_and_license_urls_accept_only_http_and_https(url):
    with pytest.raises(ValidationError) as error:
        ImageCredit(author="A", author_url=url).full_clean()
    assert "author_url" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        License(name="L", url=url).full_clean()
    assert "url" in error.value.message_dict


def test_publishing_requires_headline_body_time_and_lead_alt_text():
    figure = FigureFactory(alt_text="")
    article = ArticleFactory.build(
        title="", headline="", body=" ", published_at=None, lead_figure=figure
    )
    with pytest.raises(ValidationError) as error:
        article.clean()
    assert set(error.value.message_dict) == {"headline", "body", "published_at", "lead_figure"}
    article.status = Article.Status.DRAFT
    with pytest.raises(ValidationError) as error:
        article.clean()
    assert error.value.message_dict == {"headline": ["Write a headline or a title."]}
    article.title = "A title"
    article.clean()  # otherwise drafts may be incomplete


@pytest.mark.parametrize("title, headline", [("Title", ""), ("", "Headline")])
def test_a_headline_or_a_title_is_enough_each_standing_in_for_the_other(title, headline):
    article = ArticleFactory.build(title=title, headline=headline, status=Article.Status.DRAFT)
    article.clean()
    assert article.display_title == article.display_headline == (title or headline)


def test_publishing_warnings_name_each_soft_problem():
    figure = FigureFactory(image=image_file(width=800, height=600), caption="Same", alt_text="Same")
    article = ArticleFactory.build(
        title="T" * 61, description="short", social_title="S" * 71, lead_figure=figure
    )
    warnings = " ".join(article.publishing_warnings())
    assert "61 characters" in warnings
    assert "description is 5 characters" in warnings
    assert "social title is 71" in warnings
    assert "800 pixels wide" in warnings
    assert "repeats its caption" in warnings
    good = ArticleFactory.build(title="Fine", description="d" * 140, lead_figure=FigureFactory())
    assert good.publishing_warnings() == []


def test_a_long_headline_standing_in_for_the_title_is_a_warning():
    article = ArticleFactory.build(title="", headline="H" * 61, description="d" * 140)
    assert article.publishing_warnings() == [
        "The headline, which stands in for the empty title, is 61 characters; search "
        "engines cut a title after about 60. Add a shorter title."
    ]
    article.title = "Short"
    assert article.publishing_warnings() == []


def test_figure_stores_dimensions_and_strips_gps_exif():
    exif = Image.Exif()
    exif.get_ifd(0x8825)[2] = (51.0, 30.0, 0.0)  # GPSInfo: latitude
    exif[0x0110] = "Secret Camera Model"
    figure = FigureFactory(image=image_file(width=1300, height=700, exif=exif), credit=None)
    figure.refresh_from_db()
    assert (figure.width, figure.height) == (1300, 700)
    with Image.open(figure.image.path) as stored:
        assert 0x8825 not in stored.getexif() and 0x0110 not in stored.getexif()


def test_figure_offers_embedded_creator_as_credit():
    exif = Image.Exif()
    exif[0x013B] = "Jane Photographer"
    figure = FigureFactory(image=image_file(exif=exif), credit=None)
    assert figure.credit.author == "Jane Photographer"
    # The same creator again reuses the row.
    again = FigureFactory(image=image_file(exif=exif), credit=None)
    assert again.credit_id == figure.credit_id


@pytest.mark.parametrize("embedded", ["iptc_byline", "exif_copyright"])
def test_figure_offers_iptc_byline_or_exif_copyright_as_credit(embedded):
    from tests.test_images import photo_bytes, with_iptc_byline

    if embedded == "iptc_byline":
        data, expected = with_iptc_byline(photo_bytes(64, 48), "Agency Photographer"), (
            "Agency Photographer"
        )
    else:
        exif = Image.Exif()
        exif[0x8298] = "Copyright 2024 Wire Agency"
        data, expected = photo_bytes(64, 48, exif=exif), "Wire Agency"
    figure = FigureFactory(image=ContentFile(data, name="wire.jpg"), credit=None)
    assert figure.credit.author == expected and figure.credit.license is None


def test_figure_rejects_non_images_and_svg():
    from django.core.files.base import ContentFile

    svg = ContentFile(b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', name="x.svg")
    with pytest.raises(ValidationError) as error:
        Figure(alt_text="x", image=svg).full_clean()
    assert "image" in error.value.message_dict


def test_figure_rejects_images_over_the_pixel_cap(settings):
    settings.IMAGE_MAX_PIXELS = 100 * 100
    from django.core.files.base import ContentFile

    big = ContentFile(image_bytes(width=200, height=200), name="big.jpg")
    with pytest.raises(ValidationError, match="limit is 10,000 pixels"):
        Figure(alt_text="x", image=big).full_clean()


def test_figure_may_exist_without_a_file():
    figure = Figure.objects.create(
        alt_text="War in Ukraine", original_url="https://pure.news/images/x.webp"
    )
    assert not figure.has_file and figure.width is None


def test_preview_link_round_trip_and_tamper():
    article = ArticleFactory(status=Article.Status.DRAFT)
    link = PreviewLink.objects.create_for(article, None)
    signed = link.get_absolute_url().split("/")[-2]
    assert PreviewLink.objects.from_signed(signed) == link
    assert PreviewLink.objects.from_signed(signed + "x") is None
    assert link.is_live
    link.revoke()
    assert not link.is_live and PreviewLink.objects.from_signed(signed) == link


def test_groups_have_the_publish_permission_split(editor, writer):
    assert editor.has_perm("articles.publish_article")
    assert editor.has_perm("articles.change_article")
    assert not writer.has_perm("articles.publish_article")
    assert writer.has_perm("articles.add_article") and writer.has_perm("articles.change_figure")


def test_credit_str_names_its_license():
    credit = ImageCreditFactory(author="Raw Pixel", license=LicenseFactory(name="CC BY 1.0"))
    assert str(credit) == "Raw Pixel (CC BY 1.0)"
