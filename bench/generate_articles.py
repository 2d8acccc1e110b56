"""Published articles for benchmarks, written fast: on PostgreSQL one INSERT … SELECT over
generate_series (100,000 articles in seconds, the search trigger filling their vectors as
for any other write), on SQLite bulk_create. The articles are those of bench_search.py
(the same words, "glaciers retreating" in one in 300, "zeppelin-0042" in one) with three
of bench_pages.py's twelve tags each and a lead figure among `figure_count` real ones.

Bench data only: written past the one write path (models/writing.py) on purpose, so no
change is announced and nothing but the rows is made.
"""

import random

from bench_pages import TAGS, fill, make_figures
from bench_search import WORDS

ARTICLES_SQL = """
INSERT INTO articles_article (
    title, headline, slug, byline, description, lede, social_title, social_description,
    body, body_html, published_at, status, source_url, canonical_url, extra_metadata,
    import_checksum,
    created_at, updated_at, lead_figure_id, feed_id
)
SELECT headline, headline, 'article-' || n, '', description, lede, '', '',
       first || E'\\n\\n' || second, '<p>' || first || E'</p>\\n<p>' || second || '</p>',
       %(epoch)s::timestamptz + n * interval '30 minutes', 'published', '', '', '{}', '',
       now(), now(), (%(figures)s::bigint[])[1 + n %% cardinality(%(figures)s::bigint[])],
       'urn:uuid:' || gen_random_uuid()
FROM generate_series(%(start)s, %(stop)s - 1) AS n
CROSS JOIN LATERAL (
    SELECT
        initcap(words[1]) || ' ' || array_to_string(words[2:7], ' ') AS headline,
        initcap(words[8]) || ' ' || array_to_string(words[9:27], ' ') AS description,
        initcap(words[28]) || ' ' || array_to_string(words[29:39], ' ') AS lede,
        initcap(CASE WHEN n = %(stop)s / 2 THEN 'zeppelin-0042' ELSE words[40] END)
            || ' ' || array_to_string(words[41:59], ' ') || '.' AS first,
        CASE WHEN n %% 300 = 0 THEN 'glaciers retreating ' ELSE '' END
            || array_to_string(words[60:79], ' ') || '.' AS second
    FROM (
        SELECT array_agg(
            (%(words)s::text[])[1 + floor(random() * cardinality(%(words)s::text[]))::int]
        ) AS words
        FROM generate_series(1, 79) WHERE n IS NOT NULL  -- drawn afresh for each n
    ) AS drawn
) AS texts
"""

TAGGINGS_SQL = """
INSERT INTO articles_taggedarticle (content_object_id, tag_id, position)
SELECT article.id, chosen.id, chosen.position - 1
FROM articles_article AS article
CROSS JOIN LATERAL (
    SELECT id, row_number() OVER () AS position
    FROM (
        SELECT id FROM articles_tag WHERE slug = ANY(%(tags)s) AND article.id IS NOT NULL
        ORDER BY random() LIMIT 3
    ) AS t
) AS chosen
WHERE article.id > %(after)s
"""


def generate(stop, *, start=0, figure_count=40, seed=2025):
    """Published articles number `start` to `stop - 1` (slugs article-N), half an hour
    apart from 2020-01-01, tagged and with lead figures; a later call with `start` adds
    to those of an earlier one. Returns (the newest article, the middle one)."""
    from django.db import connection

    from articles.models import Article, Figure, Tag

    if connection.vendor != "postgresql":
        articles = fill(stop - start, figure_count, random.Random(seed))
        return articles[-1], articles[len(articles) // 2]
    if start == 0:
        figures = [figure.pk for figure in make_figures(figure_count)]
        Tag.objects.bulk_create(Tag(name=name, slug=name) for name in TAGS)
    else:
        figures = list(Figure.objects.order_by("pk").values_list("pk", flat=True)[:figure_count])
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM articles_article")
        (after,) = cursor.fetchone()
        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        cursor.execute(
            ARTICLES_SQL,
            {
                "epoch": "2020-01-01T00:00:00Z",
                "figures": figures,
                "start": start,
                "stop": stop,
                "words": WORDS,
            },
        )
        cursor.execute(TAGGINGS_SQL, {"tags": TAGS, "after": after})
        # Vacuumed too, as autovacuum would have done by then: index-only scans need the
        # visibility map. (Outside a transaction: call this outside atomic().)
        cursor.execute("VACUUM ANALYZE")
    newest = Article.objects.get(slug=f"article-{stop - 1}")
    middle = Article.objects.get(slug=f"article-{stop // 2}")
    return newest, middle
