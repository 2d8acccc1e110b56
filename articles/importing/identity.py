"""Which article a file is, and which slug it may take.

An article is its source URL when it has one, else its slug. The identity columns of every
article are read once per run into an ArticleIndex, so that deciding what to do with a
file costs no query: a re-run of ten thousand unchanged files reads the table once.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F

from ..models import Article
from .parsing import ArticleData

SLUG_VARIANTS = 50
SLUG_MAX = Article._meta.get_field("slug").max_length
# What decides an article's fate, and what the lead figure adds to it: an editor's change
# to the figure is a change to the article.
IDENTITY_COLUMNS = (
    "pk", "slug", "source_url", "import_checksum", "imported_at", "updated_at",
    "lead_figure_id", "figure_updated_at", "figure_image",
)  # fmt: skip
FIGURE_ANNOTATIONS = {
    "figure_updated_at": F("lead_figure__updated_at"),
    "figure_image": F("lead_figure__image"),
}


@dataclass
class KnownArticle:
    """An article's identity columns; Article instances from `locked_article` match it."""

    pk: int
    slug: str
    source_url: str
    import_checksum: str
    imported_at: datetime | None
    updated_at: datetime
    lead_figure_id: int | None
    figure_updated_at: datetime | None
    figure_image: str | None


def edited_since_import(article: KnownArticle | Article) -> bool:
    """Changed in the admin since the importer last wrote it, or never imported at all.

    The importer's own writes leave updated_at == imported_at, its figure saved before
    that; anything later, to the article or to its lead figure, is an editor's.
    """
    if article.imported_at is None:
        return True
    figure_updated_at = article.figure_updated_at
    return article.updated_at > article.imported_at or bool(
        figure_updated_at and figure_updated_at > article.imported_at
    )


def locked_article(pk: int) -> Article | None:
    """The article itself, read afresh and locked for the transaction that rewrites it."""
    articles = Article.objects.select_for_update(of=("self",)).annotate(**FIGURE_ANNOTATIONS)
    return articles.select_related("lead_figure").filter(pk=pk).first()


class ArticleIndex:
    def __init__(self, known: list[KnownArticle]):
        self.by_slug = {article.slug: article for article in known}
        self.by_source_url = {a.source_url: a for a in known if a.source_url}
        # An item whose text has this checksum is this article, unchanged since its import.
        self.by_checksum = {a.import_checksum: a for a in known if a.import_checksum}
        self.reserved: set[str] = set()  # slugs of articles written at a batch's end

    @classmethod
    def load(cls) -> "ArticleIndex":
        rows = Article.objects.annotate(**FIGURE_ANNOTATIONS).values_list(*IDENTITY_COLUMNS)
        return cls([KnownArticle(*row) for row in rows.order_by("pk")])

    def find(self, data: ArticleData) -> KnownArticle | None:
        """The article this file is, if it has been imported (or written) before."""
        if data.source_url:
            return self.by_source_url.get(data.source_url)
        # No source URL: the article with the file's slug, or, when an article with a
        # source URL holds that slug, the suffixed one an earlier run gave this file.
        exact = self.by_slug.get(data.slug)
        if exact is None or exact.source_url == "":
            return exact
        candidates = [self.by_slug.get(slug) for slug in slug_variants(data.slug)[1:]]
        matches = [a for a in candidates if a is not None and a.source_url == ""]
        matches.sort(key=lambda a: a.imported_at is None)
        return matches[0] if matches else None

    def unique_slug(self, base: str, *, own_pk: int | None) -> str:
        """`base`, or `base-2`, `base-3`…: a clash never overwrites another article."""
        for candidate in slug_variants(base):
            if self._free(candidate, own_pk):
                return candidate
        number = SLUG_VARIANTS
        while True:
            number += 1
            candidate = _suffixed(base, number)
            if self._free(candidate, own_pk):
                return candidate

    def reserve(self, slug: str):
        """Hold a slug for an article not yet written."""
        self.reserved.add(slug)

    def remember(self, article: Article, *, old_slug: str | None):
        """Record a write, so later files of the run see it."""
        self.reserved.discard(article.slug)
        previous = self.by_slug.get(old_slug) if old_slug else None
        if previous is not None and previous.pk == article.pk:
            del self.by_slug[old_slug]
            if self.by_checksum.get(previous.import_checksum) is previous:
                del self.by_checksum[previous.import_checksum]
        figure = article.lead_figure
        known = KnownArticle(
            pk=article.pk,
            slug=article.slug,
            source_url=article.source_url,
            import_checksum=article.import_checksum,
            imported_at=article.imported_at,
            updated_at=article.updated_at,
            lead_figure_id=article.lead_figure_id,
            figure_updated_at=figure.updated_at if figure else None,
            figure_image=figure.image.name if figure and figure.image else None,
        )
        self.by_slug[known.slug] = known
        if known.source_url:
            self.by_source_url[known.source_url] = known
        if known.import_checksum:
            self.by_checksum[known.import_checksum] = known

    def _free(self, slug: str, own_pk: int | None) -> bool:
        if slug in self.reserved:
            return False
        holder = self.by_slug.get(slug)
        return holder is None or holder.pk == own_pk


def slug_variants(base: str) -> list[str]:
    """`base`, `base-2` … `base-50`: the slugs a clash may have given an article."""
    return [base] + [_suffixed(base, n) for n in range(2, SLUG_VARIANTS + 1)]


def _suffixed(base: str, number: int) -> str:
    suffix = f"-{number}"
    return base[: SLUG_MAX - len(suffix)] + suffix
