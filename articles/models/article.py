import itertools
import uuid
from datetime import UTC, datetime

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.db.models import (
    Case,
    Exists,
    F,
    Func,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.utils import timezone
from django.utils.text import slugify

from .. import snippets
from ..acting import acting_as
from ..rendering import markup_shown_as_text, render_markdown
from .addresses import FormerSlug, slug_address
from .author import ArticleAuthor, Author
from .correction import ChangeKind, Correction
from .fields import WebURLField, reject_control_characters
from .figure import Figure
from .fragment import ArticleFragments
from .preview_link import PreviewLink
from .related import RelatedArticle
from .revision import (
    AUTHORS,
    HELD_WHEN_SET,
    NOT_RESTORED,
    RESTORED,
    SNAPSHOT_FIELDS,
    TAGS,
)
from .section import Section
from .tag import Tag, TaggedArticle
from .tagging import ArticleTags
from .writing import ArticleWrite, deleting, write_articles

TITLE_MAX = 60
DESCRIPTION_MIN, DESCRIPTION_MAX = 120, 160
SOCIAL_TITLE_MAX = 70
HEADLINE_MAX = 110
LEAD_IMAGE_MIN_WIDTH = 1200
BODY_MAX_CHARS = 300_000
SHOWN_MARKUP_LISTED = 5
SEARCH_CONFIG = "english"
# Search ranks the newest this many matches; the page says "1,000 or more" beyond.
SEARCH_CANDIDATES = 1000


# How an article shows each kind of object: through itself, its lead figure, that
# figure's credit and licence, its tags and its authors.
SHOWN_THROUGH = {
    "articles.article": "pk",
    "articles.figure": "lead_figure",
    "articles.imagecredit": "lead_figure__credit",
    "articles.license": "lead_figure__credit__license",
    "articles.tag": "tags",
    "articles.section": "section",  # with its subsections: their pages show it too
    "articles.author": "bylines__author",
}
RELATED_MAX = 4
# Related stories are looked for among the articles sharing the first few tags (the
# editor's order puts the most important first).
RELATED_BY_TAGS = 5
# What a page made of stored fragments reads of an article's own row: its address and
# what says whether, and where, it is listed.
FRAGMENTED_PAGE_COLUMNS = ("slug", "status", "published_at", "section_id", "lead_figure_id")


# Queries whose SQL is made once per process and shape (_run_made_once()): building and
# compiling them cost pages several times what running them does. Each is built with
# stand-ins, values no row has (negative ids, a control character in a slug, a time long
# gone for now), and run with each stand-in's parameter replaced by the value it stands for.
_STAND_IN_TIME = datetime(1900, 1, 1, tzinfo=UTC)
_STAND_IN_SLUG = "\x00 stand-in slug"  # no slug holds a control character
_MADE_SQL = {}  # (database alias, what for, shape…) → (SQL, parameters)
# related_to()'s stand-in ids.
_ARTICLE, _SECTION, _FIRST_TAG = -1, -2, -3


def _bylines():
    return Prefetch("bylines", queryset=ArticleAuthor.objects.select_related("author"))


class ArticleQuerySet(models.QuerySet):
    def published(self, *, at=None):
        """What a reader may see (at the time `at`, else now): the only definition of
        "public" on the site."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=at or timezone.now())

    def scheduled(self):
        """Published articles whose time has not come yet."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())

    def next_publication_time(self):
        """When the next scheduled article goes public, or None: one lookup in the
        (status, published_at) index."""
        return (
            self.scheduled().order_by("published_at").values_list("published_at", flat=True).first()
        )

    def latest_change(self):
        """The latest modified_time() (metadata.py) among these articles: the later of
        the newest publication and the latest public update, two lookups in indexes
        (article_published_order_idx, article_public_update_idx) where the latest of
        GREATEST(published_at, updated_publicly_at) would read every row."""
        found = self.aggregate(published=Max("published_at"), updated=Max("updated_publicly_at"))
        return max(filter(None, found.values()), default=None)

    def years(self):
        """The years of these articles' publication in the current time zone, newest
        first: one lookup in the listing index per year (a skip scan), where Django's
        dates() sorts every row's year (25 ms at 100,000 articles)."""
        zone = timezone.get_current_timezone()
        years, found = [], self
        while latest := found.aggregate(latest=Max("published_at"))["latest"]:
            years.append(timezone.localtime(latest, zone).year)
            found = self.filter(published_at__lt=datetime(years[-1], 1, 1, tzinfo=zone))
        return years

    def months(self, year):
        """The first moment (current time zone) of each month of `year` in which one of
        these articles was published, oldest first, as Django's datetimes() gives them:
        one query of twelve EXISTS, each stopping at its first entry in the listing index,
        where datetimes() truncates and sorts every row of the year (4 ms of the year
        archive's 16 at 100,000 articles)."""
        zone = timezone.get_current_timezone()
        starts = [datetime(year, month, 1, tzinfo=zone) for month in range(1, 13)]
        ends = [*starts[1:], datetime(year + 1, 1, 1, tzinfo=zone)]
        published_in = {
            f"month_{n}": Exists(self.filter(published_at__gte=start, published_at__lt=end))
            for n, (start, end) in enumerate(zip(starts, ends, strict=True))
        }
        # Any one row carries the twelve answers (uncorrelated: computed once).
        found = self.order_by().annotate(**published_in).values_list(*published_in)[:1]
        flags = next(iter(found), [False] * 12)
        return [start for start, published in zip(starts, flags, strict=True) if published]

    def past_draft(self):
        """Published, scheduled or withdrawn: readers have seen them or are about to, so
        only editors may change them (and what they show)."""
        return self.exclude(status=Article.Status.DRAFT)

    def delete(self):
        """Delete through the write path (models/writing.py): announced once committed."""
        with deleting(self.values_list("pk", flat=True), using=self.db):
            return super().delete()

    def showing(self, *objects):
        """The articles that show these objects, all of one model: articles themselves,
        figures (as lead figure), image credits and licences (of the lead figure), tags,
        or authors."""
        if not objects:
            return self.none()
        label = objects[0]._meta.label_lower
        ids = [obj.pk for obj in objects]
        if label == "articles.section":
            ids = Section.objects.using(self.db).family_ids(ids)
        return self.filter(**{f"{SHOWN_THROUGH[label]}__in": ids})

    def among(self, *subqueries):
        """Articles whose id one of these subqueries (each of one column of ids, sliced
        as it likes) gives. On PostgreSQL through `id = ANY(ARRAY(…))`, an index condition
        for each, where `id IN (…) OR id IN (…)` would read and test every row."""
        if not subqueries:
            return self.none()
        found = Q()
        postgresql = connections[self.db].vendor == "postgresql"
        for subquery in subqueries:
            found |= (
                Q(_InArray(F("pk"), ArraySubquery(subquery))) if postgresql else Q(pk__in=subquery)
            )
        return self.filter(found)

    def related_to(self, article, *, tag_ids=None, limit=RELATED_MAX):
        """Up to `limit` public articles to read next (a list): the editors' picks in their
        order, then the latest sharing the article's section or one of its first tags
        (`tag_ids`, else read from `article.tags`, prefetched or not). One query
        (related_query()), whose SQL is made once per shape and process: building and
        compiling its subqueries cost a quarter of the article page's CPU, running it a
        tenth of a millisecond."""
        if tag_ids is None:
            tag_ids = [tag.pk for tag in list(article.tags.all())]
        tag_ids = tag_ids[:RELATED_BY_TAGS]
        stand_in_tags = [_FIRST_TAG - n for n in range(len(tag_ids))]

        def make():
            section = _SECTION if article.section_id else None
            return self.related_query(
                _ARTICLE, section, stand_in_tags, limit=limit, at=_STAND_IN_TIME
            )

        values = {
            _ARTICLE: article.pk,
            _SECTION: article.section_id,
            **dict(zip(stand_in_tags, tag_ids, strict=True)),
        }
        shape = ("related_to", bool(article.section_id), len(tag_ids), limit)
        return self._run_made_once(shape, make, values)

    def related_query(self, article_id, section_id, tag_ids, *, limit=RELATED_MAX, at=None):
        """The query of related_to(): each kind of candidate is a subquery that an index
        answers with at most `limit` rows, whatever the table's size."""
        picks = RelatedArticle.objects.filter(from_article=article_id)
        public = Article.objects.published(at=at).exclude(pk=article_id).order_by("-published_at")
        candidates = [picks.values("to_article")]
        if section_id:
            candidates.append(public.filter(section=section_id).values("pk")[:limit])
        for tag_id in tag_ids:
            candidates.append(public.filter(tags=tag_id).values("pk")[:limit])
        pick_position = picks.filter(to_article=OuterRef("pk")).values("position")[:1]
        return (
            self.published(at=at)
            .exclude(pk=article_id)
            .among(*candidates)
            .annotate(pick_position=Subquery(pick_position))
            .order_by(F("pick_position").asc(nulls_last=True), "-published_at", "-pk")
            .only("slug", "headline", "title", "published_at", "status", "section_id")[:limit]
        )

    def latest_by_section(self, families, *, per_section, leaving_out=()):
        """The latest `per_section` of these articles in each of these families of
        sections (the ids of a section and its subsections), leaving out the ids in
        `leaving_out`: one query, each family's part answered by an index."""
        ordered = self.exclude(pk__in=list(leaving_out)).order_by("-published_at", "-pk")
        return self.among(
            *(ordered.filter(section__in=family).values("pk")[:per_section] for family in families)
        ).order_by("-published_at", "-pk")

    def latest_public_with_cards(self, families, *, per_section, leaving_out=()):
        """published().latest_by_section() with their stored cards, as for_cards() reads
        them (a list): the home page's groups by section. Its SQL is made once per process
        and shape (how many ids `leaving_out` and each family hold: the navigation's and
        the page's, few): building and compiling it cost the home page six times what
        running it does."""
        leaving_out = list(dict.fromkeys(leaving_out))
        families = [list(dict.fromkeys(family)) for family in families]
        stand_ins = itertools.count(-1, -1)
        stand_in_left_out = [next(stand_ins) for _ in leaving_out]
        stand_in_families = [[next(stand_ins) for _ in family] for family in families]

        def make():
            return (
                self.published(at=_STAND_IN_TIME)
                .latest_by_section(
                    stand_in_families, per_section=per_section, leaving_out=stand_in_left_out
                )
                .for_cards()
            )

        values = dict(
            zip(
                [*stand_in_left_out, *itertools.chain(*stand_in_families)],
                [*leaving_out, *itertools.chain(*families)],
                strict=True,
            )
        )
        shape = ("latest_public_with_cards", per_section, len(leaving_out), *map(len, families))
        return _with_fragments_read(self._run_made_once(shape, make, values), "card")

    def latest_public_with(self, kind, *, limit, among=None):
        """The latest `limit` public articles with their stored fragments of `kind` (a
        list): all of them, or those `among` says ({lookup: [ids]}, e.g. {"tags": [3]}),
        as a feed lists them. Its SQL is made once per process and shape (the lookups and
        how many ids each has): building and compiling it was a third of a feed's CPU."""
        among = {lookup: list(dict.fromkeys(ids)) for lookup, ids in sorted((among or {}).items())}
        stand_ins = itertools.count(-1, -1)
        stand_in_among = {lookup: [next(stand_ins) for _ in ids] for lookup, ids in among.items()}

        def make():
            articles = self.published(at=_STAND_IN_TIME)
            for lookup, ids in stand_in_among.items():
                articles = articles.filter(**{f"{lookup}__in": ids})
            return articles.with_fragments(kind)[:limit]

        values = dict(
            zip(
                itertools.chain(*stand_in_among.values()),
                itertools.chain(*among.values()),
                strict=True,
            )
        )
        shape = ("latest_public_with", kind, limit, *((k, len(v)) for k, v in among.items()))
        return _with_fragments_read(self._run_made_once(shape, make, values), kind)

    def _run_made_once(self, shape, make, values):
        """The articles (raw()) of the query make() builds with stand-ins, its SQL made
        once per process, database and `shape` (which tells apart every query make() can
        build), run with `values` (stand-in: the value it stands for) and now for
        _STAND_IN_TIME: a scheduled article is listed once its time has come."""
        key = (self.db, *shape)
        if key not in _MADE_SQL:
            _MADE_SQL[key] = make().query.sql_with_params()
        sql, params = _MADE_SQL[key]
        adapt = connections[self.db].ops.adapt_datetimefield_value
        values = {**values, adapt(_STAND_IN_TIME): adapt(timezone.now())}
        return list(self.raw(sql, [values.get(param, param) for param in params]))

    def for_listing(self):
        # The lead figure's renditions come with it (Figure.shown_renditions).
        return self.select_related("lead_figure__credit__license").prefetch_related(
            "tags", _bylines()
        )

    def for_detail(self):
        # Most articles have no correction: the page asks for them only when there are.
        has_corrections = Exists(Correction.objects.filter(article=OuterRef("pk")))
        return self.for_listing().annotate(has_corrections=has_corrections)

    def for_fragments(self):
        """Everything the stored fragments of an article show (articles/fragments.py)."""
        return self.for_detail().only_shown()

    def with_fragments(self, *kinds, also=()):
        """With their stored fragments of these kinds (articles/fragments.py), and of
        their own columns only those a page asks beside them (and those in `also`)."""
        return self.select_related("fragments").only(
            *FRAGMENTED_PAGE_COLUMNS,
            *also,
            "fragments__fingerprint",
            "fragments__version",
            *(f"fragments__{kind}" for kind in kinds),
        )

    def public_with_page(self, slug):
        """The public article at `slug` with its stored page fragments (`fragments`, absent
        when it has no row), or None. The query of published().with_fragments("page"),
        its SQL made once per process and database: building and compiling it was a third
        of the article page's CPU once the page came from its fragments."""

        def make():
            public = self.published(at=_STAND_IN_TIME)
            return public.filter(slug=_STAND_IN_SLUG).with_fragments("page")

        found = self._run_made_once(("public_with_page",), make, {_STAND_IN_SLUG: slug})
        return next(iter(_with_fragments_read(found, "page")), None)

    def for_cards(self, *, body_html=False):
        """The articles of a listing of cards (home, tag, archive, section, author and
        search pages): each with its stored card, which fragments.fresh() makes when
        stale, in the one query; search's excerpts need the body (`body_html=True`)."""
        return self.with_fragments("card", also=["body_html"] if body_html else [])

    def only_shown(self, *, body_html=True):
        """Without the columns no public page shows (the Markdown source, the search
        vector, what the importer keeps): most of a row's bytes. A listing of cards shows
        no body either: `body_html=False`."""
        left_out = ["body", "search_vector", "extra_metadata", "import_checksum", "source_url"]
        return self.defer(*left_out, *([] if body_html else ["body_html"]))

    def matching(self, terms):
        """Articles an editor's search finds, in the queryset's own order: every word in
        the headline, title, summary or body, or a tag whose name holds the terms.

        On PostgreSQL the words go through `search_vector` (full text, stemmed: "glacier"
        finds "glaciers") and the tags through an array of article ids, so that both are
        index scans OR-ed as bitmaps; an EXISTS or IN subquery beside the full-text match
        would make PostgreSQL read and test every row.
        """
        terms = " ".join(terms.split())
        if not terms:
            return self.none()
        tagged = TaggedArticle.objects.filter(tag__name__icontains=terms).values(
            "content_object_id"
        )
        if connections[self.db].vendor == "postgresql":
            return self.filter(
                Q(search_vector=_search_query(terms)) | Q(_InArray(F("pk"), ArraySubquery(tagged)))
            )
        return self.filter(_every_word_somewhere(terms) | Q(pk__in=tagged))

    def search_candidates(self, terms):
        """The ids of the newest SEARCH_CANDIDATES articles matching a reader's words, the
        ones search() ranks: counted alone, they are the number of results the search
        page gives (an index scan of at most that many, where counting search() would
        look each up again)."""
        terms = " ".join(terms.split())
        if not terms:
            return self.none().values("pk")
        if connections[self.db].vendor == "postgresql":
            matches = self.filter(search_vector=_search_query(terms))
        else:
            # SQLite has no full-text index: every word must appear somewhere.
            matches = self.filter(_every_word_somewhere(terms))
        return matches.order_by("-published_at", "-pk").values("pk")[:SEARCH_CANDIDATES]

    def search(self, terms):
        """Articles matching a reader's words, best first among the newest
        SEARCH_CANDIDATES matches (see Article.search_snippet()): ranking every match of a
        common word would read and rank most of the table on each search.

        On PostgreSQL each result carries `rank` and `body_excerpt`, ts_headline's excerpt
        of the body's text with the words matched by stem between <mark> and </mark>. The
        filter goes through the trigger-maintained `search_vector` so the GIN index
        answers it.
        """
        terms = " ".join(terms.split())
        if not terms:
            return self.none()
        # Through among(): `id = ANY(ARRAY(…))` looks the candidates up by primary key,
        # where `id IN (…)` had PostgreSQL hash every public article's id.
        candidates = self.among(self.search_candidates(terms))
        if connections[self.db].vendor == "postgresql":
            query = _search_query(terms)
            return candidates.annotate(
                rank=SearchRank(F("search_vector"), query),
                body_excerpt=SearchHeadline(
                    # The text snippets.text_of_html() makes, so that the excerpt can be
                    # found in it and widened to whole words and sentences.
                    Func(
                        F("body_html"),
                        Value(snippets.TAG_PATTERN),
                        Value(" "),
                        Value("g"),
                        function="regexp_replace",
                        output_field=models.TextField(),
                    ),
                    query,
                    config=SEARCH_CONFIG,
                    start_sel=snippets.START_SEL,
                    stop_sel=snippets.STOP_SEL,
                    max_words=snippets.EXCERPT_WORDS,
                    min_words=snippets.EXCERPT_WORDS // 2,
                    # Keep short words at the edges: the edges are moved to whole words
                    # anyway ("weren’t" is "weren", "’", "t" to PostgreSQL's parser).
                    short_word=0,
                ),
            ).order_by("-rank", "-published_at", "-pk")
        # A match in the headline or title ranks above one in the summary, above one in
        # the body.
        return candidates.annotate(
            rank=Case(
                When(Q(headline__icontains=terms) | Q(title__icontains=terms), then=3),
                When(Q(description__icontains=terms) | Q(lede__icontains=terms), then=2),
                default=1,
            )
        ).order_by("-rank", "-published_at", "-pk")


def _search_query(terms):
    return SearchQuery(terms, config=SEARCH_CONFIG, search_type="websearch")


def search_words(terms) -> list[str]:
    """The words SQLite's search looks for: the first ten."""
    return terms.split()[:10]


def _every_word_somewhere(terms) -> Q:
    """SQLite's stand-in for full text: each word in the headline, title, summary or
    body."""
    matches = Q()
    for word in search_words(terms):
        matches &= (
            Q(headline__icontains=word)
            | Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(lede__icontains=word)
            | Q(body__icontains=word)
        )
    return matches


class _InArray(Func):
    """`column = ANY(array)`: an index condition, where `column IN (subquery)` is not."""

    output_field = models.BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        (column, column_params), (array, array_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return f"{column} = ANY({array})", (*column_params, *array_params)


def _with_fragments_read(articles, kind):
    """These articles, read by raw() with the SQL of with_fragments(kind), each with its
    `fragments` row (None when it has none) made of the columns raw() left on it as they
    came, as select_related() would have."""
    if not articles:
        return articles
    connection = connections[articles[0]._state.db]
    field = ArticleFragments._meta.get_field(kind)
    for article in articles:
        fragments = None
        if article.article_id is not None:
            fragments = ArticleFragments.from_db(
                article._state.db,
                ["article_id", "fingerprint", "version", kind],
                [
                    article.pk,
                    article.fingerprint,
                    article.version,
                    field.from_db_value(getattr(article, kind), None, connection),
                ],
            )
        Article.fragments.related.set_cached_value(article, fragments)
    return articles


def with_corrections_read(articles):
    """These articles (read by for_detail() or for_fragments()) as a list, the corrections of
    those that have any read in one query: none, most of the time."""
    articles = list(articles)
    prefetch_related_objects([a for a in articles if a.has_corrections], "corrections")
    return articles


def new_feed_id():
    return f"urn:uuid:{uuid.uuid4()}"


class CannotPublish(ValidationError):
    """What keeps an article from going public, by field: a form shows each message
    under its field, an admin action lists them."""


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    title = models.CharField(
        max_length=300,
        blank=True,
        help_text=f"Shown in search results and browser tabs; the headline when empty. Aim for "
        f"{TITLE_MAX} characters.",
        validators=[reject_control_characters],
    )
    headline = models.CharField(
        max_length=300,
        blank=True,
        help_text=f"The headline on the page; the title when empty. At most {HEADLINE_MAX} "
        "characters for Google.",
        validators=[reject_control_characters],
    )
    slug = models.SlugField(max_length=255, unique=True, allow_unicode=False)
    byline = models.CharField(
        "byline text",
        max_length=200,
        blank=True,
        help_text="Shown after the authors' names (“and agencies”, “in Kyiv”); with no "
        "authors, the byline itself (“By staff and agencies”).",
        validators=[reject_control_characters],
    )
    description = models.CharField(
        max_length=500,
        blank=True,
        help_text=f"The meta description for search engines: {DESCRIPTION_MIN}–"
        f"{DESCRIPTION_MAX} characters.",
        validators=[reject_control_characters],
    )
    lede = models.TextField(
        blank=True,
        help_text="The standfirst shown under the headline.",
        validators=[reject_control_characters],
    )
    social_title = models.CharField(
        max_length=300,
        blank=True,
        help_text="Open Graph and X title; the title when empty.",
        validators=[reject_control_characters],
    )
    social_description = models.CharField(
        max_length=500,
        blank=True,
        help_text="Open Graph and X description; the description when empty.",
        validators=[reject_control_characters],
    )
    body = models.TextField(
        blank=True,
        # Longer than any long read; it bounds the time a body takes to render.
        max_length=BODY_MAX_CHARS,
        help_text="Markdown.",
        validators=[reject_control_characters],
    )
    body_html = models.TextField(blank=True, editable=False)
    published_at = models.DateTimeField(
        "publication time",
        null=True,
        blank=True,
        db_index=True,
        help_text="A future time schedules the article.",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    lead_figure = models.ForeignKey(
        Figure, on_delete=models.SET_NULL, null=True, blank=True, related_name="articles"
    )
    section = models.ForeignKey(
        Section,
        # A section with articles cannot be deleted: moving them silently (SET_NULL) would
        # change published pages through a bulk update the write path never sees.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        # Indexed with the publication time instead (article_section_public_idx).
        db_index=False,
        help_text="Where the article belongs on the site: its breadcrumb, front and feeds.",
    )
    related_picks = models.ManyToManyField(
        "self",
        through="RelatedArticle",
        through_fields=("from_article", "to_article"),
        symmetrical=False,
        blank=True,
        related_name="picked_by",
        verbose_name="related stories",
    )
    tags = ArticleTags(
        through=TaggedArticle,
        blank=True,
        help_text="Separated by commas, the most important first. Existing tags are offered "
        "as you type.",
    )
    source_url = WebURLField(
        "source URL",
        max_length=2000,
        blank=True,
        help_text="The article's address on the site it was imported from.",
    )
    # Google and Yoast's rule for syndicated articles: the copy names the original as
    # canonical, so that search engines index the original, while what is shared (og:url)
    # and the page's structured data stay this page's.
    canonical_url = WebURLField(
        "canonical URL",
        max_length=2000,
        blank=True,
        help_text="Only for an article first published elsewhere: the original's address, "
        "which search engines are told to index instead of this page. Empty for our own "
        "articles.",
    )
    extra_metadata = models.JSONField(
        default=dict,
        blank=True,
        help_text="Imported fields this site has no column for, kept as they were.",
    )
    # Feed readers tell items apart by this id: were it the address, a new slug would
    # show the article again as a new item.
    feed_id = models.CharField(
        max_length=300,
        default=new_feed_id,
        editable=False,
        help_text="The article's id in feeds, which never changes: a urn:uuid:, or for "
        "articles that were in feeds before ids were kept, the address (a path) they had then.",
    )
    import_checksum = models.CharField(max_length=64, blank=True, editable=False)
    imported_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Filled by a PostgreSQL trigger (migrations 0003, 0006) with SEARCH_CONFIG; unused on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Stamped by save(), not auto_now, so that an import can stamp imported_at with the
    # very same instant in the same write.
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    # Readers' "Updated" time, moved only by an editor's update or correction (or an
    # import that changes a public article), never by a save alone.
    updated_publicly_at = models.DateTimeField(
        "last update shown to readers",
        null=True,
        blank=True,
        editable=False,
        help_text="The “Updated” time on the page and dateModified: set by an update or a "
        "correction, not by a minor fix.",
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        get_latest_by = "published_at"
        permissions = [("publish_article", "Can publish, unpublish and edit published articles")]
        constraints = [
            models.UniqueConstraint(
                fields=["source_url"],
                condition=~Q(source_url=""),
                name="unique_article_source_url",
            ),
            models.UniqueConstraint(fields=["feed_id"], name="unique_article_feed_id"),
        ]
        indexes = [
            models.Index(fields=["status", "published_at"], name="article_public_idx"),
            # A section's front and its related stories: its latest articles.
            models.Index(
                fields=["section", "status", "published_at"], name="article_section_public_idx"
            ),
            # Public listings in their order, the id as tie-break: a page (and a deep
            # page's OFFSET, which pagination.py keeps to this index alone) needs no sort
            # and reads no row it does not show.
            models.Index(
                fields=["published_at", "id"],
                condition=Q(status="published"),
                name="article_published_order_idx",
            ),
            # The latest public update (the sitemaps' lastmod): a lookup, not a scan.
            models.Index(
                fields=["updated_publicly_at"],
                condition=Q(status="published", updated_publicly_at__isnull=False),
                name="article_public_update_idx",
            ),
        ]

    def __str__(self):
        return self.display_headline

    def save(self, *, tags=None, authors=None, imported=False, **kwargs):
        """Save through the one write path (models/writing.py), with exactly `tags` (Tag
        instances) and `authors` (Authors, or (Author, role) pairs, in order) when given;
        `imported=True` marks the importer's own write."""
        write_articles(
            [ArticleWrite(self, tags=tags, authors=authors)], imported=imported, **kwargs
        )

    def get_absolute_url(self):
        return slug_address("articles:detail", self.slug)

    def saved(self, *, moved_from: str | None, using):
        """What follows the write of this article's row, in its transaction (the one write
        path calls it): a new slug keeps the old address leading here (FormerSlug), and
        withdrawing revokes the reviewer links, for good (a link must not come back to life
        if the article returns to draft)."""
        if moved_from is not None:
            FormerSlug.objects.using(using).record_move(self, moved_from)
        if self.status == self.Status.WITHDRAWN:
            PreviewLink.objects.using(using).filter(article=self).revoke()
        self._stored_slug = self.slug

    def delete(self, using=None, keep_parents=False):
        using = using or router.db_for_write(type(self), instance=self)
        with deleting([self.pk], using=using):
            return super().delete(using=using, keep_parents=keep_parents)

    @classmethod
    def from_db(cls, db, field_names, values):
        article = super().from_db(db, field_names, values)
        # As stored: a change of status is told from an edit, a move from a slug's edit.
        article._stored_status = article.__dict__.get("status")
        if "slug" in field_names:
            article._stored_slug = article.slug
        return article

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        if fields is None or "status" in fields:
            self._stored_status = self.status
        if fields is None or "slug" in fields:
            self._stored_slug = self.slug

    def slug_left(self, update_fields) -> str | None:
        """The slug a save of this article moves it away from, if any."""
        if self._state.adding or (update_fields is not None and "slug" not in update_fields):
            return None
        stored = getattr(self, "_stored_slug", None)
        if stored is None:  # read with the slug deferred
            stored = Article.objects.filter(pk=self.pk).values_list("slug", flat=True).first()
        return stored if stored and stored != self.slug else None

    def prepare_to_save(self, *, imported=False):
        """What the write path does to an article before writing it.

        An imported article keeps imported_at == updated_at until someone edits it.
        """
        if not self.slug:
            self.slug = slugify(self.display_headline)[:255] or "article"
        self.body_html = render_markdown(self.body)
        self.updated_at = timezone.now()
        if imported:
            self.imported_at = self.updated_at

    def byline_lines(self):
        """What the byline says, a line a role: [(prefix, [Author…], text after)…]: "By"
        the authors then the byline text, then "Photographs by"… Without authors, the
        byline text is the byline ("By staff and agencies"). No query when prefetched
        (for_listing(), for_detail())."""
        roles = {role: [] for role in ArticleAuthor.Role}
        for byline in self.bylines.all():
            roles[byline.role].append(byline.author)
        lines = [
            [ArticleAuthor.CREDIT_PREFIX[role], authors, ""]
            for role, authors in roles.items()
            if authors
        ]
        if self.byline:
            if roles[ArticleAuthor.Role.AUTHOR]:
                lines[0][2] = self.byline
            else:
                lines.insert(
                    0, [ArticleAuthor.CREDIT_PREFIX[ArticleAuthor.Role.AUTHOR], [], self.byline]
                )
        return [tuple(line) for line in lines]

    def credited(self, role=None):
        """The authors the article credits (in `role` only, when given), in order."""
        return [byline.author for byline in self.bylines.all() if role in (None, byline.role)]

    def shown_corrections(self):
        """Its corrections, newest first: none, without a query, when it was read by
        for_detail() and has none."""
        if getattr(self, "has_corrections", True) is False:
            return []
        return list(self.corrections.all())

    @property
    def display_headline(self):
        return self.headline or self.title

    @property
    def display_title(self):
        """The title of the page (<title>, search results): the headline when empty."""
        return self.title or self.headline

    @property
    def display_social_title(self):
        return self.social_title or self.title or self.headline

    @property
    def display_description(self):
        return self.description or self.lede

    @property
    def display_social_description(self):
        return self.social_description or self.display_description

    @property
    def is_public(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def status_label(self):
        return "Scheduled" if self.is_scheduled else self.get_status_display()

    def clean(self):
        errors = {}
        if not (self.headline or self.title):
            # Either will do: each falls back to the other.
            errors["headline"] = "Write a headline or a title."
        if self.status == self.Status.PUBLISHED:
            errors = {**self.publishing_errors(), **errors}
        if errors:
            raise ValidationError(errors)

    def publishing_errors(self):
        """What must be fixed before the article can go public, by field."""
        errors = {}
        if not (self.headline or self.title):
            errors["headline"] = "A published article needs a headline or a title."
        if not self.body.strip():
            errors["body"] = "A published article needs a body."
        if self.published_at is None:
            errors["published_at"] = "A published article needs a publication time."
        # The figure itself, not its id: the importer checks articles before saving them.
        if self.lead_figure and not self.lead_figure.alt_text.strip():
            errors["lead_figure"] = "The lead figure needs alt text before publishing."
        return errors

    # Publishing: the one way an article changes status (admin actions, the change form
    # and the importer all come here). With save=False the caller writes it.

    def publish(self, at=None, *, save=True):
        """Make the article public at `at`, else at its own publication time, else now; a
        time to come schedules it. Returns False if it was published at that time already.

        Raises CannotPublish, naming each field that stands in the way, and then changes
        nothing.
        """
        previous = self.published_at
        self.published_at = at or previous or timezone.now()
        errors = self.publishing_errors()
        if errors:
            self.published_at = previous
            raise CannotPublish(errors)
        if self._is_stored_as(self.Status.PUBLISHED) and self.published_at == previous:
            return False
        self.status = self.Status.PUBLISHED
        if save:
            self.save()
        return True

    def withdraw(self, *, save=True):
        """Take the article off the site: its page then answers 410 Gone. Returns False if
        it was withdrawn already."""
        return self._set_status(self.Status.WITHDRAWN, save)

    def return_to_draft(self, *, save=True):
        """Make the article a draft again (a scheduled one keeps its time for later).
        Returns False if it was a draft already."""
        return self._set_status(self.Status.DRAFT, save)

    def change_status(self, status, *, at=None, save=True):
        """publish(at), withdraw() or return_to_draft(), by the status wanted."""
        if status == self.Status.PUBLISHED:
            return self.publish(at, save=save)
        if status == self.Status.WITHDRAWN:
            return self.withdraw(save=save)
        if status == self.Status.DRAFT:
            return self.return_to_draft(save=save)
        raise ValueError(f"{status!r} is not a status")

    def _is_stored_as(self, status):
        """Whether the article holds `status` and the database does too."""
        return self.status == status and getattr(self, "_stored_status", None) == status

    def _set_status(self, status, save):
        if self._is_stored_as(status):
            return False
        self.status = status
        if save:
            self.save()
        return True

    # Changes to a live article: what readers are told of them.

    def mark_updated(self, at=None):
        """Tell readers the article changed: its "Updated" time and dateModified move to
        `at`, else now. Written by the next save."""
        self.updated_publicly_at = at or timezone.now()

    def save_change(self, kind, *, note="", by=None, tags=None):
        """Save an edit of the live article as `kind` (a ChangeKind) tells readers: a minor
        fix moves no date; an update moves "Updated" to now; a correction does too, and
        publishes `note`, by `by`, in the article's corrections. Returns the Correction,
        if any."""
        using = router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            if kind != ChangeKind.MINOR_FIX:
                self.mark_updated()
            self.save(tags=tags)
            if kind != ChangeKind.CORRECTION:
                return None
            correction = Correction(
                article=self, text=note, published_at=self.updated_publicly_at, created_by=by
            )
            correction.full_clean(exclude=["article", "created_by"])
            correction.save(using=using)
            return correction

    def restore(self, revision) -> bool:
        """Write a revision's content (not its status, time or slug) again, as a new
        revision; False when the article holds it already. Raises CannotPublish, changing
        nothing, when the old content could not stay published (or scheduled) as it is."""
        if revision.article_id != self.pk:
            raise ValueError(f"Revision {revision.pk} is not one of this article's.")
        tags = self.take_content(revision.snapshot)
        authors = self.authors_in(revision.snapshot)
        with acting_as(origin=f"restore of revision {revision.pk}", kind=RESTORED) as work:
            self.save(tags=tags, authors=authors)
        return bool(work.recorded)

    def take_content(self, snapshot, *, leaving=NOT_RESTORED, check=True):
        """Hold what a snapshot in the revisions' format holds (but the fields named in
        `leaving`), unsaved; its tags, as Tags to save with it (made if need be). Raises
        CannotPublish, back to what the database holds, when that content could not stay
        published (or scheduled) as it is (unless `check` is false: a form shows it)."""
        for name in SNAPSHOT_FIELDS:
            if name not in leaving and name in snapshot:
                setattr(self, self._meta.get_field(name).attname, snapshot[name])
        for name, empty in HELD_WHEN_SET.items():
            if name not in leaving:
                setattr(self, name, snapshot.get(name, empty))
        if "published_at" not in leaving and isinstance(self.published_at, str):
            self.published_at = datetime.fromisoformat(self.published_at)
        figure_id = snapshot.get("lead_figure")
        if figure_id and not Figure.objects.filter(pk=figure_id).exists():
            self.lead_figure = None  # deleted since
        if not check:
            return None
        errors = self.publishing_errors() if self.status == self.Status.PUBLISHED else {}
        if errors:
            self.refresh_from_db()
            raise CannotPublish(errors)
        # By name, as the snapshot has them (a tag renamed since comes back by its old name).
        return [
            Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
            for name in snapshot.get(TAGS, [])
        ]

    @staticmethod
    def authors_in(snapshot):
        """The authors a snapshot credited, in order with their roles (one deleted since is
        left out); None for a snapshot from before authors were recorded (leave them)."""
        if AUTHORS not in snapshot:
            return None
        by_pk = Author.objects.in_bulk([line["author"] for line in snapshot[AUTHORS]])
        return [
            (by_pk[line["author"]], line["role"])
            for line in snapshot[AUTHORS]
            if line["author"] in by_pk
        ]

    def publishing_warnings(self):
        """Softer problems an editor should see before publishing."""
        warnings = []
        if len(self.display_title) > TITLE_MAX:
            warnings.append(
                f"The title is {len(self.title)} characters; search engines cut it after "
                f"about {TITLE_MAX}."
                if self.title
                else f"The headline, which stands in for the empty title, is "
                f"{len(self.headline)} characters; search engines cut a title after about "
                f"{TITLE_MAX}. Add a shorter title."
            )
        if not DESCRIPTION_MIN <= len(self.description) <= DESCRIPTION_MAX:
            warnings.append(
                f"The description is {len(self.description)} characters; "
                f"{DESCRIPTION_MIN}–{DESCRIPTION_MAX} works best in search results."
            )
        if len(self.social_title) > SOCIAL_TITLE_MAX:
            warnings.append(
                f"The social title is {len(self.social_title)} characters; networks cut it "
                f"after about {SOCIAL_TITLE_MAX}."
            )
        figure = self.lead_figure if self.lead_figure_id else None
        if figure and figure.width and figure.width < LEAD_IMAGE_MIN_WIDTH:
            warnings.append(
                f"The lead image is {figure.width} pixels wide; large previews need at least "
                f"{LEAD_IMAGE_MIN_WIDTH}."
            )
        if figure and figure.alt_text.strip() and figure.alt_text.strip() == figure.caption.strip():
            warnings.append(
                "The lead figure's alt text repeats its caption; describe the image instead."
            )
        if shown := markup_shown_as_text(self.body):
            listed = ", ".join(
                f"“{markup}” (line {line})" for line, markup in shown[:SHOWN_MARKUP_LISTED]
            )
            if len(shown) > SHOWN_MARKUP_LISTED:
                listed += f" and {len(shown) - SHOWN_MARKUP_LISTED} more"
            warnings.append(
                f"The body has HTML that readers will see as text, as written: {listed}. "
                "Delete it, or put it in `backticks` to show code."
            )
        return warnings

    def search_snippet(self, terms):
        """The excerpt of the body shown under the article in search results for `terms`
        (safe HTML): around PostgreSQL's choice when the article came from search() there,
        else around the first of the words."""
        text = snippets.text_of_html(self.body_html)
        excerpt = getattr(self, "body_excerpt", None)
        if excerpt is not None:
            return snippets.around_excerpt(text, excerpt)
        return snippets.around_words(text, search_words(" ".join(terms.split())))
