"""Writing parsed article files to the database.

`import_articles()` is what the `import_articles` command calls; `import_article_file()`
does one file. Both return outcomes rather than printing, so tests and other code can
use them directly.

Files are written in batches: one transaction holds up to BATCH_FILES files or
BATCH_SECONDS of work, and the batch's new articles are inserted together at its end
(committing once per file would spend most of an import waiting for the disk). A file
that fails while being written rolls its batch back; the files before it are written
again as a batch, and the failing file alone, in a transaction of its own, so that
nothing of it remains and every other file stands. A run that is killed leaves whole
articles only, and running it again does the rest.
"""

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path

from django.db import DatabaseError, connection, transaction

from ..acting import acting_as
from ..changes import announced_together
from ..media import atomic_with_files
from ..models import (
    Article,
    Author,
    CannotPublish,
    Correction,
    Figure,
    ImageCredit,
    License,
    Section,
    Tag,
    section_slug,
)
from .archive_format import key_name
from .exports import open_export
from .figures import body_figures, can_get_image, get_image, save_figure, store_image
from .identity import ArticleIndex, KnownArticle, edited_since_import, locked_article
from .items import ArticleFile, NotAnArticle
from .new_articles import NewArticles
from .outcomes import FileOutcome, ImportOptions, ImportReport, Result, get_time_zone
from .parsing import ArticleData
from .problems import InvalidArticle, Problem, place
from .redirects import old_paths_of, redirects_to, save_redirects
from .sources import DEFAULT_MAX_BYTES, JSON_VALUE_MAX, find_article_files, is_export_file

logger = logging.getLogger(__name__)

# Part of every checksum: bump it when parsing changes, so the next run re-imports.
# 2: section, category, categories, author and authors are read; 3: static-site
# generators' keys (images, aliases, permalinks), TOML and JSON front matter, .html bodies;
# 4: Jekyll's permalink patterns and space-separated tags, Ghost's lexical and mobiledoc,
# images in bodies become figures, updated times, corrections, canonical addresses.
PARSER_VERSION = "4"
# Files written per transaction, and the longest a batch goes on (SQLite lets no one else
# write meanwhile).
BATCH_FILES = 200
BATCH_SECONDS = 1.0


def import_articles(
    paths: Iterable[str | Path],
    *,
    time_zone: str | None = None,
    status: str = Article.Status.PUBLISHED,
    images_root: str | Path | None = None,
    fetch_images: bool = False,
    fetch_images_from_private_network: bool = False,
    dry_run: bool = False,
    overwrite: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    site_url: str = "",
    max_json_value: int = JSON_VALUE_MAX,
    on_file: Callable[[FileOutcome, int, int], None] | None = None,
) -> ImportReport:
    """Import every article file under `paths`, and every post of the WordPress (WXR) and
    Ghost export files among them; the fate of each file and post is in the report.

    `on_file(outcome, done, total)` is called after each is committed (the command's
    progress bar). Downloads (`fetch_images`) reach public internet addresses only, unless
    `fetch_images_from_private_network` allows the rest too, for an intranet's archive.
    Raises ValueError for bad options (unknown time zone or status...).
    """
    if status not in (Article.Status.DRAFT, Article.Status.PUBLISHED):
        raise ValueError(f"status must be draft or published, not {status!r}")
    if fetch_images_from_private_network and not fetch_images:
        raise ValueError("--fetch-images-from-private-network needs --fetch-images")
    options = ImportOptions(
        time_zone=get_time_zone(time_zone),
        status=status,
        images_root=Path(images_root) if images_root else None,
        fetch_images=fetch_images,
        fetch_images_from_private_network=fetch_images_from_private_network,
        dry_run=dry_run,
        overwrite=overwrite,
        max_bytes=max_bytes,
        site_url=site_url,
        max_json_value=max_json_value,
    )
    files, not_read = find_article_files([paths] if isinstance(paths, str | Path) else paths)
    report = ImportReport(dry_run=dry_run)
    not_read_outcomes = [
        FileOutcome(item.path, Result.FAILED, errors=[item.problem])
        if item.failed
        else FileOutcome(item.path, Result.SKIPPED, note=item.problem.message)
        for item in not_read
    ]
    # Export files are read through once first: what their posts refer to (authors,
    # categories, attachments) and how many there are; a broken one fails before any of
    # its posts is written.
    sources = []
    for path in files:
        if not is_export_file(path):
            sources.append([ArticleFile(path)])
            continue
        try:
            sources.append(open_export(path, options))
        except NotAnArticle as why:
            not_read_outcomes.append(FileOutcome(path, Result.SKIPPED, note=str(why)))
        except InvalidArticle as error:
            not_read_outcomes.append(FileOutcome(path, Result.FAILED, errors=error.problems))
    total = len(not_read_outcomes) + sum(map(len, sources))
    items = chain.from_iterable(sources)
    for outcome in chain(not_read_outcomes, ImportRun(options).import_items(items)):
        report.outcomes.append(outcome)
        if on_file:
            on_file(outcome, len(report.outcomes), total)
    return report


def import_article_file(
    path: Path, *, options: ImportOptions, index: ArticleIndex | None = None
) -> FileOutcome:
    """Read, check and write one file in a transaction of its own. Never raises for bad
    input. `index` is what the run knows of the articles already in the database."""
    return ImportRun(options, index=index).import_item(ArticleFile(Path(path)))


class _RunCache:
    """Licences, credits, tags, sections and authors already fetched this run; emptied
    whenever a write rolls back."""

    def __init__(self):
        self.licenses: dict[tuple, License] = {}
        self.credits: dict[tuple, ImageCredit] = {}
        self.tags: dict[str, Tag] = {}
        self.sections: dict[str, Section] = {}
        self.authors: dict[str, Author] = {}
        self.body_figures: dict[str, Figure] = {}  # by the source the body gives

    def clear(self):
        self.licenses.clear()
        self.credits.clear()
        self.tags.clear()
        self.sections.clear()
        self.authors.clear()
        self.body_figures.clear()


@dataclass
class _ArticleToWrite:
    data: ArticleData
    checksum: str
    known: KnownArticle | None


class _BatchFailed(Exception):
    """A batch rolled back after trying `attempted` files; `at` is the one that failed, or
    None when the batch failed at its end (writing its new articles, or committing)."""

    def __init__(self, attempted: int, at: int | None):
        super().__init__(attempted, at)
        self.attempted = attempted
        self.at = at


class ImportRun:
    """One run of the importer: what it has learnt from one file carries to the next."""

    def __init__(self, options: ImportOptions, *, index: ArticleIndex | None = None):
        self.options = options
        self.cache = _RunCache()
        self.index = index or ArticleIndex.load()
        # identity → where it came from this run (the file, and the post of an export)
        self.seen: dict[str, tuple[Path, str]] = {}
        # old path → the item of this run whose article it redirects to
        self.claimed: dict[str, tuple[Path, str]] = {}

    def import_items(self, items: Iterable) -> Iterator[FileOutcome]:
        """Each item's outcome, once what it wrote is committed. Items are taken from
        `items` a batch at a time: an export of ten thousand posts is never all in memory."""
        # A download may take a minute, and SQLite would hold its write lock all that time;
        # a dry run rolls each file back; bulk inserts must give back primary keys.
        batched = not (self.options.dry_run or self.options.fetch_images) and (
            connection.features.can_return_rows_from_bulk_insert
        )
        items = iter(items)
        pending = []
        while True:
            pending += islice(items, (BATCH_FILES if batched else 1) - len(pending))
            if not pending:
                return
            if batched:
                outcomes = self._import_batch_or_less(pending)
            else:
                outcomes = [self.import_item(pending[0])]
            yield from outcomes
            del pending[: len(outcomes)]

    def import_item(self, item) -> FileOutcome:
        """One item in a transaction of its own; a failure is the outcome, not an exception."""
        outcome = FileOutcome(item.path, item=item.name)
        to_write = self._read(item, outcome)
        if to_write is None:
            return outcome
        try:
            # A rolled-back file takes the image files it wrote with it.
            with announced_together(), atomic_with_files():
                written = self._write(to_write, outcome)
                if self.options.dry_run:
                    transaction.set_rollback(True)
                    self.cache.clear()
            if written and not self.options.dry_run:
                article, old_slug = written
                self.index.remember(article, old_slug=old_slug)
        except BaseException as error:
            self.cache.clear()
            if not isinstance(error, Exception):
                raise  # KeyboardInterrupt and friends: the transaction has rolled back
            self._forget_claims({(item.path, item.name)})
            outcome.errors = _write_errors(item.path, error)
            outcome.result = Result.FAILED
        return outcome

    def _import_batch_or_less(self, items: list) -> list[FileOutcome]:
        """Outcomes of the items from the head of `items` that one batch took (at least one)."""
        try:
            return self._import_batch(items)
        except _BatchFailed as failure:
            self._forget(items[: failure.attempted])
            if failure.at is None:  # no telling which item it was: each goes alone
                return [self.import_item(item) for item in items[: failure.attempted]]
            before = self._import_batch_or_less(items[: failure.at]) if failure.at else []
            if len(before) < failure.at:
                return before  # the batch ran out of time first; the run goes on from there
            return [*before, self.import_item(items[failure.at])]

    def _import_batch(self, items: list) -> list[FileOutcome]:
        new_articles = NewArticles(self.index)
        outcomes: list[FileOutcome] = []
        started = time.monotonic()
        try:
            with announced_together(), atomic_with_files():
                for position, item in enumerate(items):
                    outcome = FileOutcome(item.path, item=item.name)
                    try:
                        to_write = self._read(item, outcome)
                        if to_write is not None:
                            written = self._write(to_write, outcome, new_articles)
                            if written and written[0].pk:  # not left for new_articles
                                article, old_slug = written
                                self.index.remember(article, old_slug=old_slug)
                    except Exception as error:
                        raise _BatchFailed(attempted=position + 1, at=position) from error
                    outcomes.append(outcome)
                    if time.monotonic() - started > BATCH_SECONDS:
                        break
                new_articles.write()
        except BaseException as error:
            self.cache.clear()
            if isinstance(error, Exception) and not isinstance(error, _BatchFailed):
                raise _BatchFailed(attempted=len(outcomes), at=None) from error
            raise
        return outcomes

    def _forget(self, items: list):
        """Unlearn what a rolled-back batch taught the run."""
        self.index = ArticleIndex.load()
        forgotten = {(item.path, item.name) for item in items}
        self.seen = {key: came for key, came in self.seen.items() if came not in forgotten}
        self._forget_claims(forgotten)

    def _forget_claims(self, items: set):
        self.claimed = {path: came for path, came in self.claimed.items() if came not in items}

    def _read(self, item, outcome: FileOutcome) -> _ArticleToWrite | None:
        """The item's article, if there is anything to write; else None, the outcome set.

        Decided without a query: most items of a re-run stop here, and those whose text
        is exactly what the article was last imported from stop before being parsed (a
        post's HTML is not converted again).
        """
        options = self.options
        try:
            text = item.text(options)
            # A run that may bring images over writes what one that may not could not (the
            # figures of the body's images): the same text with images is then not
            # "unchanged" (a run without, after, finds the figures made and writes the same).
            may_bring = options.images_root or options.fetch_images
            brings_images = "images" if may_bring and _may_show_images(text) else ""
            parts = [PARSER_VERSION, options.time_zone.key, options.status, brings_images, text]
            checksum = hashlib.sha256("\0".join(parts).encode()).hexdigest()
            known = self.index.by_checksum.get(checksum)
            if known and _unchanged_since_import(known, options):
                self._seen(item, outcome, known, known.source_url, known.slug, Result.UNCHANGED)
                return None
            data = item.parse(text, options)
        except NotAnArticle as why:
            outcome.result = Result.SKIPPED
            outcome.note = str(why)
            return None
        except InvalidArticle as error:
            outcome.errors = error.problems
            return None
        except Exception as error:  # a bug the item brought out: it fails, the run goes on
            outcome.errors = [_unexpected_error(place(item.path, item.name), error)]
            return None
        outcome.warnings.extend(data.warnings)
        known = self.index.find(data)
        if not self._seen(item, outcome, known, data.source_url, data.slug):
            return None
        if not self._claim_old_paths(item, outcome, data):
            return None
        if known and _nothing_to_write(known, data, checksum, options, outcome):
            return None
        return _ArticleToWrite(data, checksum, known)

    def _seen(self, item, outcome, known, source_url, slug, result=None):
        """Record that the item is the article of this source URL or slug (`known`, when
        it exists), and set `result`; False, with the outcome failed, when another item
        of the run was that article."""
        keys = [source_url or f"slug:{slug}"] + ([f"pk:{known.pk}"] if known else [])
        first = next((self.seen[key] for key in keys if key in self.seen), None)
        if first:
            outcome.result = Result.FAILED
            outcome.errors = [
                Problem(
                    "file" if not item.name else "",
                    f"the same article as {place(*first)} "
                    f"({source_url or 'slug ' + slug}); skipped",
                )
            ]
            return False
        for key in keys:
            self.seen[key] = (item.path, item.name)
        if result:
            outcome.result = result
            outcome.slug = known.slug
        return True

    def _claim_old_paths(self, item, outcome, data) -> bool:
        """Record the old paths the item's article redirects from; False, with the outcome
        failed, when another item of this run claimed one of them. Which of two files an
        old address should lead to is the editor's call: the order files are read in is
        no answer (across runs, the later run's file does win, with a warning)."""
        here = (item.path, item.name)
        paths = {path: key for path, key in old_paths_of(data).items() if path != "/"}
        taken = [
            (path, self.claimed[path]) for path in paths if self.claimed.get(path, here) != here
        ]
        if taken:
            outcome.result = Result.FAILED
            outcome.errors = [
                Problem(
                    key_name(paths[path]),
                    f"{path[:60]!r} is an old address of {place(*other)} too; an old "
                    "address leads to one article: remove it from one of the two; skipped",
                )
                for path, other in taken
            ]
            return False
        for path in paths:
            self.claimed[path] = here
        return True

    def _write(self, to_write, outcome, new_articles=None):
        """Write the article in the current transaction; (article, its old slug), or None
        when there was nothing to write after all. A new article goes to `new_articles`,
        when given, to be inserted with the others at the end of the batch. Its revision
        names the file."""
        with acting_as(origin=f"import of {outcome.path}"):
            return self._write_file(to_write, outcome, new_articles)

    def _write_file(self, to_write, outcome, new_articles):
        # Read again under a lock: an editor may have saved it since the run began.
        known = to_write.known
        existing = locked_article(known.pk) if known else None
        if existing and _nothing_to_write(
            existing, to_write.data, to_write.checksum, self.options, outcome
        ):
            return None
        old_slug = existing.slug if existing else None
        article = _write_article(to_write, existing, self, outcome, new_articles=new_articles)
        return article, old_slug


def _may_show_images(text: str) -> bool:
    return "![" in text or "<img" in text.lower()


def _write_errors(path, error: Exception) -> list[Problem]:
    if isinstance(error, InvalidArticle):
        return error.problems
    if isinstance(error, DatabaseError):
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        why = reason or type(error).__name__
        return [Problem("database", f"{why}; nothing was written for this file")]
    return [_unexpected_error(path, error)]


def _unexpected_error(path, error: Exception) -> Problem:
    logger.exception("Unexpected error importing %s", path)
    return Problem(
        "",
        f"unexpected error ({type(error).__name__}: {error}); nothing was written for this file",
    )


def _unchanged_since_import(known: KnownArticle, options) -> bool:
    """An article that may be left as it is when its item's text has not changed: not
    edited since, and not waiting for a lead figure's image file this run may bring."""
    may_bring_image = options.images_root or options.fetch_images
    missing_image = known.lead_figure_id and not known.figure_image
    return not edited_since_import(known) and not (missing_image and may_bring_image)


def _nothing_to_write(existing, data: ArticleData, checksum, options, outcome) -> bool:
    """True, with the outcome set, for a conflict or an unchanged article.

    `existing` is a KnownArticle from the run's index, or the locked Article itself.
    """
    outcome.slug = existing.slug
    edited = edited_since_import(existing)
    file_changed = existing.import_checksum != checksum
    if edited and not options.overwrite:
        if file_changed:
            outcome.result = Result.CONFLICT
            outcome.note = (
                "never imported: it was created in the admin"
                if existing.imported_at is None
                else "edited in the admin since its last import"
            )
        else:
            # Nothing in the file is new, so nothing would be overwritten: the editor's
            # version simply stands.
            outcome.result = Result.UNCHANGED
            outcome.warnings = []
        return True
    if edited or file_changed:
        return False
    missing_image = existing.lead_figure_id and not existing.figure_image
    if missing_image and can_get_image(data.figure, options):
        return False  # unchanged, but this run may bring the missing image file
    outcome.result = Result.UNCHANGED
    outcome.warnings = []  # said when it was imported; nothing is imported now
    return True


def _write_article(
    to_write: _ArticleToWrite, existing, run: ImportRun, outcome, *, new_articles
) -> Article:
    """Write the file's article (new when `existing` is None); returns it as written, or,
    when `new_articles` takes a new one, as it will be written."""
    data, checksum, options = to_write.data, to_write.checksum, run.options
    if existing and not edited_since_import(existing) and existing.import_checksum == checksum:
        image = get_image(data.figure, options, outcome)
        if image and not options.dry_run:
            store_image(existing.lead_figure, image, data.figure)
            # Stamped after the figure: its new file is the importer's write, not an editor's.
            existing.save(imported=True, update_fields=["updated_at", "imported_at"])
        outcome.result = Result.UPDATED if image else Result.UNCHANGED
        return existing

    article = existing or Article()
    lead_figure = save_figure(
        existing.lead_figure if existing else None,
        data.figure,
        options,
        run.cache,
        outcome,
    )
    # After the lead figure: a body showing the same image shows that figure.
    data.fields["body"] = body_figures(data.body, options, run.cache, outcome)
    was_public = existing is not None and existing.is_public
    changed = [name for name, value in data.fields.items() if getattr(article, name) != value]
    for name, value in data.fields.items():
        setattr(article, name, value)
    article.extra_metadata = data.extra_metadata
    article.import_checksum = checksum
    article.lead_figure = lead_figure
    article.slug = run.index.unique_slug(data.slug, own_pk=article.pk)
    _set_status(article, data.status or options.status, outcome)
    article.section = _section_at(data.section, run.cache)
    if was_public and changed and article.is_public:
        # A re-run that changes what readers see of a public article is an update.
        article.mark_updated()
    _set_updated(article, data)
    tags = _tags_named(data.tags, run.cache)
    authors = _authors_found(data.authors, run.cache)
    redirects = redirects_to(article, data, outcome)
    outcome.slug = article.slug
    outcome.result = Result.UPDATED if existing else Result.CREATED
    if existing is None and new_articles is not None and not data.corrections:
        new_articles.add(article, tags, redirects, authors)
        return article
    # Our own write must not look like an editor's; a new slug keeps the old address.
    article.save(tags=tags, authors=authors, imported=True)
    save_redirects(redirects)
    _add_corrections(article, data.corrections, is_new=existing is None)
    return article


def _set_updated(article: Article, data: ArticleData):
    """The file's update time wins (the old site's own word); a correction it gives, newer
    than the update time the article has, moves it, as a correction made here would."""
    if data.updated_publicly_at is not None:
        article.updated_publicly_at = data.updated_publicly_at
        return
    times = [time for _text, time in data.corrections]
    if article.updated_publicly_at is not None:
        times.append(article.updated_publicly_at)
    if times:
        article.updated_publicly_at = max(times)


def _add_corrections(article: Article, corrections, *, is_new: bool):
    """The file's corrections the article does not have yet. One it has that the file no
    longer gives stays: a published correction is a public record, taken down by an
    editor, never by a re-run."""
    have = set() if is_new else set(article.corrections.values_list("text", "published_at"))
    for text, published_at in corrections:
        if (text, published_at) not in have:
            Correction(article=article, text=text, published_at=published_at).save()
            have.add((text, published_at))


def _set_status(article: Article, status: str, outcome):
    """The file's status, through the article's workflow: one that cannot be published
    as it stands is imported as a draft, with a warning saying why."""
    try:
        if status == Article.Status.PUBLISHED and article.published_at is None:
            # An import never makes up a publication time.
            raise CannotPublish(article.publishing_errors())
        article.change_status(status, save=False)
    except CannotPublish as error:
        article.return_to_draft(save=False)
        why = " ".join(error.messages)
        outcome.warnings.append(Problem("status", f"imported as a draft: {why}"))


def _tags_named(names: list[str], cache: _RunCache) -> list[Tag]:
    """The tags of these names (matched regardless of case), made when new."""
    tags = {}
    for name in names:
        key = name.casefold()
        if key not in cache.tags:
            cache.tags[key] = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(
                name=name
            )
        tags[cache.tags[key].pk] = cache.tags[key]
    return list(tags.values())


def _section_at(names: list[str], cache: _RunCache) -> Section | None:
    """The section at the end of this path (World, Europe): each found by the slug of its
    name, or made under the one before it. An existing section stays where editors put it."""
    section = None
    for name in names:
        slug = section_slug(name)
        if slug not in cache.sections:
            cache.sections[slug] = Section.objects.filter(slug=slug).first() or (
                Section.objects.create(name=name, slug=slug, parent=section)
            )
        section = cache.sections[slug]
    return section


def _authors_found(authors, cache: _RunCache) -> list[tuple[Author, str]]:
    """(Author, role) pairs for the file's authors, found by slug or made; an author's URL
    joins their links when it is new to them (an editor's profile is otherwise left as
    it is)."""
    found = []
    for data in authors:
        author = cache.authors.get(data.slug)
        if author is None:
            author = Author.objects.filter(slug=data.slug).first()
            if author is None:
                author = Author.objects.create(
                    name=data.name, slug=data.slug, links=[data.url] if data.url else []
                )
            cache.authors[data.slug] = author
        if data.url and data.url not in author.links:
            author.links = [*author.links, data.url]
            author.save(update_fields=["links"])
        found.append((author, data.role))
    return found
