from django.db import migrations

from articles.rendering import render_markdown

BATCH_SIZE = 500


def render_bodies(apps, schema_editor):
    """Render every body again: before this, text after an unclosed <style> or <!--, and
    the content of <script>, <style> or comments, was missing from the published page, and
    tables had neither their scrolling region nor their columns' alignment.
    Only body_html changes (on PostgreSQL the search trigger reindexes it); updated_at
    stays, for nobody edited the articles."""
    Article = apps.get_model("articles", "Article")
    changed = []
    for article in Article.objects.only("pk", "body", "body_html").iterator(BATCH_SIZE):
        html = render_markdown(article.body)
        if html != article.body_html:
            article.body_html = html
            changed.append(article)
        if len(changed) == BATCH_SIZE:
            Article.objects.bulk_update(changed, ["body_html"])
            changed = []
    Article.objects.bulk_update(changed, ["body_html"])


class Migration(migrations.Migration):
    dependencies = [("articles", "0010_updated_at_stamped_by_save")]

    operations = [migrations.RunPython(render_bodies, migrations.RunPython.noop, elidable=True)]
