"""Revisions record the authors an article credits. Each article's newest revision (what
it holds now) gets its current authors, so that a save changing nothing adds no revision;
older revisions say nothing of authors (no one knows whom they credited then), and the
history shows no difference in authors where a side says nothing of them."""

import hashlib
import json

from django.db import migrations
from django.db.models import Max

BATCH = 500


def authors_in_newest_revisions(apps, schema_editor):
    db = schema_editor.connection.alias
    Revision = apps.get_model("articles", "Revision")
    ArticleAuthor = apps.get_model("articles", "ArticleAuthor")
    newest = list(
        Revision.objects.using(db)
        .order_by()
        .values("article")
        .annotate(newest=Max("pk"))
        .values_list("newest", flat=True)
    )
    for start in range(0, len(newest), BATCH):
        revisions = list(Revision.objects.using(db).filter(pk__in=newest[start : start + BATCH]))
        authors = {revision.article_id: [] for revision in revisions}
        rows = (
            ArticleAuthor.objects.using(db)
            .filter(article_id__in=authors)
            .order_by("position", "pk")
            .values_list("article_id", "author_id", "role")
        )
        for article_id, author_id, role in rows:
            authors[article_id].append({"author": author_id, "role": role})
        for revision in revisions:
            revision.snapshot["authors"] = authors[revision.article_id]
            text = json.dumps(
                revision.snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":")
            )
            revision.digest = hashlib.sha256(text.encode()).hexdigest()
        Revision.objects.using(db).bulk_update(revisions, ["snapshot", "digest"])


def no_authors_in_revisions(apps, schema_editor):
    db = schema_editor.connection.alias
    Revision = apps.get_model("articles", "Revision")
    revisions = Revision.objects.using(db).filter(snapshot__has_key="authors")
    for revision in revisions.iterator(chunk_size=BATCH):
        del revision.snapshot["authors"]
        text = json.dumps(
            revision.snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        revision.digest = hashlib.sha256(text.encode()).hexdigest()
        revision.save(update_fields=["snapshot", "digest"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0022_new_article_autosaves"),
    ]

    operations = [
        migrations.RunPython(authors_in_newest_revisions, no_authors_in_revisions, elidable=True),
    ]
