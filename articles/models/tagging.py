"""An article's tags, in the order the editor gave them, through the one write path: they
are written by write_articles() whichever way they are set (`article.tags.set()`, `add()`,
`remove()`, `clear()`, the admin form), and renaming or deleting a tag announces the
articles that carry it (a deletion, in Tag.delete() and TagQuerySet.delete())."""

from django.db.models.signals import post_save
from django.dispatch import receiver
from taggit.managers import TaggableManager, _TaggableManager, require_instance_manager

from ..changes import Change, announce_shown
from .tag import Tag
from .writing import ArticleWrite, write_articles


class OrderedTagsManager(_TaggableManager):
    """One article's tags (`article.tags`, django-taggit's `manager=` option), written
    through write_articles() instead of row by row: set() in the order given, add() after
    the others."""

    @require_instance_manager
    def set(self, tags, *, through_defaults=None, **kwargs):
        self._write(self._to_tag_model_instances(tags, kwargs.get("tag_kwargs") or {}))

    @require_instance_manager
    def add(self, *tags, through_defaults=None, tag_kwargs=None, **kwargs):
        self._write([*self._current(), *self._to_tag_model_instances(tags, tag_kwargs or {})])

    @require_instance_manager
    def remove(self, *tags):
        names = set(tags)
        self._write([tag for tag in self._current() if tag.name not in names])

    @require_instance_manager
    def clear(self):
        self._write([])

    def get_queryset(self, extra_filters=None):
        """taggit's, with the article's filter deferred until the query is used, as
        Django's own related managers do it: prefetching tags (`prefetch_related("tags")`)
        asks each article's manager for this queryset only to put the prefetched tags in
        it, and building the filter's join for each article was most of that work (a
        feed of 30 articles built 30 of them)."""
        prefetched = getattr(self.instance, "_prefetched_objects_cache", {})
        if self.instance is None or extra_filters or self.prefetch_cache_name in prefetched:
            return super().get_queryset(extra_filters)
        tags = self.through.tag_model().objects.order_by(*self.ordering)
        tags._defer_next_filter = True
        return tags.filter(**{f"{self.through.tag_relname()}__content_object": self.instance})

    def _current(self):
        self._remove_prefetched_objects()
        return list(self.get_queryset())

    def _write(self, tags):
        write_articles([ArticleWrite(self.instance, tags=tags, tags_only=True)])


class ArticleTags(TaggableManager):
    """taggit's tags field, reading and writing an article's tags in their order."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("manager", OrderedTagsManager)
        kwargs.setdefault(
            "ordering",
            ["articles_taggedarticle_items__position", "articles_taggedarticle_items__pk"],
        )
        super().__init__(*args, **kwargs)

    def value_from_object(self, obj):
        """What a form starts from: the tags in their order (taggit's are in none)."""
        return list(getattr(obj, self.name).all()) if obj.pk else []


@receiver(post_save, sender=Tag)
def announce_renamed_tag(sender, instance, created, using, **kwargs):
    if not created:
        announce_shown(instance, kind=Change.TAGS_CHANGED, using=using)
