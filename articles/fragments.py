"""What public pages show of each article, made once per change and stored with it
(models/fragment.py): the article page's head and body, its card in listings, and its
item in feeds.

An article page made from its stored fragments reads one row and renders one small
template; made from the article, it reads its figure, credit, licence, tags, authors and
corrections and renders a dozen templates (bench/profile_pages.py: most of the page's
CPU). Fragments are made:

- after each write that reaches what the article shows (articles.changes): marked stale
  in the write's transaction, then made again once it is committed (refresh(), for up to
  REFRESH_AT_ONCE articles);
- by the first page that finds them stale or missing (fresh()), which stores them: those
  of a larger change (a renamed section reaching thousands of articles), of rows loaded
  in bulk, and after a deployment;
- for every article by `manage.py make_fragments` (after a bulk load of rows).

Stored fragments are fresh only while the code, templates and settings that made them
are the same (fingerprint()): a deployment that changes any of them makes each fragment
again as pages first ask for it.

Previews never use stored fragments: they are made from the article as it is held
(page_parts()), by the same code and templates.
"""

import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.core.signals import setting_changed
from django.db import router
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from . import feeds
from .changes import Change
from .markup import CARD_PICTURE_SIZES, bylines, escaped, iso8601, picture, shown_date
from .metadata import article_metadata, section_ancestry
from .models import Article, ArticleFragments, Section
from .models.article import RELATED_BY_TAGS, with_corrections_read

# Made again at once after a write, up to this many articles; the rest when first shown.
REFRESH_AT_ONCE = 50

_APP = Path(__file__).resolve().parent
# What fragments are made of besides the rows: change one and every fragment is stale.
MADE_FROM_FILES = (
    _APP,
    settings.BASE_DIR / "templates" / "articles",
)
# The static files' hashed names (the fallback share image's, in Open Graph and feeds),
# once collectstatic has written them.
STATIC_MANIFEST = "staticfiles.json"
MADE_FROM_SETTINGS = (
    "STATIC_ROOT",
    "SITE_URL",
    "SITE_NAME",
    "LANGUAGE_CODE",
    "TIME_ZONE",
    "USE_TZ",
    "STATIC_URL",
    "MEDIA_URL",
    "STORAGES",
)


@functools.cache
def fingerprint() -> str:
    """Of the app's code and article templates (their bytes), the static files' manifest
    and the settings fragments are made with."""
    digest = hashlib.sha256()
    for root in MADE_FROM_FILES:
        for path in sorted(Path(root).rglob("*")):
            if path.suffix in {".py", ".html", ".xml", ".txt"} and "migrations" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    manifest = Path(settings.STATIC_ROOT) / STATIC_MANIFEST
    if manifest.is_file():
        digest.update(manifest.read_bytes())
    for name in MADE_FROM_SETTINGS:
        digest.update(f"{name}={getattr(settings, name, None)!r}".encode())
    return digest.hexdigest()


def _forget_fingerprint(setting, **kwargs):
    if setting in MADE_FROM_SETTINGS:
        fingerprint.cache_clear()


setting_changed.connect(_forget_fingerprint, dispatch_uid="forget_fragments_fingerprint")


# Making them ------------------------------------------------------------------------------


def page_parts(article, sections=None):
    """The article page's parts, for `article` read by for_detail(): its title,
    description and canonical address (text), its <head> metadata and its body (HTML),
    and the ids of the tags its related stories are found by."""
    if sections is None:
        sections = section_ancestry(article)
    meta = article_metadata(article, sections)
    context = {"article": article, "meta": meta, "article_sections": sections}
    return {
        "title": meta.title,
        "description": meta.description,
        "canonical": meta.canonical_url,
        "head": render_to_string("articles/includes/article_head.html", context),
        "body": render_to_string("articles/includes/article_body.html", context),
        "related_tags": [tag.pk for tag in list(article.tags.all())[:RELATED_BY_TAGS]],
    }


def card_parts(article):
    """What a card shows of the article (read by for_fragments() or for_listing()), as
    escaped HTML pieces that shown_card() puts together."""
    figure = article.lead_figure if article.lead_figure_id else None
    has_picture = bool(figure and figure.has_file)
    moment = article.published_at
    return {
        "image": picture(figure, CARD_PICTURE_SIZES, "lazy") if has_picture else "",
        "image_eager": picture(figure, CARD_PICTURE_SIZES, "eager") if has_picture else "",
        "url": escaped(article.get_absolute_url()),
        "headline": escaped(article.display_headline),
        "lede": escaped(article.lede),
        "meta": (
            f"{bylines(article, 'card__byline', link=False)} "
            f'<time datetime="{escaped(iso8601(moment))}">{escaped(shown_date(moment))}</time>'
        ),
    }


def feed_parts(article):
    """The article's item in feeds (articles/feeds.py), for `article` read by
    for_fragments() with its corrections: as each format's generator writes it (XML),
    and its dates, which the feed's own last update is told by."""
    fields = feeds.LatestArticlesFeed().item_fields(article)
    items = {kind.stored_as: kind.item_xml(fields) for kind in feeds.STORED_ITEM_FORMATS}
    return {**items, "pubdate": _iso(fields["pubdate"]), "updateddate": _iso(fields["updateddate"])}


def _iso(moment):
    return moment.isoformat() if moment else None


def make(articles):
    """Every kind of fragment of these articles (read by for_fragments())."""
    articles = with_corrections_read(articles)
    tree = Section.objects.using(articles[0]._state.db).tree() if articles else None
    return {
        article.pk: {
            "page": page_parts(article, section_ancestry(article, tree)),
            "card": card_parts(article),
            "feed": feed_parts(article),
        }
        for article in articles
    }


# Reading them -----------------------------------------------------------------------------


def fresh(articles, *kinds, using=None):
    """These articles (read with_fragments(*kinds)), each with `shown` set to its fragments
    of these kinds: those stored when fresh, else made now (every kind) and stored, in one
    query for all of them."""
    articles = list(articles)
    current = fingerprint()
    stale = {}
    for article in articles:
        stored = _stored(article)
        if stored is not None and stored.fingerprint == current:
            article.shown = {kind: getattr(stored, kind) for kind in kinds}
        else:
            stale[article.pk] = article
    if stale:
        using = using or articles[0]._state.db
        made = make(Article.objects.using(using).filter(pk__in=stale).for_fragments())
        rows = ArticleFragments.objects.using(using)
        for pk, article in stale.items():
            article.shown = {kind: made[pk][kind] for kind in kinds}
            stored = _stored(article)
            if stored is None:
                rows.mark_stale([pk])  # from now on a write moves its version on
            else:
                rows.store(pk, stored.version, current, made[pk])
    return articles


def _stored(article):
    try:
        return article.fragments
    except ArticleFragments.DoesNotExist:
        return None


def refresh(article_ids, using=None):
    """Make again and store the fragments of these articles (committed writes), whatever
    readers are making of them meanwhile: the version is moved on first, so that one
    made from what was read before the write can no longer be stored."""
    rows = ArticleFragments.objects.using(using)
    rows.mark_stale(article_ids)
    fresh(Article.objects.using(using).filter(pk__in=article_ids).with_fragments(), using=using)


def shown_page(parts):
    """The article page's parts (stored, or page_parts()), the HTML ones safe to output
    as they are: our templates made them."""
    return {**parts, "head": SafeString(parts["head"]), "body": SafeString(parts["body"])}


def card_of(article):
    """The card's parts: those fresh() set (read for_cards()), else made from the article."""
    shown = getattr(article, "shown", None) or {}
    return shown.get("card") or card_parts(article)


def shown_card(article, *, loading="lazy", snippet=""):
    """The card's HTML, from its parts (card_of())."""
    card = card_of(article)
    image = card["image_eager"] if loading == "eager" else card["image"]
    if image:
        image = f'\n  <div class="card__image">\n    {image}\n  </div>\n  '
    if snippet:
        summary = f'\n    <p class="card__snippet">{escaped(snippet)}</p>\n    '
    elif card["lede"]:
        summary = f'\n    <p class="card__lede">{card["lede"]}</p>\n    '
    else:
        summary = ""
    return SafeString(
        f'<article class="card">\n  {image}\n  <div class="card__text">\n'
        f'    <h2 class="card__headline"><a href="{card["url"]}">{card["headline"]}</a></h2>\n'
        f"    {summary}\n"
        f'    <p class="card__meta">{card["meta"]}</p>\n'
        "  </div>\n</article>"
    )


# Keeping them fresh -----------------------------------------------------------------------


def mark_stale_with_the_write(sender, article_ids, kind, using, **kwargs):
    """article_changing: the rows of the articles changed, stale in the write's own
    transaction (a deleted article's go with it)."""
    if kind != Change.DELETED:
        ArticleFragments.objects.using(using).mark_stale(article_ids, new=kind == Change.CREATED)


def make_again_once_committed(sender, article_ids, kind, using, **kwargs):
    """article_changed: the fragments of a few articles changed made again at once, so that
    their pages are fast from the first reader on."""
    if kind != Change.DELETED and len(article_ids) <= REFRESH_AT_ONCE:
        refresh(article_ids, using=using)


def make_all(*, batch_size=200, using=None, stale_only=True, progress=None):
    """Make the fragments of every article (those not fresh, with `stale_only`), in
    batches; returns how many were made."""
    using = using or router.db_for_write(Article)
    articles = Article.objects.using(using).order_by("pk")
    if stale_only:
        articles = articles.exclude(fragments__fingerprint=fingerprint())
    made = 0
    ids = list(articles.values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        refresh(batch, using=using)
        made += len(batch)
        if progress:
            progress(made, len(ids))
    return made
