"""What public pages show of an article, made once per change and stored beside it: the
article page's head and body, its card, and its item in feeds (articles/fragments.py makes
them).

A row is fresh when its `fingerprint` is that of the code, templates and settings that
make fragments now (fragments.fingerprint()); every write that reaches what the article
shows marks it stale, in the write's own transaction (mark_stale(), on
changes.article_changing), and moves its `version` on. A fragment made from what was read
is stored only if the version is still the one read before reading it (store()): one
made from data a write has changed since can never be stored as fresh.
"""

from django.db import DatabaseError, connections, models, transaction

KINDS = ("page", "card", "feed")


class ArticleFragmentsQuerySet(models.QuerySet):
    def mark_stale(self, article_ids, *, new=False):
        """Stale, with a new version, the rows of these articles; a row made for any that
        has none (ids of no article are passed over). `new`: articles just inserted, which
        no one else can see yet, so have no row. One query when every row is there."""
        article_ids = sorted(set(article_ids))
        if new:
            self.bulk_create(
                [self.model(article_id=pk) for pk in article_ids],
                ignore_conflicts=True,
                batch_size=500,
            )
            return
        if self._move_on(article_ids) == len(article_ids):
            return
        # Made outside the write path (rows loaded in bulk): rows inserted, then moved on
        # again, so that one another process inserted meanwhile is moved on as well.
        article = self.model._meta.get_field("article").related_model
        without = article._base_manager.using(self.db).filter(
            pk__in=article_ids, fragments__isnull=True
        )
        missing = list(without.values_list("pk", flat=True))
        self.bulk_create(
            [self.model(article_id=pk) for pk in missing], ignore_conflicts=True, batch_size=500
        )
        self._move_on(missing)

    def _move_on(self, article_ids):
        moved = 0
        for start in range(0, len(article_ids), 500):
            moved += self.filter(article_id__in=article_ids[start : start + 500]).update(
                fingerprint="", version=models.F("version") + 1
            )
        return moved

    def store(self, article_id, version, fingerprint, parts):
        """Keep these parts (a value for each of KINDS) as the article's fragments if its
        row is still at `version` (read before what they were made of). Never waits for a
        row a write holds: the fragments are then made again next time. Returns whether
        they were kept."""
        connection = connections[self.db]
        try:
            with transaction.atomic(using=self.db):
                unlocked = self.filter(article_id=article_id, version=version)
                if connection.features.has_select_for_update_skip_locked:
                    unlocked = unlocked.select_for_update(skip_locked=True)
                return bool(
                    self.filter(pk__in=unlocked.values("pk")).update(
                        fingerprint=fingerprint, **parts
                    )
                )
        except DatabaseError:
            # SQLite busy with a long write (an import): the page is made all the same.
            return False


class ArticleFragments(models.Model):
    article = models.OneToOneField(
        "articles.Article",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="fragments",
    )
    # Of the code, templates and settings the parts were made with; "" while stale.
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    version = models.PositiveBigIntegerField(default=0)
    # One column a kind, each read alone: a listing's cards, not the bodies of its pages.
    page = models.JSONField(default=dict, blank=True)
    card = models.JSONField(default=dict, blank=True)
    feed = models.JSONField(default=dict, blank=True)

    objects = ArticleFragmentsQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "article fragments"

    def __str__(self):
        return f"Fragments of article {self.article_id}"
