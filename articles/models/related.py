"""Related stories an editor picks for an article, in order (Article.related_picks); the
site fills the rest of the block itself (ArticleQuerySet.related_to). Picks are written by
RelatedArticle.objects.set_picks(), which announces the article's change."""

from django.db import models, transaction
from django.db.models import F, Q

from ..changes import Change, announce, announced_together


class RelatedArticleQuerySet(models.QuerySet):
    def picks_of(self, article) -> list:
        """The articles picked for `article`, in order."""
        links = self.filter(from_article=article.pk).select_related("to_article")
        return [link.to_article for link in links.order_by("position", "pk")]

    def set_picks(self, article, picks):
        """Make `picks` (articles, in order) the editors' related stories of `article`:
        one statement each to remove, move and add; announced as an edit of the article
        when anything changed."""
        wanted = {}
        for pick in picks:
            if pick.pk != article.pk:
                wanted.setdefault(pick.pk, len(wanted))
        with announced_together(self.db), transaction.atomic(using=self.db, savepoint=False):
            current = {
                to_id: (pk, position)
                for pk, to_id, position in self.filter(from_article=article.pk).values_list(
                    "pk", "to_article_id", "position"
                )
            }
            gone = [pk for to_id, (pk, _) in current.items() if to_id not in wanted]
            moved = [
                self.model(pk=pk, position=wanted[to_id])
                for to_id, (pk, position) in current.items()
                if to_id in wanted and wanted[to_id] != position
            ]
            added = [
                self.model(from_article_id=article.pk, to_article_id=to_id, position=position)
                for to_id, position in wanted.items()
                if to_id not in current
            ]
            if gone:
                self.filter(pk__in=gone).delete()
            if moved:
                self.bulk_update(moved, ["position"])
            self.bulk_create(added)
            if gone or moved or added:
                announce(Change.EDITED, [article.pk], using=self.db)


class RelatedArticle(models.Model):
    from_article = models.ForeignKey(
        "Article", on_delete=models.CASCADE, related_name="related_links"
    )
    to_article = models.ForeignKey(
        "Article",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="related story",
        help_text="Shown below the article once it is public.",
    )
    position = models.PositiveIntegerField(default=0, help_text="Lowest first.")

    objects = RelatedArticleQuerySet.as_manager()

    class Meta:
        verbose_name = "related story"
        verbose_name_plural = "related stories"
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_article", "to_article"], name="unique_related_article"
            ),
            models.CheckConstraint(
                condition=~Q(from_article=F("to_article")), name="related_article_not_itself"
            ),
        ]

    def __str__(self):
        return f"{self.from_article} → {self.to_article}"
