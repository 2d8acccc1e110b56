from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("article", "figure", "imagecredit", "license")
    for action in ("add", "change", "delete", "view")
] + ["publish_article"]
WRITER_PERMISSIONS = [
    "add_article", "change_article", "view_article",
    "add_figure", "change_figure", "view_figure",
    "add_imagecredit", "change_imagecredit", "view_imagecredit",
    "add_license", "view_license",
]  # fmt: skip
TAG_PERMISSIONS = ["add_tag", "change_tag", "view_tag"]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; these groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(app_label, codenames):
        return Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )

    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(*permissions("articles", EDITOR_PERMISSIONS))
    editors.permissions.add(*permissions("taggit", TAG_PERMISSIONS + ["delete_tag"]))
    writers, _ = Group.objects.get_or_create(name="Writers")
    writers.permissions.add(*permissions("articles", WRITER_PERMISSIONS))
    writers.permissions.add(*permissions("taggit", TAG_PERMISSIONS))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editors", "Writers"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
