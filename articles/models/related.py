"""Related stories an editor picks for an article, in order (Article.related_picks); the
site fills the rest of the block itself (ArticleQuerySet.related_to)."""

from django.db import models
from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from ..changes import Change, announce


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


@receiver(post_save, sender=RelatedArticle)
@receiver(post_delete, sender=RelatedArticle)
def announce_picks_changed(sender, instance, using, **kwargs):
    """The article's page shows its picks: a pick added, moved or removed is an edit."""
    announce(Change.EDITED, [instance.from_article_id], using=using)
