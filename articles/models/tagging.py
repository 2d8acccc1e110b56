"""Tags through the one write path: an article's tags are written by write_articles()
whichever way they are set (`article.tags.set()`, `add()`, `remove()`, `clear()`, the
admin form), and renaming or deleting a tag announces the articles that carry it.

Tag is taggit's model, so its own saves and deletions are reached through its signals.
"""

from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver
from taggit.managers import _TaggableManager, require_instance_manager
from taggit.models import Tag

from ..changes import Change, announce_shown
from .writing import ArticleWrite, write_articles


class ArticleTags(_TaggableManager):
    """taggit's manager of an article's tags (django-taggit's `manager=` option), writing
    through write_articles() instead of row by row."""

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

    def _current(self):
        self._remove_prefetched_objects()
        return list(self.get_queryset())

    def _write(self, tags):
        write_articles([ArticleWrite(self.instance, tags=tags, tags_only=True)])


@receiver(post_save, sender=Tag)
def announce_renamed_tag(sender, instance, created, using, **kwargs):
    if not created:
        announce_shown(instance, kind=Change.TAGS_CHANGED, using=using)


@receiver(pre_delete, sender=Tag)
def announce_deleted_tag(sender, instance, using, **kwargs):
    announce_shown(instance, kind=Change.TAGS_CHANGED, using=using)
