from django.db import migrations

# Search the body readers see: its sanitised HTML, not the Markdown source, in which raw
# markup the sanitiser removes (`<img src=x onerror=alert(1)>` parses as words, not as a
# tag) matched words no reader could find on the page. PostgreSQL's parser reads the
# tags of clean HTML as tags and indexes none of them. Snippets come from body_html too.
FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION articles_article_search_vector_update() RETURNS trigger AS $$
BEGIN
  NEW.search_vector :=
    setweight(to_tsvector('english', coalesce(NEW.headline, '') || ' ' || coalesce(NEW.title, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(NEW.description, '') || ' ' || coalesce(NEW.lede, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(NEW.{body}, '')), 'C');
  RETURN NEW;
END
$$ LANGUAGE plpgsql;
DROP TRIGGER articles_article_search_vector_trigger ON articles_article;
CREATE TRIGGER articles_article_search_vector_trigger
  BEFORE INSERT OR UPDATE OF headline, title, description, lede, {body}, search_vector
  ON articles_article FOR EACH ROW EXECUTE FUNCTION articles_article_search_vector_update();
UPDATE articles_article SET search_vector = NULL;
"""


def search_body_html(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION_SQL.replace("{body}", "body_html"))


def search_body_source(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION_SQL.replace("{body}", "body"))


class Migration(migrations.Migration):
    dependencies = [("articles", "0005_tagging_rows_read_with_their_tags")]

    operations = [migrations.RunPython(search_body_html, search_body_source)]
