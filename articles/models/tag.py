"""Tags: our own Tag model (taggit's pattern for custom tags), so that the database holds
the rules every tag must keep, and the through table that keeps an article's tags in the
order the editor gave them."""

import hashlib
from dataclasses import dataclass

from anyascii import anyascii
from django.conf import settings
from django.contrib.redirects.models import Redirect
from django.db import models, router, transaction
from django.db.models import Case, Count, Exists, Min, OuterRef, Q, Subquery, Value, When
from django.urls import reverse
from django.utils.text import slugify
from taggit.models import ItemBase, NaturalKeyManager, TagBase

from ..changes import Change, announce, announced_together
from .addresses import slug_address
from .fields import reject_control_characters

TAG_NAME_MAX = 100
TAG_SLUG_MAX = 100
SLUG_SUFFIX_ROOM = len("_9999999")
REDIRECT_PATH_MAX = Redirect._meta.get_field("old_path").max_length


def tag_slug(name: str, suffix: str = "") -> str:
    """The slug of a tag's address, never empty, within TAG_SLUG_MAX with a `suffix` of
    up to SLUG_SUFFIX_ROOM characters.

    Letters of any script stay as they are ("Україна" → "україна", as public addresses
    always had them); a name with none (flags, emoji, punctuation) is transliterated
    ("🇺🇦" → "ua") or, when even that spells nothing ("!!!"), named by a hash of the name:
    stable, and distinct per name.
    """
    slug = (
        slugify(name, allow_unicode=True)
        or slugify(anyascii(name))
        or "tag-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    )
    # Cut to the same length whatever the suffix: taggit looks for a free suffix among
    # the slugs that start with the unsuffixed one. slugify() strips "-" and "_" from
    # both ends, so the cut keeps at least a letter.
    return slug[: TAG_SLUG_MAX - SLUG_SUFFIX_ROOM].rstrip("-_") + suffix


@dataclass(frozen=True)
class TagMerge:
    tag: "Tag"
    merged: list[str]  # the names of the tags merged into `tag`, now deleted
    articles: int  # articles whose tags changed


def _announce_retagged(tags, using):
    """Announce the articles carrying these tags (a queryset or a list) as retagged: one
    query, whatever the number of tags."""
    carrying = TaggedArticle.objects.using(using).filter(tag__in=tags)
    announce(
        Change.TAGS_CHANGED,
        carrying.order_by().values_list("content_object_id", flat=True).distinct(),
        using=using,
    )


class TagQuerySet(models.QuerySet):
    def delete(self):
        with announced_together(self.db), transaction.atomic(using=self.db, savepoint=False):
            _announce_retagged(self, self.db)
            return super().delete()

    def with_article_counts(self):
        return self.annotate(article_count=Count("articles_taggedarticle_items"))

    def merge_into(self, name: str) -> TagMerge:
        """Every article carrying one of these tags carries the tag `name` instead, once,
        where the first of them stood; the other tags are deleted. One transaction.

        `name` is matched regardless of case (an existing tag then takes the spelling
        given) or made; it may be one of these tags.
        """
        with transaction.atomic(using=self.db):
            tags = self.model._default_manager.using(self.db)
            target = tags.filter(name=name).first() or tags.filter(name__iexact=name).first()
            if target is None:
                target = tags.create(name=name)
            elif target.name != name:
                target.name = name
                target.save(update_fields=["name"])
            sources = [tag for tag in self if tag.pk != target.pk]
            source_ids = [tag.pk for tag in sources]
            # The taggings are rewritten in place, for speed at any size: the articles
            # carrying them are announced here, as the one write path would.
            _announce_retagged(source_ids, self.db)
            taggings = TaggedArticle.objects.using(self.db)
            carrying = taggings.filter(tag__in=source_ids).values("content_object")
            articles = carrying.distinct().count()
            # Articles that already carry the target keep that tagging, moved to where
            # the first of their merged tags stood.
            first_position = (
                taggings.filter(
                    content_object=OuterRef("content_object"), tag__in=[target.pk, *source_ids]
                )
                .order_by()
                .values("content_object")
                .annotate(first=Min("position"))
                .values("first")
            )
            taggings.filter(tag=target, content_object__in=carrying).update(
                position=Subquery(first_position)
            )
            # The others keep their first tagging among the merged tags, which takes the
            # target (one row an article, where none had it: the (article, tag)
            # constraint holds throughout).
            earlier = taggings.filter(
                Q(position__lt=OuterRef("position"))
                | Q(position=OuterRef("position"), pk__lt=OuterRef("pk")),
                content_object=OuterRef("content_object"),
                tag__in=source_ids,
            )
            taggings.filter(tag__in=source_ids).exclude(
                content_object__in=taggings.filter(tag=target).values("content_object")
            ).exclude(Exists(earlier)).update(tag=target)
            # The taggings not kept go with their tags.
            tags.filter(pk__in=source_ids).delete()
            _redirect_addresses(sources, target)
        return TagMerge(tag=target, merged=[tag.name for tag in sources], articles=articles)


def _redirect_addresses(tags, target):
    """The pages and feeds of merged tags answer with a 301 to the surviving tag's (a new
    tag of the same slug would take its address back: redirects only answer a 404)."""
    moves = {}
    for tag in tags:
        for name in ("articles:tag", "articles:tag_feed_rss", "articles:tag_feed_atom"):
            old, new = (reverse(name, kwargs={"slug": t.slug}) for t in (tag, target))
            # A path too long for the table (a long slug in another script) is left out.
            if len(old) <= REDIRECT_PATH_MAX and len(new) <= REDIRECT_PATH_MAX:
                moves[old] = new
    redirects = Redirect.objects.filter(site_id=settings.SITE_ID)
    # Redirects that led to a merged tag lead to the survivor: no chains.
    redirects.filter(new_path__in=moves).update(
        new_path=Case(*(When(new_path=old, then=Value(new)) for old, new in moves.items()))
    )
    redirects.bulk_create(
        [
            Redirect(site_id=settings.SITE_ID, old_path=old, new_path=new)
            for old, new in moves.items()
        ],
        update_conflicts=True,
        unique_fields=["site", "old_path"],
        update_fields=["new_path"],
    )


class TagManager(NaturalKeyManager.from_queryset(TagQuerySet)):
    pass


class Tag(TagBase):
    name = models.CharField(
        "name", max_length=TAG_NAME_MAX, unique=True, validators=[reject_control_characters]
    )
    slug = models.SlugField(
        "slug",
        max_length=TAG_SLUG_MAX,
        unique=True,
        allow_unicode=True,
        help_text="The tag's address, /tags/<slug>/. Made from the name when left empty; "
        "changing it changes the address.",
    )

    objects = TagManager()

    class Meta:
        verbose_name = "tag"
        verbose_name_plural = "tags"
        constraints = [
            # An empty slug makes no address: every page linking the tag would fail.
            models.CheckConstraint(condition=~Q(slug=""), name="tag_slug_not_empty"),
        ]

    def get_absolute_url(self):
        return slug_address("articles:tag", self.slug)

    def delete(self, using=None, keep_parents=False):
        using = using or router.db_for_write(type(self), instance=self)
        with announced_together(using), transaction.atomic(using=using, savepoint=False):
            _announce_retagged([self.pk], using)
            return super().delete(using=using, keep_parents=keep_parents)

    def slugify(self, tag, i=None):
        """taggit's save() asks for the slug of a new tag, and again with `i` = 1, 2…
        while the slug is taken."""
        return tag_slug(tag, "" if i is None else f"_{i}")


class TaggingManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().select_related("tag")


class TaggedArticle(ItemBase):
    tag = models.ForeignKey(
        Tag, on_delete=models.CASCADE, related_name="%(app_label)s_%(class)s_items"
    )
    content_object = models.ForeignKey("Article", on_delete=models.CASCADE)
    position = models.PositiveIntegerField(
        default=0, help_text="Where the tag stands among the article's tags, from 0."
    )

    objects = models.Manager()
    # Deletion (and the admin's "are you sure?" page, which prints every tagging as
    # "<article> tagged with <tag>") reads rows through the base manager: with their
    # tags joined, that is one query however many tags the articles carry.
    with_tags = TaggingManager()

    class Meta:
        base_manager_name = "with_tags"
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="unique_article_tag"),
        ]
