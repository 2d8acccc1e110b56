from django.db import migrations

# Renaming a tag changes every published article that carries it, and its public page;
# that is an editor's call. Writers still tag their drafts: the article form creates
# tags without needing any tag permission.


def tag_change_permission(apps):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label="taggit", codename="change_tag")


def forwards(apps, schema_editor):
    for writers in apps.get_model("auth", "Group").objects.filter(name="Writers"):
        writers.permissions.remove(*tag_change_permission(apps))


def backwards(apps, schema_editor):
    for writers in apps.get_model("auth", "Group").objects.filter(name="Writers"):
        writers.permissions.add(*tag_change_permission(apps))


class Migration(migrations.Migration):
    dependencies = [("articles", "0003_article_search_trigger")]

    operations = [migrations.RunPython(forwards, backwards)]
