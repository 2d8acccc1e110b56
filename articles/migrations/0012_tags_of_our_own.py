"""Tags move from taggit's table to ours (articles.Tag), where the database refuses an
empty slug; each article's tags get a position (their order) and one row per tag.

Rows keep their ids. A slug no address can carry (taggit made an empty one for names
without a letter or digit, such as "🇺🇦" or "!!!") is made again; every other slug, and
so every public tag address, stays as it was. Whoever held a permission on taggit's tags
holds the same on ours.
"""

import hashlib
import re

import articles.models.fields
import articles.models.tag
import articles.models.tagging
import django.db.models.deletion
from anyascii import anyascii
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.core.management.color import no_style
from django.db import migrations, models
from django.db.models import Count, Min
from django.utils.text import slugify

SLUG_MAX = 100
# What the tag URL pattern accepts (articles/urls.py).
URL_SLUG = re.compile(r"[-\w]+")
TAG_ACTIONS = ("add", "change", "delete", "view")


def tag_slug(name, suffix=""):
    """articles.models.tag.tag_slug() as it was when this migration was written."""
    slug = (
        slugify(name, allow_unicode=True)
        or slugify(anyascii(name))
        or "tag-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    )
    return slug[: SLUG_MAX - len("_9999999")].rstrip("-_") + suffix


def reset_sequence(schema_editor, model):
    for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [model]):
        schema_editor.execute(sql)


def copy_tags(apps, schema_editor):
    db = schema_editor.connection.alias
    TaggitTag = apps.get_model("taggit", "Tag")
    Tag = apps.get_model("articles", "Tag")
    rows = list(TaggitTag.objects.using(db).order_by("pk").values_list("pk", "name", "slug"))
    taken = {slug for _pk, _name, slug in rows if URL_SLUG.fullmatch(slug)}
    tags = []
    for pk, name, slug in rows:
        if not URL_SLUG.fullmatch(slug):
            slug, n = tag_slug(name), 0
            while slug in taken:
                n += 1
                slug = tag_slug(name, f"_{n}")
            taken.add(slug)
        tags.append(Tag(pk=pk, name=name, slug=slug))
    Tag.objects.using(db).bulk_create(tags, batch_size=1000)
    reset_sequence(schema_editor, Tag)


def remove_duplicate_taggings(apps, schema_editor):
    TaggedArticle = apps.get_model("articles", "TaggedArticle")
    taggings = TaggedArticle.objects.using(schema_editor.connection.alias)
    duplicated = (
        taggings.values("content_object_id", "tag_id")
        .annotate(rows=Count("pk"), first=Min("pk"))
        .filter(rows__gt=1)
    )
    for row in duplicated:
        taggings.filter(content_object_id=row["content_object_id"], tag_id=row["tag_id"]).exclude(
            pk=row["first"]
        ).delete()


def copy_tag_permissions(apps, schema_editor):
    db = schema_editor.connection.alias
    # Permissions are normally created after all migrations; these are needed now.
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=db)
    app_config.models_module = None

    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    for action in TAG_ACTIONS:
        codename = f"{action}_tag"
        old = Permission.objects.using(db).filter(
            content_type__app_label="taggit", codename=codename
        )
        new = Permission.objects.using(db).get(content_type__app_label="articles", codename=codename)
        for holder in (Group, User):
            through = (holder.permissions if holder is Group else holder.user_permissions).through
            owner = "group_id" if holder is Group else "user_id"
            owners = through.objects.using(db).filter(permission__in=old).values_list(owner, flat=True)
            through.objects.using(db).bulk_create(
                [through(**{owner: pk, "permission_id": new.pk}) for pk in set(owners)],
                ignore_conflicts=True,
            )


def delete_taggit_tags(apps, schema_editor):
    apps.get_model("taggit", "Tag").objects.using(schema_editor.connection.alias).delete()


def restore_taggit_tags(apps, schema_editor):
    db = schema_editor.connection.alias
    TaggitTag = apps.get_model("taggit", "Tag")
    Tag = apps.get_model("articles", "Tag")
    present = set(TaggitTag.objects.using(db).values_list("pk", flat=True))
    TaggitTag.objects.using(db).bulk_create(
        [
            TaggitTag(pk=tag.pk, name=tag.name, slug=tag.slug)
            for tag in Tag.objects.using(db).exclude(pk__in=present)
        ],
        batch_size=1000,
    )
    reset_sequence(schema_editor, TaggitTag)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0011_render_bodies_showing_html_as_text"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Tag",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, unique=True, validators=[articles.models.fields.reject_control_characters], verbose_name="name")),
                ("slug", models.SlugField(allow_unicode=True, help_text="The tag's address, /tags/<slug>/. Made from the name when left empty; changing it changes the address.", max_length=100, unique=True, verbose_name="slug")),
            ],
            options={
                "verbose_name": "tag",
                "verbose_name_plural": "tags",
                "constraints": [models.CheckConstraint(condition=models.Q(("slug", ""), _negated=True), name="tag_slug_not_empty")],
            },
        ),
        migrations.RunPython(copy_tags, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="taggedarticle",
            name="tag",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="%(app_label)s_%(class)s_items", to="articles.tag"),
        ),
        migrations.AlterField(
            model_name="article",
            name="tags",
            field=articles.models.tagging.ArticleTags(blank=True, help_text="Separated by commas, the most important first. Existing tags are offered as you type.", through="articles.TaggedArticle", to="articles.Tag", verbose_name="Tags"),
        ),
        migrations.AddField(
            model_name="taggedarticle",
            name="position",
            field=models.PositiveIntegerField(default=0, help_text="Where the tag stands among the article's tags, from 0."),
        ),
        migrations.RunPython(remove_duplicate_taggings, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="taggedarticle",
            constraint=models.UniqueConstraint(fields=("content_object", "tag"), name="unique_article_tag"),
        ),
        migrations.RunPython(copy_tag_permissions, migrations.RunPython.noop),
        migrations.RunPython(delete_taggit_tags, restore_taggit_tags),
    ]
