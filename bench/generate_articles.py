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
    body, body_html, published_at, status, source_url, extra_metadata, import_checksum,
    created_at, updated_at, lead_figure_id, feed_id
)
SELECT headline, headline, 'article-' || n, '', description, lede, '', '',
       first || E'\\n\\n' || second, '<p>' || first || E'</p>\\n<p>' || second || '</p>',
       %(start)s::timestamptz + n * interval '30 minutes', 'published', '', '{}', '',
       now(), now(), (%(figures)s::bigint[])[1 + n %% cardinality(%(figures)s::bigint[])],
       'urn:uuid:' || gen_random_uuid()
FROM generate_series(0, %(count)s - 1) AS n
CROSS JOIN LATERAL (
    SELECT
        initcap(words[1]) || ' ' || array_to_string(words[2:7], ' ') AS headline,
        initcap(words[8]) || ' ' || array_to_string(words[9:27], ' ') AS description,
        initcap(words[28]) || ' ' || array_to_string(words[29:39], ' ') AS lede,
        initcap(CASE WHEN n = %(count)s / 2 THEN 'zeppelin-0042' ELSE words[40] END)
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
    FROM (SELECT id FROM articles_tag WHERE article.id IS NOT NULL ORDER BY random() LIMIT 3) AS t
) AS chosen
"""


def generate(count, *, figure_count=40, seed=2025):
    """`count` published articles, half an hour apart from 2020-01-01, tagged and with lead
    figures; returns (the newest article, the middle one)."""
    from django.db import connection

    from articles.models import Article, Tag

    if connection.vendor != "postgresql":
        articles = fill(count, figure_count, random.Random(seed))
        return articles[-1], articles[len(articles) // 2]
    figures = [figure.pk for figure in make_figures(figure_count)]
    Tag.objects.bulk_create(Tag(name=name, slug=name) for name in TAGS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        cursor.execute(
            ARTICLES_SQL,
            {"start": "2020-01-01T00:00:00Z", "figures": figures, "count": count, "words": WORDS},
        )
        cursor.execute(TAGGINGS_SQL)
        cursor.execute("ANALYZE")
    newest = Article.objects.get(slug=f"article-{count - 1}")
    middle = Article.objects.get(slug=f"article-{count // 2}")
    return newest, middle
