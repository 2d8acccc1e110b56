import uuid

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.core.exceptions import ValidationError
from django.db import connections, models, router
from django.db.models import Case, F, Func, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from .. import snippets
from ..rendering import markup_shown_as_text, render_markdown
from .addresses import FormerSlug
from .fields import WebURLField, reject_control_characters
from .figure import Figure
from .preview_link import PreviewLink
from .tag import TaggedArticle
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
# figure's credit and licence, and its tags.
SHOWN_THROUGH = {
    "articles.article": "pk",
    "articles.figure": "lead_figure",
    "articles.imagecredit": "lead_figure__credit",
    "articles.license": "lead_figure__credit__license",
    "articles.tag": "tags",
}


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """What a reader may see: the only definition of "public" on the site."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def scheduled(self):
        """Published articles whose time has not come yet."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())

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
        figures (as lead figure), image credits and licences (of the lead figure), or tags."""
        if not objects:
            return self.none()
        path = SHOWN_THROUGH[objects[0]._meta.label_lower]
        return self.filter(**{f"{path}__in": [obj.pk for obj in objects]})

    def for_listing(self):
        return self.select_related("lead_figure__credit__license").prefetch_related(
            "tags", "lead_figure__renditions"
        )

    def for_detail(self):
        return self.for_listing()

    def for_cards(self, *, body_html=False):
        """What a card on the home, tag, archive and search pages shows: headline, lede,
        date and the lead figure's picture; no tags, credit or body (search's excerpts
        need `body_html=True`)."""
        return (
            self.select_related("lead_figure")
            .prefetch_related("lead_figure__renditions")
            .only_shown(body_html=body_html)
        )

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
        postgresql = connections[self.db].vendor == "postgresql"
        if postgresql:
            query = _search_query(terms)
            matches = self.filter(search_vector=query)
        else:
            # SQLite has no full-text index: every word must appear somewhere.
            matches = self.filter(_every_word_somewhere(terms))
        candidates = self.filter(
            pk__in=matches.order_by("-published_at", "-pk").values("pk")[:SEARCH_CANDIDATES]
        )
        if postgresql:
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
        max_length=200,
        blank=True,
        help_text="The author, if credited.",
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
            # Public listings in their order, the id as tie-break: a page (and a deep
            # page's OFFSET, which pagination.py keeps to this index alone) needs no sort
            # and reads no row it does not show.
            models.Index(
                fields=["published_at", "id"],
                condition=Q(status="published"),
                name="article_published_order_idx",
            ),
        ]

    def __str__(self):
        return self.display_headline

    def save(self, *, tags=None, imported=False, **kwargs):
        """Save through the one write path (models/writing.py), with exactly `tags` (Tag
        instances) when given; `imported=True` marks the importer's own write."""
        write_articles([ArticleWrite(self, tags=tags)], imported=imported, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

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
