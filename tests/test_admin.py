"""The editor's desk: admin pages, the Writer/Editor split, actions, previews, queries."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from articles.admin import PopularTagFilter
from articles.models import Article, Figure, ImageCredit, License, Rendition
from tests.factories import (
    ArticleFactory,
    FigureFactory,
    ImageCreditFactory,
    LicenseFactory,
    image_bytes,
    image_file,
)

pytestmark = pytest.mark.django_db


def small_figure(**kwargs):
    kwargs.setdefault("image", image_file(width=64, height=36))
    return FigureFactory(**kwargs)


def article_form_data(**overrides):
    """A complete POST for the article form; published_at uses the admin's split widget."""
    when = timezone.localtime(timezone.now() - timedelta(minutes=5))
    data = {
        "headline": "Bridge reopens after the flood",
        "byline": "A. Reporter",
        "lede": "Traffic is flowing again.",
        "body": "The bridge reopened on Monday.",
        "lead_figure": "",
        "title": "Bridge reopens after the flood",
        "description": "",
        "social_title": "",
        "social_description": "",
        "status": "draft",
        "published_at_0": when.strftime("%Y-%m-%d"),
        "published_at_1": when.strftime("%H:%M:%S"),
        "slug": "bridge-reopens",
        "tags": "transport, floods",
        "source_url": "",
        "extra_metadata": "{}",
        # Asked only when the article is public (ignored otherwise): how readers are told.
        "change_kind": "minor",
        "correction": "",
    }
    data.update(overrides)
    return data


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# Every page renders -----------------------------------------------------------------------


@pytest.fixture
def one_of_each():
    article = ArticleFactory(lead_figure=small_figure(), tags=["politics"])
    figure = article.lead_figure
    return {
        "article": article,
        "figure": figure,
        "imagecredit": figure.credit,
        "license": figure.credit.license,
    }


def test_admin_home_is_the_publications_desk(client, editor, settings):
    client.force_login(editor)
    html = client.get(reverse("admin:index")).content.decode()
    assert f"<title>Editor’s desk | {settings.SITE_NAME}</title>" in html
    assert f"{settings.SITE_NAME} desk" in html


@pytest.mark.parametrize("model", ["article", "figure", "imagecredit", "license"])
@pytest.mark.parametrize("page", ["changelist", "add", "change"])
def test_every_admin_page_renders_for_an_editor(client, editor, one_of_each, model, page):
    client.force_login(editor)
    args = [one_of_each[model].pk] if page == "change" else []
    response = client.get(reverse(f"admin:articles_{model}_{page}", args=args))
    assert response.status_code == 200


@pytest.mark.parametrize("model", ["article", "figure", "imagecredit", "license"])
@pytest.mark.parametrize("page", ["changelist", "change"])
def test_every_admin_page_renders_read_only_for_a_viewer(
    client, django_user_model, one_of_each, model, page
):
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    client.force_login(viewer)
    args = [one_of_each[model].pk] if page == "change" else []
    response = client.get(reverse(f"admin:articles_{model}_{page}", args=args))
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()


def test_article_list_shows_columns_and_scheduled_status(client, editor):
    ArticleFactory(headline="Tomorrow's news", published_at=timezone.now() + timedelta(days=1))
    ArticleFactory(headline="Today's news", lead_figure=small_figure(), tags=["weather"])
    client.force_login(editor)
    response = client.get(reverse("admin:articles_article_changelist"))
    html = response.content.decode()
    assert "Scheduled" in html
    assert "weather" in html
    assert 'class="admin-thumbnail"' in html and 'width="120"' in html


def test_article_list_filters_scheduled_and_searches_body(client, editor):
    ArticleFactory(headline="Future piece", published_at=timezone.now() + timedelta(days=1))
    ArticleFactory(headline="Past piece", body="Mentions the aqueduct.")
    client.force_login(editor)
    url = reverse("admin:articles_article_changelist")
    scheduled = client.get(url, {"status": "scheduled"})
    assert list(scheduled.context["cl"].result_list.values_list("headline", flat=True)) == [
        "Future piece"
    ]
    found = client.get(url, {"q": "aqueduct"})
    assert [a.headline for a in found.context["cl"].result_list] == ["Past piece"]


def test_article_list_puts_undated_drafts_first_then_newest(client, editor):
    old = ArticleFactory(published_at=timezone.now() - timedelta(days=3))
    new = ArticleFactory(published_at=timezone.now() - timedelta(days=1))
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    client.force_login(editor)
    response = client.get(reverse("admin:articles_article_changelist"))
    assert list(response.context["cl"].result_list) == [draft, new, old]


# Writers and editors ----------------------------------------------------------------------


def test_writer_can_create_and_edit_a_draft(client, writer):
    client.force_login(writer)
    response = client.post(reverse("admin:articles_article_add"), article_form_data())
    assert response.status_code == 302
    article = Article.objects.get(slug="bridge-reopens")
    assert article.status == Article.Status.DRAFT
    assert sorted(article.tags.names()) == ["floods", "transport"]

    url = reverse("admin:articles_article_change", args=[article.pk])
    response = client.post(url, article_form_data(headline="Bridge reopens at last"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.headline == "Bridge reopens at last"


def test_writer_form_offers_only_draft(client, writer):
    client.force_login(writer)
    response = client.get(reverse("admin:articles_article_add"))
    assert [value for value, _ in response.context["adminform"].form.fields["status"].choices] == [
        "draft"
    ]


@pytest.mark.parametrize("status", ["published", "withdrawn"])
def test_writer_post_that_publishes_is_refused(client, writer, status):
    client.force_login(writer)
    response = client.post(reverse("admin:articles_article_add"), article_form_data(status=status))
    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    assert not Article.objects.exists()

    draft = ArticleFactory(status=Article.Status.DRAFT)
    url = reverse("admin:articles_article_change", args=[draft.pk])
    response = client.post(url, article_form_data(slug=draft.slug, status=status))
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT


@pytest.mark.parametrize(
    "status, when",
    [("published", +1), ("withdrawn", -1)],
    ids=["scheduled", "withdrawn"],
)
def test_writer_cannot_change_an_article_that_left_draft(client, writer, status, when):
    article = ArticleFactory(status=status, published_at=timezone.now() + timedelta(days=when))
    client.force_login(writer)
    url = reverse("admin:articles_article_change", args=[article.pk])
    response = client.post(
        url, article_form_data(slug=article.slug, status="draft", headline="Rewritten")
    )
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.headline != "Rewritten" and article.status == status
    # The page itself is still readable, without a save button.
    response = client.get(url)
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()


def test_writer_with_delete_permission_may_delete_drafts_only(client, writer):
    writer.user_permissions.add(Permission.objects.get(codename="delete_article"))
    draft = ArticleFactory(status=Article.Status.DRAFT)
    public = ArticleFactory()
    client.force_login(writer)
    response = client.post(
        reverse("admin:articles_article_delete", args=[public.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    response = client.post(
        reverse("admin:articles_article_delete", args=[draft.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert list(Article.objects.all()) == [public]
    # Nor through the bulk "delete selected" action.
    response = client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "delete_selected", "_selected_action": [public.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert list(Article.objects.all()) == [public]


@pytest.mark.parametrize(
    "status, when",
    [("published", -1), ("published", +1), ("withdrawn", -1)],
    ids=["public", "scheduled", "withdrawn"],
)
def test_writer_cannot_change_the_figure_or_credit_of_an_article_past_draft(
    client, writer, editor, django_assert_max_num_queries, status, when
):
    figure = small_figure(alt_text="The real picture")
    ArticleFactory(
        lead_figure=figure, status=status, published_at=timezone.now() + timedelta(days=when)
    )
    credit = figure.credit
    figure_url = reverse("admin:articles_figure_change", args=[figure.pk])
    credit_url = reverse("admin:articles_imagecredit_change", args=[credit.pk])
    figure_edit = figure_form_data(alt_text="Replaced by a writer", credit=credit.pk)
    credit_edit = {"author": "Replaced by a writer", "author_url": "", "license": ""}
    client.force_login(writer)
    assert client.post(figure_url, figure_edit).status_code == 403
    assert client.post(credit_url, credit_edit).status_code == 403
    figure.refresh_from_db()
    credit.refresh_from_db()
    assert figure.alt_text == "The real picture" and credit.author != "Replaced by a writer"
    # Readable, without a save button; whether it is locked is asked of the database once.
    for url, locked_query_count in ((figure_url, 12), (credit_url, 8)):
        with django_assert_max_num_queries(locked_query_count):
            response = client.get(url)
        assert response.status_code == 200 and 'name="_save"' not in response.content.decode()
    # A writer with delete permission still cannot take the figure off the page.
    writer.user_permissions.add(Permission.objects.get(codename="delete_figure"))
    delete_url = reverse("admin:articles_figure_delete", args=[figure.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Figure.objects.filter(pk=figure.pk).exists()

    client.force_login(editor)
    assert client.post(figure_url, figure_edit).status_code == 302
    assert client.post(credit_url, credit_edit).status_code == 302


def test_writer_may_change_figures_and_credits_only_drafts_use(client, writer):
    figure = small_figure(alt_text="Draft picture")
    ArticleFactory(lead_figure=figure, status=Article.Status.DRAFT)
    unused = small_figure(alt_text="Unused picture")
    client.force_login(writer)
    for item in (figure, unused):
        response = client.post(
            reverse("admin:articles_figure_change", args=[item.pk]),
            figure_form_data(alt_text="Better alt text", credit=item.credit_id),
        )
        assert response.status_code == 302
        item.refresh_from_db()
        assert item.alt_text == "Better alt text"
    response = client.post(
        reverse("admin:articles_imagecredit_change", args=[figure.credit_id]),
        {"author": "Corrected Name", "author_url": "", "license": ""},
    )
    assert response.status_code == 302


def test_writer_tags_drafts_but_cannot_rename_a_tag(client, writer, editor):
    public = ArticleFactory(tags=["Ukraine"])
    tag = public.tags.get()
    client.force_login(writer)
    response = client.post(
        reverse("admin:articles_article_add"), article_form_data(tags="Ukraine, bridges")
    )
    assert response.status_code == 302
    assert sorted(Article.objects.get(slug="bridge-reopens").tags.names()) == ["Ukraine", "bridges"]
    url = reverse("admin:articles_tag_change", args=[tag.pk])
    response = client.post(url, {"name": "Renamed", "slug": "renamed"})
    assert response.status_code == 403
    assert list(public.tags.names()) == ["Ukraine"]
    client.force_login(editor)
    assert client.post(url, {"name": "Ukraine war", "slug": "ukraine"}).status_code == 302


def test_editor_can_publish_and_sees_warnings(client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_article_add"),
        article_form_data(status="published", title="T" * 70),
        follow=True,
    )
    assert response.status_code == 200
    article = Article.objects.get(slug="bridge-reopens")
    assert article.status == Article.Status.PUBLISHED and article.is_public
    shown = " ".join(messages_of(response))
    assert "The title is 70 characters" in shown
    assert "The description is 0 characters" in shown


def test_editor_can_change_a_published_article(client, editor):
    article = ArticleFactory()
    client.force_login(editor)
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = article_form_data(
        slug=article.slug, status="published", headline="Corrected", _publish_change="Publish"
    )
    assert client.post(url, data).status_code == 302
    article.refresh_from_db()
    assert article.headline == "Corrected"


def test_publishing_errors_are_form_errors(client, editor):
    figure = small_figure(alt_text="")
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_article_add"),
        article_form_data(status="published", body="", lead_figure=figure.pk),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["body"] == ["A published article needs a body."]
    assert errors["lead_figure"] == ["The lead figure needs alt text before publishing."]
    assert not Article.objects.exists()


@pytest.mark.parametrize("given", ["headline", "title"])
def test_a_headline_or_a_title_is_enough_for_a_draft(client, editor, given):
    client.force_login(editor)
    data = article_form_data(headline="", title="")
    data[given] = "Bridge reopens"
    response = client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.display_title == article.display_headline == "Bridge reopens"


def test_an_article_needs_a_headline_or_a_title(client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_article_add"), article_form_data(headline="", title="")
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors == {"headline": ["Write a headline or a title."]}
    assert not Article.objects.exists()


def test_search_preview_shows_the_headline_while_the_title_is_empty(client, editor):
    article = ArticleFactory(title="", headline="Headline in the preview")
    client.force_login(editor)
    response = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert (
        '<div class="search-preview__title" data-preview="title" data-limit="60">'
        "Headline in the preview</div>"
    ) in response.content.decode()


def test_an_over_long_body_is_a_form_error(client, editor):
    limit = Article._meta.get_field("body").max_length
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_article_add"), article_form_data(body="x" * (limit + 1))
    )
    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors.as_data()["body"]
    assert error.code == "max_length" and error.params["limit_value"] == limit
    assert not Article.objects.exists()


def test_change_form_lists_what_blocks_publishing(client, editor):
    draft = ArticleFactory(status=Article.Status.DRAFT, body="", description="Short.")
    client.force_login(editor)
    response = client.get(reverse("admin:articles_article_change", args=[draft.pk]))
    html = response.content.decode()
    assert "Must fix: A published article needs a body." in html
    assert "Consider: The description is 6 characters" in html


def test_change_form_has_counters_previews_and_autocomplete(client, editor):
    article = ArticleFactory(
        title="A title for search", social_title="Share me", lead_figure=small_figure()
    )
    client.force_login(editor)
    response = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    html = response.content.decode()
    assert 'data-recommended-length="60"' in html  # title
    assert 'data-recommended-length="110"' in html  # headline
    assert 'data-recommended-length="70"' in html  # social title
    assert 'data-recommended-length="160"' in html  # description
    assert "admin/articles/editors_desk.js" in html
    assert (
        'class="search-preview__title" data-preview="title" data-limit="60">A title for search'
        in html
    )
    assert 'data-preview="social_title" data-limit="70">Share me' in html
    assert "admin-autocomplete" in html  # the lead figure is chosen by autocomplete
    assert 'class="lead-figure-preview"' in html and 'width="240"' in html


# Actions ----------------------------------------------------------------------------------


def run_action(client, action, articles):
    return client.post(
        reverse("admin:articles_article_changelist"),
        {"action": action, "_selected_action": [a.pk for a in articles]},
        follow=True,
    )


def test_publish_action_publishes_ready_articles_and_skips_the_others(client, editor):
    ready = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    bodiless = ArticleFactory(status=Article.Status.DRAFT, body="", headline="No body yet")
    client.force_login(editor)
    response = run_action(client, "publish_selected", [ready, bodiless])
    ready.refresh_from_db()
    bodiless.refresh_from_db()
    assert ready.is_public  # an undated draft is published now
    assert bodiless.status == Article.Status.DRAFT
    shown = messages_of(response)
    assert "Published 1 article." in shown
    assert any("“No body yet”: A published article needs a body." in m for m in shown)


def test_publish_action_keeps_a_future_time_as_scheduled(client, editor):
    later = timezone.now() + timedelta(days=2)
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=later)
    client.force_login(editor)
    run_action(client, "publish_selected", [article])
    article.refresh_from_db()
    assert article.is_scheduled and article.published_at == later


def test_unpublish_withdraws_public_articles_and_returns_scheduled_ones_to_draft(client, editor):
    public = ArticleFactory()
    scheduled = ArticleFactory(published_at=timezone.now() + timedelta(days=1))
    client.force_login(editor)
    response = run_action(client, "unpublish_selected", [public, scheduled])
    public.refresh_from_db()
    scheduled.refresh_from_db()
    assert public.status == Article.Status.WITHDRAWN
    assert scheduled.status == Article.Status.DRAFT
    assert "Withdrew 1 article." in messages_of(response)


def test_writer_cannot_run_publishing_actions(client, writer):
    draft = ArticleFactory(status=Article.Status.DRAFT)
    public = ArticleFactory()
    client.force_login(writer)
    response = client.get(reverse("admin:articles_article_changelist"))
    assert "publish_selected" not in response.content.decode()
    run_action(client, "publish_selected", [draft])
    run_action(client, "unpublish_selected", [public])
    draft.refresh_from_db()
    public.refresh_from_db()
    assert draft.status == Article.Status.DRAFT
    assert public.status == Article.Status.PUBLISHED


# Previews ---------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [None, 2], ids=["draft", "scheduled"])
def test_staff_preview_renders_unpublished_articles_with_the_real_template(client, writer, days):
    if days is None:
        article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    else:
        article = ArticleFactory(published_at=timezone.now() + timedelta(days=days))
    client.force_login(writer)
    response = client.get(reverse("admin:articles_article_preview", args=[article.pk]))
    assert response.status_code == 200
    assert "articles/article_detail.html" in [t.name for t in response.templates]
    assert response.context["is_preview"] is True
    html = response.content.decode()
    assert article.display_headline in html
    assert '<meta name="robots" content="noindex' in html
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))
    assert "noindex" in response["X-Robots-Tag"]


def test_preview_of_a_missing_article_is_404(client, editor):
    client.force_login(editor)
    assert client.get(reverse("admin:articles_article_preview", args=[999])).status_code == 404


def test_preview_is_for_staff_only(client, django_user_model):
    draft = ArticleFactory(status=Article.Status.DRAFT, headline="Secret draft")
    url = reverse("admin:articles_article_preview", args=[draft.pk])
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    reader = django_user_model.objects.create_user("reader", password="pw-reader")
    client.force_login(reader)
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert "Secret draft" not in response.content.decode()


def test_staff_without_article_permissions_cannot_preview(client, django_user_model):
    staff = django_user_model.objects.create_user("intern", password="pw", is_staff=True)
    draft = ArticleFactory(status=Article.Status.DRAFT)
    client.force_login(staff)
    response = client.get(reverse("admin:articles_article_preview", args=[draft.pk]))
    assert response.status_code == 403


def test_change_form_offers_preview_and_reviewer_link(client, editor, settings):
    settings.SITE_URL = "https://news.example"
    draft = ArticleFactory(status=Article.Status.DRAFT)
    client.force_login(editor)
    html = client.get(reverse("admin:articles_article_change", args=[draft.pk])).content.decode()
    assert reverse("admin:articles_article_preview", args=[draft.pk]) in html
    # Reviewer links are made on demand (tests/test_preview_links.py).
    assert 'form="preview-link-create"' in html


def test_public_article_has_view_on_site_and_no_reviewer_link(client, editor, writer):
    public = ArticleFactory()
    client.force_login(editor)
    html = client.get(reverse("admin:articles_article_change", args=[public.pk])).content.decode()
    assert f'href="{public.get_absolute_url()}"' in html
    assert "reviewer-links" not in html
    draft = ArticleFactory(status=Article.Status.DRAFT)
    html = client.get(reverse("admin:articles_article_change", args=[draft.pk])).content.decode()
    assert f'href="{draft.get_absolute_url()}"' not in html


def test_writer_sees_no_reviewer_link_on_a_scheduled_article(client, writer):
    scheduled = ArticleFactory(published_at=timezone.now() + timedelta(days=1))
    client.force_login(writer)
    html = client.get(reverse("admin:articles_article_change", args=[scheduled.pk]))
    assert "reviewer-links" not in html.content.decode()


# Figures, credits, licences ---------------------------------------------------------------


def upload(name="photo.jpg", **kwargs):
    return SimpleUploadedFile(name, image_bytes(**kwargs), content_type="image/jpeg")


def figure_form_data(**overrides):
    data = {
        "alt_text": "A bridge over a brown river",
        "caption": "",
        "credit": "",
        "original_url": "",
        "original_path": "",
    }
    data.update(overrides)
    return data


def test_figure_alt_text_is_required_in_the_admin(client, writer):
    client.force_login(writer)
    response = client.post(
        reverse("admin:articles_figure_add"), figure_form_data(alt_text="  ", image=upload())
    )
    assert response.status_code == 200
    assert "alt_text" in response.context["adminform"].form.errors
    assert not Figure.objects.exists()


def test_figure_upload_rejects_a_file_that_is_not_an_image(client, editor):
    client.force_login(editor)
    fake = SimpleUploadedFile("photo.jpg", b"<svg></svg>", content_type="image/jpeg")
    response = client.post(reverse("admin:articles_figure_add"), figure_form_data(image=fake))
    assert response.status_code == 200
    assert "image" in response.context["adminform"].form.errors


@pytest.mark.parametrize(
    "uploaded, stored",
    [("😀.jpg", "image.jpg"), ("..jpg", "jpg.jpg"), ("Bridge at Dawn!.JPEG", "bridge-at-dawn.jpg")],
)
def test_uploaded_file_names_are_plain_and_never_hidden(client, editor, uploaded, stored):
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_figure_add"), figure_form_data(image=upload(name=uploaded))
    )
    assert response.status_code == 302
    assert Figure.objects.get().image.name.rsplit("/", 1)[-1] == stored


@pytest.mark.parametrize("name", ["photo.html", "scan.tif", "document.pdf"])
def test_figure_upload_names_the_formats_it_accepts(client, editor, name):
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_figure_add"), figure_form_data(image=upload(name=name))
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["image"] == [
        f"Upload a JPEG, PNG, WebP or GIF file; “{name}” is not one."
    ]
    assert not Figure.objects.exists()


def test_figure_upload_tells_the_editor_about_an_embedded_credit(client, editor):
    exif = Image.Exif()
    exif[0x013B] = "Jane Photographer"
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_figure_add"),
        figure_form_data(image=upload(width=320, height=200, exif=exif)),
        follow=True,
    )
    figure = Figure.objects.get()
    assert figure.credit.author == "Jane Photographer"
    assert figure.width == 320
    assert any(
        "“Jane Photographer” was read from the image file" in m for m in messages_of(response)
    )


def test_figure_upload_without_embedded_credit_says_nothing_about_credit(client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_figure_add"), figure_form_data(image=upload()), follow=True
    )
    assert Figure.objects.get().credit is None
    assert not any("read from the image file" in m for m in messages_of(response))


def test_figure_page_lists_the_articles_that_use_it(client, editor):
    figure = small_figure()
    users = [ArticleFactory(lead_figure=figure, headline=f"User {n}") for n in range(2)]
    ArticleFactory(headline="Someone else")
    client.force_login(editor)
    html = client.get(reverse("admin:articles_figure_change", args=[figure.pk])).content.decode()
    for article in users:
        assert reverse("admin:articles_article_change", args=[article.pk]) in html
    assert "User 0" in html and "Someone else" not in html


def test_figure_list_shows_credit_and_licence(client, editor):
    licence = LicenseFactory(
        name="CC BY-SA 4.0", url="https://creativecommons.org/licenses/by-sa/4.0/"
    )
    small_figure(credit=ImageCreditFactory(author="Ann Lens", license=licence))
    client.force_login(editor)
    html = client.get(reverse("admin:articles_figure_changelist")).content.decode()
    assert "Ann Lens" in html and "CC BY-SA 4.0" in html and 'class="admin-thumbnail"' in html


def test_figure_thumbnail_endpoint_feeds_the_lead_figure_preview(client, editor):
    figure = small_figure()
    client.force_login(editor)
    url = reverse("admin:articles_figure_thumbnail", args=[figure.pk])
    data = client.get(url).json()
    assert data["url"] == figure.thumbnail().file.url and data["width"] == 64
    assert data["alt_text"] == figure.alt_text
    # Until renditions are made, the original file stands in.
    figure.renditions.all().delete()
    assert client.get(url).json()["url"] == figure.image.url


@pytest.mark.parametrize("model, term", [("figure", "Ann"), ("imagecredit", "Ann")])
def test_autocomplete_finds_credits_and_figures(client, editor, model, term):
    credit = ImageCreditFactory(author="Ann Lens")
    small_figure(credit=credit, alt_text="Ann's photo of a bridge")
    client.force_login(editor)
    source = {"figure": ("article", "lead_figure"), "imagecredit": ("figure", "credit")}[model]
    response = client.get(
        reverse("admin:autocomplete"),
        {"term": term, "app_label": "articles", "model_name": source[0], "field_name": source[1]},
    )
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_credit_and_licence_can_be_edited(client, editor):
    credit = ImageCreditFactory(author="Old Name")
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_imagecredit_change", args=[credit.pk]),
        {"author": "New Name", "author_url": "javascript:alert(1)", "license": credit.license_id},
    )
    assert "author_url" in response.context["adminform"].form.errors
    response = client.post(
        reverse("admin:articles_imagecredit_change", args=[credit.pk]),
        {"author": "New Name", "author_url": "https://new.example", "license": credit.license_id},
    )
    assert response.status_code == 302
    assert ImageCredit.objects.get().author == "New Name"
    licence = credit.license
    response = client.post(
        reverse("admin:articles_license_change", args=[licence.pk]),
        {"name": "CC0 1.0", "url": "https://creativecommons.org/publicdomain/zero/1.0/"},
    )
    assert response.status_code == 302
    assert License.objects.get().name == "CC0 1.0"


# Query counts -----------------------------------------------------------------------------


def make_rows(model, count):
    """`count` rows of `model`, each with the related rows its list shows."""
    for n in range(count):
        licence = LicenseFactory(name=f"Licence {n}", url=f"https://licences.example/{n}")
        credit = ImageCreditFactory(license=licence)
        figure = small_figure(credit=credit)
        Rendition.objects.create(
            figure=figure,
            width=480,
            height=270,
            format="webp",
            file=ContentFile(b"not decoded here", name=f"r{n}.webp"),
        )
        if model == "article":
            ArticleFactory(lead_figure=figure, tags=[f"tag{n}", "shared"])
            ArticleFactory(status=Article.Status.DRAFT, published_at=None)


# One bound for both sizes: the page may not grow with the number of rows.
FIGURE_CHANGE_MAX = 10
CHANGELIST_MAX_QUERIES = {"article": 13, "figure": 9, "imagecredit": 8, "license": 7}


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize("model", ["article", "figure", "imagecredit", "license"])
def test_changelist_queries_do_not_grow_with_rows(
    client, editor, django_assert_max_num_queries, model, rows
):
    make_rows(model, rows)
    client.force_login(editor)
    url = reverse(f"admin:articles_{model}_changelist")
    with django_assert_max_num_queries(CHANGELIST_MAX_QUERIES[model]):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count >= rows


@pytest.mark.parametrize("rows", [3, 30])
def test_article_change_form_queries_do_not_grow_with_tags(
    client, editor, django_assert_max_num_queries, rows
):
    article = ArticleFactory(lead_figure=small_figure(), tags=[f"tag{n}" for n in range(rows)])
    client.force_login(editor)
    # With the related-story picks, the authors' inline, the corrections, the newest
    # revision and the editor's autosave.
    with django_assert_max_num_queries(15):
        response = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [3, 30])
def test_figure_change_form_queries_do_not_grow_with_its_articles(
    client, editor, django_assert_max_num_queries, rows
):
    figure = small_figure()
    ArticleFactory.create_batch(rows, lead_figure=figure)
    client.force_login(editor)
    with django_assert_max_num_queries(FIGURE_CHANGE_MAX):
        response = client.get(reverse("admin:articles_figure_change", args=[figure.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("/admin/articles/article/") >= rows


# Change and add forms of every model, as the rows they could list grow.
# The article's forms also read its related-story picks, its authors, its corrections,
# its newest revision and the editor's autosave; a live article's, the draft of a change
# to it (test_pending_changes.py).
FORM_MAX_QUERIES = {"article": 15, "figure": FIGURE_CHANGE_MAX, "imagecredit": 8, "license": 6}


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize("page", ["change", "add"])
@pytest.mark.parametrize("model", ["article", "figure", "imagecredit", "license"])
def test_forms_queries_do_not_grow_with_rows(
    client, editor, django_assert_max_num_queries, model, page, rows
):
    make_rows("article", rows)
    instance = {
        "article": Article.objects.first,
        "figure": Figure.objects.first,
        "imagecredit": ImageCredit.objects.first,
        "license": License.objects.first,
    }[model]()
    args = [instance.pk] if page == "change" else []
    client.force_login(editor)
    with django_assert_max_num_queries(FORM_MAX_QUERIES[model]):
        response = client.get(reverse(f"admin:articles_{model}_{page}", args=args))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize("model", ["article", "figure", "imagecredit", "license"])
def test_delete_confirmation_queries_do_not_grow_with_rows(
    client, editor, django_assert_max_num_queries, model, rows
):
    make_rows("article", rows)
    selected = {
        "article": Article.objects.all(),
        "figure": Figure.objects.all(),
        "imagecredit": ImageCredit.objects.all(),
        "license": License.objects.all(),
    }[model]
    client.force_login(editor)
    # An article's deletion also collects the related-story picks to and from it (two
    # queries) and its corrections (one); three read bylines: of the list, of the
    # selection, of what it takes.
    with django_assert_max_num_queries(22):
        response = client.post(
            reverse(f"admin:articles_{model}_changelist"),
            {"action": "delete_selected", "_selected_action": [obj.pk for obj in selected]},
        )
    # "Are you sure?", or the list of what protects credits and licences from deletion.
    assert response.status_code == 200
    assert response.templates[0].name == "admin/delete_selected_confirmation.html"


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize(
    "source, field",
    [("article", "lead_figure"), ("figure", "credit"), ("imagecredit", "license")],
)
def test_autocomplete_queries_do_not_grow_with_results(
    client, editor, django_assert_max_num_queries, source, field, rows
):
    make_rows("figure", rows)
    client.force_login(editor)
    with django_assert_max_num_queries(7):
        response = client.get(
            reverse("admin:autocomplete"),
            {"term": "", "app_label": "articles", "model_name": source, "field_name": field},
        )
    assert len(response.json()["results"]) == min(rows, 20)  # the admin's page size


@pytest.mark.parametrize("stored_status", [None, "published", "withdrawn"])
def test_save_model_refuses_a_writer_whatever_the_form_let_through(rf, writer, stored_status):
    """The last line of defence, should a form ever let a non-draft status through."""
    from django.contrib import admin
    from django.core.exceptions import PermissionDenied

    model_admin = admin.site._registry[Article]
    request = rf.post("/")
    request.user = writer
    if stored_status is None:
        article, change = ArticleFactory.build(status=Article.Status.PUBLISHED), False
    else:
        article, change = ArticleFactory(status=stored_status), True
    form = model_admin.get_form(request, article if change else None)(instance=article)
    article.status = Article.Status.PUBLISHED if stored_status is None else Article.Status.DRAFT
    with pytest.raises(PermissionDenied):
        model_admin.save_model(request, article, form, change)
    assert Article.objects.filter(status=Article.Status.DRAFT).count() == 0



# The tag filter at an archive's scale -----------------------------------------------------


def tag_filter_choices(response):
    changelist = response.context["cl"]
    [tag_filter] = [f for f in changelist.filter_specs if isinstance(f, PopularTagFilter)]
    return list(tag_filter.choices(changelist))


def test_tag_filter_offers_only_the_most_used_tags_with_their_counts(client, editor):
    # Article n carries tags t00…tn: t00 is on all 25 articles, t24 on one.
    for n in range(25):
        ArticleFactory(tags=[f"t{j:02}" for j in range(n + 1)])
    client.force_login(editor)
    response = client.get(reverse("admin:articles_article_changelist"))
    offered = [choice["display"] for choice in tag_filter_choices(response)]
    assert offered == ["All"] + [f"t{j:02} ({25 - j})" for j in range(PopularTagFilter.size)]


def test_any_tag_is_a_click_or_a_search_away(client, editor):
    for n in range(PopularTagFilter.size):
        ArticleFactory.create_batch(2, tags=[f"Frequent {n:02}"])
    rare = ArticleFactory(headline="Rare", body="Nothing to find here.", tags=["Obscure corner"])
    client.force_login(editor)
    url = reverse("admin:articles_article_changelist")

    listed = client.get(url)
    assert 'href="?tag=obscure-corner">Obscure corner</a>' in listed.content.decode()
    assert "Obscure corner (1)" not in [c["display"] for c in tag_filter_choices(listed)]

    filtered = client.get(url, {"tag": "obscure-corner"})
    assert list(filtered.context["cl"].result_list) == [rare]
    selected = [c["display"] for c in tag_filter_choices(filtered) if c["selected"]]
    assert selected == ["Obscure corner (1)"]

    searched = client.get(url, {"q": "obscure"})
    assert list(searched.context["cl"].result_list) == [rare]


def test_search_by_tag_name_combines_with_the_filters(client, editor):
    by_tag = ArticleFactory(body="Nothing.", tags=["Floods", "Kursk region"])
    by_body = ArticleFactory(body="Kursk again.", tags=["Floods"])
    ArticleFactory(body="Nothing.", tags=["Kursk region"])  # not tagged Floods
    ArticleFactory(body="Nothing.", tags=["Floods"])  # no Kursk anywhere
    client.force_login(editor)
    response = client.get(
        reverse("admin:articles_article_changelist"), {"q": "kursk", "tag": "floods"}
    )
    assert sorted(response.context["cl"].result_list, key=lambda a: a.pk) == [by_tag, by_body]
    assert response.context["cl"].result_count == 2


def changelist_headlines(client, query):
    response = client.get(reverse("admin:articles_article_changelist"), query)
    assert response.status_code == 200
    return [article.headline for article in response.context["cl"].result_list]


def test_search_needs_every_word_somewhere_and_lists_newest_first(client, editor):
    now = timezone.now()
    ArticleFactory(headline="Old", body="Harbour works.", published_at=now - timedelta(days=9))
    ArticleFactory(headline="Harbour news", lede="", body="The bridge is shut.")
    ArticleFactory(headline="Summary", lede="Harbour bridge closed.", body="Read on.")
    ArticleFactory(headline="Tagged", body="Nothing.", tags=["Harbour bridge"])
    ArticleFactory(headline="Bridge only", body="A bridge.", published_at=now - timedelta(days=1))
    ArticleFactory(
        headline="Draft", body="Harbour bridge.", status=Article.Status.DRAFT, published_at=None
    )
    client.force_login(editor)
    found = changelist_headlines(client, {"q": "  harbour   BRIDGE "})
    assert found == ["Draft", "Tagged", "Summary", "Harbour news"]


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL full-text search (stemming, phrases): run with DATABASE_URL=postgres://...",
)


@pytest.mark.postgres
@needs_postgres
def test_postgres_search_is_stemmed_and_takes_phrases(client, editor):
    ArticleFactory(headline="Ice", body="The glaciers retreated fast.")
    ArticleFactory(headline="Order", body="Retreating, the glaciers left.")
    client.force_login(editor)
    assert sorted(changelist_headlines(client, {"q": "glacier retreat"})) == ["Ice", "Order"]
    assert changelist_headlines(client, {"q": '"glacier retreat"'}) == ["Ice"]
    assert changelist_headlines(client, {"q": "glacier -ice"}) == ["Order"]
    # Punctuation that means something to to_tsquery is only punctuation here.
    assert changelist_headlines(client, {"q": "glaciers' & !(retreat:*"}) != []


# Session, user, two of permissions, the tag filter, one count (never a second of every
# article), the page, its tags, its authors, the date hierarchy's range and days: the same
# for 3 articles as for 30, however filtered.
TAGGED_CHANGELIST_QUERIES = 11


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"tag": "shared"},
        {"tag": "tag1"},  # not among the most used
        {"q": "tag1"},
        {"q": "shared", "tag": "tag2"},
    ],
)
def test_changelist_queries_stay_the_same_however_many_tags(
    client, editor, django_assert_num_queries, query
):
    client.force_login(editor)
    url = reverse("admin:articles_article_changelist")
    for rows in (3, 30):
        for n in range(Article.objects.count(), rows):
            ArticleFactory(tags=[f"tag{n}", f"other{n}", "shared"])
        with django_assert_num_queries(TAGGED_CHANGELIST_QUERIES):
            assert client.get(url, query).status_code == 200


def test_line_breaks_a_browser_sends_as_crlf_are_stored_as_plain_newlines(client, editor):
    """Browsers send a textarea's line breaks as CRLF: stored so, a body saved unchanged
    from the form would differ from its imported (or autosaved) self, and its revision
    would show a change of nothing but line endings."""
    client.force_login(editor)
    data = article_form_data(body="One.\r\n\r\nTwo.", lede="A\r\nB")
    assert client.post(reverse("admin:articles_article_add"), data).status_code == 302
    article = Article.objects.get()
    assert (article.body, article.lede) == ("One.\n\nTwo.", "A\nB")
    url = reverse("admin:articles_article_change", args=[article.pk])
    form = client.get(url).context["adminform"].form
    again = {**data, "loaded_revision": form.initial["loaded_revision"]}
    assert client.post(url, again).status_code == 302
    assert article.revisions.count() == 1  # saved unchanged: no revision of line endings
