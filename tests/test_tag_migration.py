"""The migration that moves tags from taggit's table to ours: rows keep their ids, empty
slugs are made again, duplicate taggings go, and permissions follow."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.models import Tag, TaggedArticle

# serialized_rollback: the flush after this transactional test would otherwise delete
# the Editors and Writers groups that migration 0002 created.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def migrations():
    """(this migration, the one before it): found by name, whatever their numbers."""
    loader = MigrationExecutor(connection).loader
    [target] = [
        key
        for key in loader.disk_migrations
        if key[0] == "articles" and key[1].endswith("_tags_of_our_own")
    ]
    [before] = [key for key in loader.disk_migrations[target].dependencies if key[0] == "articles"]
    return target, before


def migrate(to):
    executor = MigrationExecutor(connection)
    executor.migrate(to)
    return executor.loader.project_state(to).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_tags_move_to_our_table_with_slugs_every_address_can_carry(django_user_model):
    target, before = migrations()
    try:
        apps = migrate([before])
        TaggitTag = apps.get_model("taggit", "Tag")
        OldArticle = apps.get_model("articles", "Article")
        OldTagging = apps.get_model("articles", "TaggedArticle")
        Permission = apps.get_model("auth", "Permission")
        Group = apps.get_model("auth", "Group")
        User = apps.get_model("auth", "User")

        # As taggit made them: an empty slug, then "_1" for the next name without letters.
        kyiv = TaggitTag.objects.create(name="Kyiv", slug="kyiv")
        flag = TaggitTag.objects.create(name="🇺🇦", slug="")
        bangs = TaggitTag.objects.create(name="!!!", slug="_1")
        taken = TaggitTag.objects.create(name="UA", slug="ua")
        flagged = OldArticle.objects.create(headline="Flag", slug="flag", status="published")
        plain = OldArticle.objects.create(headline="Plain", slug="plain", status="draft")
        OldTagging.objects.create(content_object=flagged, tag=flag)
        OldTagging.objects.create(content_object=flagged, tag=flag)  # a duplicate
        OldTagging.objects.create(content_object=flagged, tag=kyiv)
        OldTagging.objects.create(content_object=plain, tag=bangs)
        desk = Group.objects.create(name="Night desk")
        desk.permissions.add(
            Permission.objects.get(content_type__app_label="taggit", codename="change_tag")
        )
        clerk = User.objects.create(username="clerk", is_staff=True)
        clerk.user_permissions.add(
            Permission.objects.get(content_type__app_label="taggit", codename="view_tag")
        )

        migrate([target])

        assert {tag.pk: (tag.name, tag.slug) for tag in Tag.objects.all()} == {
            kyiv.pk: ("Kyiv", "kyiv"),
            flag.pk: ("🇺🇦", "ua_1"),  # "ua" was taken
            bangs.pk: ("!!!", "_1"),  # a working address stays as it was
            taken.pk: ("UA", "ua"),
        }
        # Through the taggings alone: later migrations may add columns to articles.
        flagged_tags = TaggedArticle.objects.filter(content_object_id=flagged.pk)
        assert sorted(flagged_tags.values_list("tag__name", flat=True)) == ["Kyiv", "🇺🇦"]
        assert TaggitTag.objects.count() == 0
        assert Tag.objects.create(name="New").pk > taken.pk  # the id sequence moved on

        def permissions(holder):
            return sorted(
                f"{p.content_type.app_label}.{p.codename}"
                for p in holder.permissions.filter(codename__endswith="_tag")
            )

        from django.contrib.auth.models import Group as CurrentGroup

        assert permissions(CurrentGroup.objects.get(name="Night desk")) == [
            "articles.change_tag",
            "taggit.change_tag",
        ]
        assert django_user_model.objects.get(username="clerk").has_perm("articles.view_tag")
        editors = permissions(CurrentGroup.objects.get(name="Editors"))
        assert {"articles.add_tag", "articles.change_tag", "articles.delete_tag"} <= set(editors)
        writers = permissions(CurrentGroup.objects.get(name="Writers"))
        assert "articles.add_tag" in writers and "articles.change_tag" not in writers

        # And back: taggit's table has the tags again, under the same ids.
        apps = migrate([before])
        TaggitTag = apps.get_model("taggit", "Tag")
        assert dict(TaggitTag.objects.values_list("pk", "slug"))[flag.pk] == "ua_1"
        OldTagging = apps.get_model("articles", "TaggedArticle")
        assert OldTagging.objects.filter(tag__name="Kyiv").count() == 1
    finally:
        migrate(latest())
