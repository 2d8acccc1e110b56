from django.db import migrations

# PostgreSQL keeps Article.search_vector current itself, whatever writes the row (admin,
# importer, queryset.update), and a GIN index keeps search fast at 100,000 articles.
# Weights: headline and title A, description and lede B, body C. SQLite has no tsvector;
# search there falls back to plain matching, so nothing is created.
CREATE_SQL = """
CREATE FUNCTION articles_article_search_vector_update() RETURNS trigger AS $$
BEGIN
  NEW.search_vector :=
    setweight(to_tsvector('english', coalesce(NEW.headline, '') || ' ' || coalesce(NEW.title, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(NEW.description, '') || ' ' || coalesce(NEW.lede, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(NEW.body, '')), 'C');
  RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER articles_article_search_vector_trigger
  BEFORE INSERT OR UPDATE OF headline, title, description, lede, body, search_vector
  ON articles_article FOR EACH ROW EXECUTE FUNCTION articles_article_search_vector_update();
CREATE INDEX articles_article_search_gin ON articles_article USING gin (search_vector);
UPDATE articles_article SET search_vector = NULL;
"""
DROP_SQL = """
DROP INDEX IF EXISTS articles_article_search_gin;
DROP TRIGGER IF EXISTS articles_article_search_vector_trigger ON articles_article;
DROP FUNCTION IF EXISTS articles_article_search_vector_update();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_SQL)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [("articles", "0002_editor_and_writer_groups")]

    operations = [migrations.RunPython(create, drop)]
