"""Merging tags in the admin: the articles really change, and only Editors may do it."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.redirects.models import Redirect
from django.db import DatabaseError
from django.urls import reverse

from articles.models import Article, Tag, TaggedArticle
from tests.factories import ArticleFactory
from tests.test_admin import messages_of

pytestmark = pytest.mark.django_db

ADMIN = f"admin:{Tag._meta.app_label}_{Tag._meta.model_name}"


def changelist():
    return reverse(f"{ADMIN}_changelist")


def ids(*names):
    return [str(Tag.objects.get(name=name).pk) for name in names]


def merge(client, names, into, **extra):
    """The action's two steps: choose the tags, then confirm the surviving name."""
    selected = ids(*names)
    first = client.post(
        changelist(), {"action": "merge_selected", "index": "0", ACTION_CHECKBOX_NAME: selected}
    )
    second = client.post(
        changelist(),
        {"action": "merge_selected", ACTION_CHECKBOX_NAME: selected, "into": into, "post": "yes"},
        **extra,
    )
    return first, second


def tag_names(article):
    return list(Article.objects.get(pk=article.pk).tags.names())


@pytest.fixture
def climate():
    """Articles that carry one, the other, both, or neither of two duplicate tags."""
    return {
        "both": ArticleFactory(tags=["Energy", "climate change", "Climate"]),
        "variant": ArticleFactory(tags=["climate change", "Energy"]),
        "main": ArticleFactory(tags=["Climate"]),
        "neither": ArticleFactory(tags=["Energy"]),
    }


def test_an_editor_merges_duplicate_tags_into_one(client, editor, climate):
    client.force_login(editor)
    first, second = merge(client, ["Climate", "climate change"], into="Climate")

    assert first.status_code == 200  # the confirmation page names what will happen
    html = first.content.decode()
    assert "climate change" in html and "3 articles" in html
    assert second.status_code == 302
    assert messages_of(second) == ["Merged “climate change” into “Climate”: 2 articles changed."]

    # Each article keeps one tagging of the survivor, where its first merged tag stood.
    assert tag_names(climate["both"]) == ["Energy", "Climate"]
    assert tag_names(climate["variant"]) == ["Climate", "Energy"]
    assert tag_names(climate["main"]) == ["Climate"]
    assert tag_names(climate["neither"]) == ["Energy"]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Climate", "Energy"]
    assert TaggedArticle.objects.filter(tag__name="Climate").count() == 3
    public = client.get(reverse("articles:tag", kwargs={"slug": "climate"}))
    assert len(public.context["object_list"]) == 3


def test_merging_into_a_new_name_makes_the_tag(client, editor, climate):
    client.force_login(editor)
    _first, second = merge(client, ["Climate", "climate change"], into="Climate crisis")
    assert second.status_code == 302
    assert tag_names(climate["both"]) == ["Energy", "Climate crisis"]
    assert tag_names(climate["variant"]) == ["Climate crisis", "Energy"]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Climate crisis", "Energy"]
    assert Tag.objects.get(name="Climate crisis").slug == "climate-crisis"


def test_the_surviving_name_takes_the_spelling_typed(client, editor, climate):
    client.force_login(editor)
    merge(client, ["Climate", "climate change"], into="climate")
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Energy", "climate"]
    assert tag_names(climate["main"]) == ["climate"]


def test_merge_takes_a_constant_number_of_queries(editor, django_assert_max_num_queries):
    for n in range(30):
        ArticleFactory(tags=[f"Variant {n % 3}", "Main"] if n % 2 else [f"Variant {n % 3}"])
    tags = Tag.objects.filter(name__startswith="Variant")
    # Find the tags, count, announce (and mark the articles' stored fragments stale), move,
    # retag, delete, redirect; a savepoint around it.
    with django_assert_max_num_queries(16):
        outcome = tags.merge_into("Main")
    assert outcome.articles == 30
    assert TaggedArticle.objects.filter(tag__name="Main").count() == 30
    assert Tag.objects.count() == 1


def test_an_article_with_several_merged_tags_keeps_the_first_place():
    several = ArticleFactory(tags=["Energy", "warming", "Oil", "climate change"])
    target_last = ArticleFactory(tags=["climate change", "Oil", "Climate"])
    outcome = Tag.objects.filter(name__in=["warming", "climate change"]).merge_into("Climate")
    assert (outcome.articles, sorted(outcome.merged)) == (2, ["climate change", "warming"])
    assert tag_names(several) == ["Energy", "Climate", "Oil"]
    assert tag_names(target_last) == ["Climate", "Oil"]
    assert TaggedArticle.objects.count() == 5


def test_a_failed_merge_changes_nothing(editor, climate, monkeypatch):
    before = {key: tag_names(article) for key, article in climate.items()}

    def fail(*args, **kwargs):
        raise DatabaseError("disk full")

    # The last write of a merge fails: the retagging before it is undone.
    monkeypatch.setattr(type(Tag.objects.all()), "delete", fail)
    with pytest.raises(DatabaseError):
        Tag.objects.filter(name__in=["Climate", "climate change"]).merge_into("Climate")
    assert {key: tag_names(article) for key, article in climate.items()} == before
    assert Tag.objects.count() == 3


@pytest.mark.parametrize(
    "into, error",
    [
        ("", "This field is required."),
        ("Rain\x07", "contains a control character (U+0007)"),
        ("x" * 101, "at most 100 characters"),
    ],
)
def test_a_bad_surviving_name_is_refused_on_the_confirmation_page(client, editor, into, error):
    ArticleFactory(tags=["Rain", "Showers"])
    client.force_login(editor)
    _first, second = merge(client, ["Rain", "Showers"], into=into)
    assert second.status_code == 200
    assert error in second.content.decode()
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Rain", "Showers"]


def test_merging_with_nothing_selected_is_a_message_not_an_error(client, editor):
    ArticleFactory(tags=["Rain"])
    client.force_login(editor)
    response = client.post(changelist(), {"action": "merge_selected", "index": "0", "into": "Rain"})
    assert response.status_code == 302
    assert messages_of(response) == [
        "Items must be selected in order to perform actions on them. No items have been changed."
    ]
    response = client.post(
        changelist(), {"action": "merge_selected", ACTION_CHECKBOX_NAME: ["999"], "post": "yes"}
    )
    assert response.status_code == 302
    assert Tag.objects.count() == 1


def test_writers_cannot_merge_even_with_a_forged_post(client, writer, climate):
    client.force_login(writer)
    page = client.get(changelist())
    assert page.status_code == 200
    assert "merge_selected" not in page.content.decode()

    # Writers are offered no action at all: the POST only shows the list again.
    _first, second = merge(client, ["Climate", "climate change"], into="Climate")
    assert second.status_code == 200
    assert sorted(Tag.objects.values_list("name", flat=True)) == [
        "Climate",
        "Energy",
        "climate change",
    ]
    assert tag_names(climate["variant"]) == ["climate change", "Energy"]


def test_taggits_own_merge_view_is_gone(client, writer, editor, climate):
    for user in (writer, editor):
        client.force_login(user)
        # With nothing chosen first, taggit's view failed with a 500.
        response = client.post(f"{changelist()}merge-tags/", {"new_tag_name": "Weather"})
        assert response.status_code in (302, 404)
        session = client.session
        session["selected_tag_ids"] = ",".join(ids("Climate", "climate change"))
        session.save()
        response = client.post(f"{changelist()}merge-tags/", {"new_tag_name": "Weather"})
        assert response.status_code in (302, 404)
        assert not Tag.objects.filter(name="Weather").exists()


def test_the_addresses_of_merged_tags_lead_to_the_survivor(client, editor, climate):
    Redirect.objects.create(
        site_id=1, old_path="/topics/warming/", new_path="/tags/climate-change/"
    )
    client.force_login(editor)
    merge(client, ["Climate", "climate change"], into="Climate")
    client.logout()
    for old, new in [
        ("/tags/climate-change/", "/tags/climate/"),
        ("/feeds/tags/climate-change/rss/", "/feeds/tags/climate/rss/"),
        ("/feeds/tags/climate-change/atom/", "/feeds/tags/climate/atom/"),
        ("/topics/warming/", "/tags/climate/"),  # an older redirect, without a chain
    ]:
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, new), old
        assert client.get(new).status_code == 200
