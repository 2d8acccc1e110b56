"""The credit a photo carries (EXIF artist or copyright, IPTC by-line): matched to the
credits the desk already has, and proposed in the form as soon as the file is chosen."""

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from articles.models import Figure, ImageCredit
from tests.factories import FigureFactory, ImageCreditFactory, LicenseFactory, image_bytes
from tests.test_images import photo_bytes, with_iptc_byline

pytestmark = pytest.mark.django_db

PROPOSE = "admin:articles_figure_credit_from_file"


def exif_artist(name):
    exif = Image.Exif()
    exif[0x013B] = name
    return exif


def photo_by(name, **kwargs):
    return ContentFile(image_bytes(width=64, height=48, exif=exif_artist(name), **kwargs), "a.jpg")


# Matching ---------------------------------------------------------------------------------


def test_an_embedded_name_reuses_the_credit_with_a_licence_whatever_its_case_and_spaces():
    licensed = ImageCreditFactory(author="Jane Doe", license=LicenseFactory())
    ImageCreditFactory(author="Jane Doe", author_url="", license=None)  # a bare one, too
    figure = FigureFactory(image=photo_by("  jane   DOE "), credit=None)
    assert figure.credit == licensed
    assert ImageCredit.objects.count() == 2


def test_of_several_licensed_credits_the_oldest_is_chosen():
    first = ImageCreditFactory(author="Jane Doe")
    ImageCreditFactory(author="JANE DOE")
    assert FigureFactory(image=photo_by("jane doe"), credit=None).credit == first


def test_a_bare_credit_is_reused_when_it_is_the_only_match():
    bare = ImageCreditFactory(author="Jane Doe", author_url="", license=None)
    assert FigureFactory(image=photo_by("Jane  Doe"), credit=None).credit == bare


def test_a_new_name_makes_one_bare_credit_reused_afterwards():
    ImageCreditFactory(author="Jane Doerr")  # a longer name is another photographer
    first = FigureFactory(image=photo_by("Jane Doe"), credit=None)
    second = FigureFactory(image=photo_by("jane doe"), credit=None)
    assert first.credit == second.credit
    assert (first.credit.author, first.credit.license) == ("Jane Doe", None)


def test_a_credit_the_editor_chose_is_kept():
    chosen = ImageCreditFactory(author="Agency")
    ImageCreditFactory(author="Jane Doe")
    assert FigureFactory(image=photo_by("Jane Doe"), credit=chosen).credit == chosen


def test_iptc_by_lines_match_too():
    licensed = ImageCreditFactory(author="Agency Photographer")
    data = with_iptc_byline(photo_bytes(64, 48), "agency photographer")
    figure = FigureFactory(image=ContentFile(data, "wire.jpg"), credit=None)
    assert figure.credit == licensed


# Before saving: the proposal --------------------------------------------------------------


def propose(client, data, name="photo.jpg"):
    upload = SimpleUploadedFile(name, data, content_type="image/jpeg")
    return client.post(reverse(PROPOSE), {"image": upload})


def nothing_was_stored(media_root):
    return not Figure.objects.exists() and not (
        Path(media_root).exists() and any(p.is_file() for p in Path(media_root).rglob("*"))
    )


def test_the_proposal_names_the_existing_credit_and_its_licence(client, editor, media_root):
    credit = ImageCreditFactory(author="Jane Doe", license=LicenseFactory(name="CC BY 4.0"))
    client.force_login(editor)
    response = propose(client, photo_bytes(640, 480, exif=exif_artist("JANE DOE")))
    assert response.status_code == 200
    assert response.json() == {
        "name": "JANE DOE",
        "credit": {"id": credit.pk, "text": "Jane Doe (CC BY 4.0)"},
        "message": "Credit from the photo: JANE DOE (existing credit “Jane Doe” with licence "
        "CC BY 4.0). It is chosen below.",
    }
    assert nothing_was_stored(media_root)
    assert ImageCredit.objects.count() == 1


def test_the_proposal_of_a_new_name_says_a_credit_will_be_made(client, editor, media_root):
    client.force_login(editor)
    response = propose(client, photo_bytes(640, 480, exif=exif_artist("Jane Doe")))
    assert response.json() == {
        "name": "Jane Doe",
        "credit": None,
        "message": "Credit from the photo: Jane Doe (a new credit, made when you save; add "
        "its licence afterwards).",
    }
    assert not ImageCredit.objects.exists()
    assert nothing_was_stored(media_root)


def test_the_proposal_keeps_a_credit_the_editor_chose_already(client, editor):
    ImageCreditFactory(author="Jane Doe")
    chosen = ImageCreditFactory(author="Agency")
    client.force_login(editor)
    upload = SimpleUploadedFile("a.jpg", photo_bytes(64, 48, exif=exif_artist("Jane Doe")))
    response = client.post(reverse(PROPOSE), {"image": upload, "chosen": chosen.pk})
    assert response.json()["message"] == (
        "Credit from the photo: Jane Doe. The credit chosen below is kept."
    )


def test_the_proposal_reads_the_head_of_a_large_photo(client, editor):
    data = photo_bytes(3000, 2000, exif=exif_artist("Jane Doe"))
    client.force_login(editor)
    head = data[:65536]
    assert len(head) < len(data)
    assert propose(client, head).json()["name"] == "Jane Doe"


@pytest.mark.parametrize(
    "data",
    [image_bytes(64, 48), b"not an image at all", b"", b"\xff\xd8\xff\xe1\x00"],
    ids=["no credit", "not an image", "empty", "truncated"],
)
def test_a_file_without_a_credit_proposes_nothing(client, editor, data):
    client.force_login(editor)
    response = propose(client, data)
    assert response.status_code == 200
    assert response.json() == {"name": "", "credit": None, "message": ""}


def test_a_proposal_without_a_file_is_a_clear_error(client, editor):
    client.force_login(editor)
    response = client.post(reverse(PROPOSE))
    assert response.status_code == 400
    assert response.json() == {"error": "Send the image file as “image”."}


def test_hostile_names_are_data_not_markup(client, editor):
    client.force_login(editor)
    name = '<img src=x onerror="alert(1)">'
    response = propose(client, photo_bytes(64, 48, exif=exif_artist(name)))
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["name"] == name


def test_the_proposal_is_for_staff_who_may_add_or_change_figures(
    client, django_user_model, writer
):
    data = photo_bytes(64, 48, exif=exif_artist("Jane Doe"))
    response = propose(client, data)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    intern = django_user_model.objects.create_user("intern", password="pw", is_staff=True)
    intern.user_permissions.add(Permission.objects.get(codename="view_figure"))
    client.force_login(intern)
    assert propose(client, data).status_code == 403
    client.force_login(writer)
    assert propose(client, data).status_code == 200
    assert client.get(reverse(PROPOSE)).status_code == 405


def test_the_figure_form_hands_the_script_its_endpoint(client, editor):
    client.force_login(editor)
    html = client.get(reverse("admin:articles_figure_add")).content.decode()
    assert f'data-credit-url="{reverse(PROPOSE)}"' in html
    assert 'data-credit-probe-bytes="' in html


def test_saving_says_which_credit_was_chosen_from_the_file(client, editor):
    credit = ImageCreditFactory(author="Jane Doe", license=LicenseFactory(name="CC BY 4.0"))
    client.force_login(editor)
    upload = SimpleUploadedFile(
        "a.jpg", photo_bytes(320, 200, exif=exif_artist("jane doe")), content_type="image/jpeg"
    )
    response = client.post(
        reverse("admin:articles_figure_add"),
        {"image": upload, "alt_text": "A bridge", "caption": "", "credit": ""},
        follow=True,
    )
    assert Figure.objects.get().credit == credit
    messages = [str(m) for m in response.context["messages"]]
    assert any("“Jane Doe (CC BY 4.0)”, an existing credit" in m for m in messages), messages
