"""The one write path of articles.

Every write of an article, of its tags, of its authors and of a new lead figure comes
through write_articles(): Article.save() does, and so do the tag manager
(`article.tags.set()`…), the admin and the importer, single or batched. Once committed,
each write is announced by `articles.changes.article_changed` (deletions by
ArticleQuerySet.delete() and Article.delete(); edits of figures, credits, licences, tags
and authors by their own saves).

A batch goes the same way: its new articles are inserted together, one statement each
for their figures, themselves, their tags and their authors, and the batch is announced
at once.

In the same transaction each changed article gets a revision (models/revision.py),
credited to whoever is acting (articles/acting.py).
"""

from contextlib import contextmanager
from typing import NamedTuple

from django.db import models, router, transaction

from ..acting import Actor
from ..changes import Change, announce, announced_together
from .autosave import Autosave
from .pending import PendingChange
from .revision import Revision, record_revisions

# Columns whose writing alone changes nothing readers see: such a write is not announced.
BOOKKEEPING = {"updated_at", "imported_at", "import_checksum"}
STATUS_CHANGES = {
    "published": Change.PUBLISHED,
    "withdrawn": Change.WITHDRAWN,
    "draft": Change.RETURNED_TO_DRAFT,
}


class ArticleWrite(NamedTuple):
    article: models.Model
    tags: list | None = None  # Tag instances, exactly; None leaves the tags as they are
    tags_only: bool = False  # the tags or authors alone: the article's row is not written
    # Saved Authors, or (Author, role) pairs, in order; None leaves the authors as they are.
    authors: list | None = None
    by: Actor | None = None  # who wrote it, when not whoever is acting as it is written


def write_articles(writes, *, imported=False, **save_options):
    """Write each article (an Article, or an ArticleWrite to set its tags as well), in one
    transaction, and announce the changes once it is committed.

    Lead figures not saved yet are saved first (those without a new file together).
    Several new articles are inserted in one statement; any other is saved by
    Model.save() with `save_options` (update_fields…). `imported=True` marks the
    importer's own write (see Article.prepare_to_save()).
    """
    writes = [write if isinstance(write, ArticleWrite) else ArticleWrite(write) for write in writes]
    if not writes:
        return
    model = type(writes[0].article)
    using = save_options.get("using") or router.db_for_write(model)
    update_fields = save_options.get("update_fields")
    with announced_together(using), transaction.atomic(using=using, savepoint=False):
        rows = [write.article for write in writes if not write.tags_only]
        changes = [(article, _change_of(article, using, update_fields)) for article in rows]
        _save_new_lead_figures(rows, using)
        new = [article for article in rows if article._state.adding]
        inserted = new if len(new) > 1 and not save_options else []
        for article in rows:
            article.prepare_to_save(imported=imported)
        model.objects.using(using).bulk_create(inserted)
        in_bulk = set(map(id, inserted))
        for article in rows:
            if id(article) not in in_bulk:
                moved_from = article.slug_left(update_fields)
                _save_row(article, save_options)
                article.saved(moved_from=moved_from, using=using)
            if update_fields is None or "status" in update_fields:
                article._stored_status = article.status
        created = set(map(id, new))
        changed_tags = _write_tags(writes, created=created, using=using)
        changed_authors = _write_authors(writes, created=created, using=using)
        kinds = {article.pk: kind for article, kind in changes if kind}
        for pk in changed_tags:
            kinds.setdefault(pk, Change.TAGS_CHANGED)
        for pk in changed_authors:
            kinds.setdefault(pk, Change.AUTHORS_CHANGED)
        record_revisions(writes, kinds, using=using)
        for kind in Change:
            announce(kind, [pk for pk, found in kinds.items() if found == kind], using=using)


@contextmanager
def deleting(article_ids, *, using):
    """Around a deletion of these articles (Article.delete(), ArticleQuerySet.delete()):
    in one transaction with its announcement, their revisions, autosaves and pending
    changes deleted first."""
    with announced_together(using), transaction.atomic(using=using, savepoint=False):
        announce(Change.DELETED, article_ids, using=using)
        for kept in (Revision, Autosave, PendingChange):
            kept.objects.using(using).filter(article_id__in=article_ids).delete()
        yield


def _change_of(article, using, update_fields) -> Change | None:
    """What writing the article as it stands would change, if anything."""
    if article._state.adding:
        return Change.CREATED
    if update_fields is not None and set(update_fields) <= BOOKKEEPING:
        return None
    if update_fields is not None and "status" not in update_fields:
        return Change.EDITED
    stored = getattr(article, "_stored_status", None)
    if stored is None:  # not read from the database, or its status deferred
        rows = type(article)._base_manager.using(using).filter(pk=article.pk)
        stored = rows.values_list("status", flat=True).first()
    return Change.EDITED if stored == article.status else STATUS_CHANGES[article.status]


def _save_row(article, save_options):
    update_fields = save_options.get("update_fields")
    if update_fields is not None and "body" in update_fields:
        save_options = {**save_options, "update_fields": {*update_fields, "body_html"}}
    models.Model.save(article, **save_options)


def _save_new_lead_figures(articles, using):
    """Save the lead figures that are not saved yet: one with a new file by its own save
    (which stores it and makes its renditions), the others in one statement."""
    figures = [article.lead_figure for article in articles if article.lead_figure]
    figures = [figure for figure in figures if figure.pk is None]
    bulk = []
    for figure in figures:
        if figure.image and not figure.image._committed:
            figure.save(using=using)
        else:
            bulk.append(figure)
    if bulk:
        type(bulk[0]).objects.using(using).bulk_create(bulk)


def _write_tags(writes, *, created, using) -> set[int]:
    """Give each article whose write names tags exactly those tags; the ids of the
    articles whose tags changed. Reads the links of existing articles once, deletes and
    inserts in one statement each."""
    tagged = [(write.article, write.tags) for write in writes if write.tags is not None]
    if not tagged:
        return set()
    through = type(tagged[0][0]).tags.through
    links = through.objects.using(using)
    existing = [article.pk for article, _ in tagged if id(article) not in created]
    current: dict[int, dict[int, tuple[int, int]]] = {}  # article → tag → (link, position)
    if existing:
        rows = links.filter(content_object_id__in=existing).values_list(
            "pk", "content_object_id", "tag_id", "position"
        )
        for link, article_id, tag_id, position in rows:
            current.setdefault(article_id, {})[tag_id] = (link, position)
    removed, added, moved, changed = [], [], [], set()
    for article, tags in tagged:
        have = current.get(article.pk, {})
        wanted = {}  # tag → (position, tag): the order given, a repeated tag at its first place
        for position, tag in enumerate(tags):
            wanted.setdefault(tag.pk, (position, tag))
        gone = [link for tag_id, (link, _) in have.items() if tag_id not in wanted]
        new = [(position, tag) for tag_id, (position, tag) in wanted.items() if tag_id not in have]
        placed = [
            through(pk=link, position=wanted[tag_id][0])
            for tag_id, (link, position) in have.items()
            if tag_id in wanted and wanted[tag_id][0] != position
        ]
        if gone or new or placed:
            changed.add(article.pk)
        removed += gone
        moved += placed
        added += [
            through(content_object=article, tag=tag, position=position) for position, tag in new
        ]
        getattr(article, "_prefetched_objects_cache", {}).pop("tags", None)
    if removed:
        links.filter(pk__in=removed).delete()
    if moved:
        links.bulk_update(moved, ["position"])
    links.bulk_create(added)
    return changed


def _write_authors(writes, *, created, using) -> set[int]:
    """Give each article whose write names authors exactly those, in that order and
    with those roles; the ids of the articles whose authors changed. Reads the bylines of
    existing articles once, then deletes, updates and inserts in one statement each."""
    credited = [(write.article, write.authors) for write in writes if write.authors is not None]
    if not credited:
        return set()
    through = type(credited[0][0]).bylines.rel.related_model
    bylines = through.objects.using(using)
    existing = [article.pk for article, _ in credited if id(article) not in created]
    current: dict[int, dict[int, tuple[int, int, str]]] = {}  # article → author → row
    if existing:
        rows = bylines.filter(article_id__in=existing).values_list(
            "pk", "article_id", "author_id", "position", "role"
        )
        for pk, article_id, author_id, position, role in rows:
            current.setdefault(article_id, {})[author_id] = (pk, position, role)
    removed, added, moved, changed = [], [], [], set()
    for article, authors in credited:
        have = current.get(article.pk, {})
        wanted = {}  # author → (position, role, author): a repeated author at its first place
        for author, role in map(_with_role, authors):
            wanted.setdefault(author.pk, (len(wanted), role, author))
        gone = [pk for author_id, (pk, _, _) in have.items() if author_id not in wanted]
        new = [row for author_id, row in wanted.items() if author_id not in have]
        placed = [
            through(pk=have[author_id][0], position=position, role=role)
            for author_id, (position, role, _) in wanted.items()
            if author_id in have and have[author_id][1:] != (position, role)
        ]
        if gone or new or placed:
            changed.add(article.pk)
        removed += gone
        moved += placed
        added += [
            through(article=article, author=author, position=position, role=role)
            for position, role, author in new
        ]
        getattr(article, "_prefetched_objects_cache", {}).pop("bylines", None)
    if removed:
        bylines.filter(pk__in=removed).delete()
    if moved:
        bylines.bulk_update(moved, ["position", "role"])
    bylines.bulk_create(added)
    return changed


def _with_role(author):
    """(author, role) from an Author, whose role is then the default, or from a pair."""
    if isinstance(author, tuple):
        return author
    return author, type(author).bylines.rel.related_model.Role.AUTHOR
