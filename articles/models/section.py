"""Sections: where an article belongs on the site (World › Europe), with a front page of
their own and a place in the site's navigation in the order editors give them.

Sections are few (tens, a few hundred at most), so the whole tree is read in one query
(SectionTree) whenever a page needs more than one section: the navigation, an article's
breadcrumb and a front's descendants all come from it."""

import logging
from dataclasses import dataclass, field

from anyascii import anyascii
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.text import slugify
from redis import RedisError

from ..changes import Change, announce_shown, announced_together
from .addresses import slug_address
from .fields import reject_control_characters

logger = logging.getLogger(__name__)

SECTION_NAME_MAX = 100
SECTION_SLUG_MAX = 100
PATH_SEPARATOR = "/"  # between the sections of a path in an archive file: World/Europe
# What a change to these fields changes on the pages of the section's articles (their
# breadcrumb, section link, JSON-LD and the navigation's order).
SHOWN_FIELDS = ("name", "slug", "parent_id", "position")
# Every public page reads the tree (the navigation): it is kept in the site's cache, shared
# by every server when that is Redis, and forgotten as soon as any section is saved or
# deleted. It is kept as long as pages are (PAGE_CACHE_SECONDS): that bounds what a reader
# racing a section's change could see, and, on a process's own memory (no REDIS_URL), how
# long another worker, which is never told, shows the old sections (a new one's front 404s).
SHARED_TREE_KEY = "sections:tree"


def section_slug(name: str) -> str:
    """The slug made from a section's name, never empty: letters of any script kept,
    transliterated when there are none."""
    slug = slugify(name, allow_unicode=True) or slugify(anyascii(name)) or "section"
    return slug[:SECTION_SLUG_MAX].rstrip("-_")


def reject_path_separator(value):
    if PATH_SEPARATOR in value:
        raise ValidationError(
            f"A section's name cannot hold “{PATH_SEPARATOR}”: archive files write a "
            f"section's place as World{PATH_SEPARATOR}Europe."
        )


@dataclass
class SectionTree:
    """Every section, read once: parents, children and order without another query."""

    sections: list = field(default_factory=list)  # in navigation order

    def __post_init__(self):
        self.by_id = {section.pk: section for section in self.sections}
        self.children = {}
        for section in self.sections:
            self.children.setdefault(section.parent_id, []).append(section)

    def navigation(self):
        """Top-level sections shown in the site's header, in the editors' order."""
        return [section for section in self.children.get(None, []) if section.in_navigation]

    def top_level(self):
        return list(self.children.get(None, []))

    def ancestry(self, section_id) -> list:
        """The section and its ancestors, the top-level one first (World, Europe)."""
        chain, seen = [], set()
        while section_id is not None and section_id in self.by_id and section_id not in seen:
            seen.add(section_id)
            chain.append(self.by_id[section_id])
            section_id = self.by_id[section_id].parent_id
        return chain[::-1]

    def family_ids(self, section_id) -> list[int]:
        """The section's id and those of all its descendants."""
        ids, waiting = [], [section_id]
        while waiting:
            current = waiting.pop()
            if current in ids:
                continue
            ids.append(current)
            waiting += [child.pk for child in self.children.get(current, [])]
        return ids

    def top_level_of(self, section_id):
        chain = self.ancestry(section_id)
        return chain[0] if chain else None


class SectionQuerySet(models.QuerySet):
    def tree(self) -> SectionTree:
        return SectionTree(list(self.order_by("position", "name", "pk")))

    def shared_tree(self) -> SectionTree:
        """The tree as public pages read it: from the site's cache, without a query."""
        try:
            tree = cache.get(SHARED_TREE_KEY)
            if tree is None:
                tree = self.tree()
                cache.set(SHARED_TREE_KEY, tree, settings.PAGE_CACHE_SECONDS)
        except RedisError:  # a cache server down costs the cache, not the page
            tree = self.tree()
        return tree

    def family_ids(self, section_ids) -> list[int]:
        """These sections' ids and their descendants'."""
        tree = self.tree()
        return sorted({pk for section_id in section_ids for pk in tree.family_ids(section_id)})


class Section(models.Model):
    name = models.CharField(
        max_length=SECTION_NAME_MAX,
        validators=[reject_control_characters, reject_path_separator],
    )
    slug = models.SlugField(
        max_length=SECTION_SLUG_MAX,
        unique=True,
        allow_unicode=True,
        help_text="The section's address, /sections/<slug>/; changing it changes the address.",
    )
    parent = models.ForeignKey(
        "self",
        # Deleting a section whose children or articles would silently move changes
        # published pages behind the write path's back: move them first.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The section this one belongs to (World for Europe); empty for a "
        "top-level section.",
    )
    description = models.TextField(
        blank=True,
        help_text="Shown on the section's front and in search results.",
        validators=[reject_control_characters],
    )
    position = models.PositiveIntegerField(
        default=0, help_text="Order in the navigation and among sibling sections: lowest first."
    )
    in_navigation = models.BooleanField(
        "in the navigation",
        default=True,
        help_text="Whether a top-level section is listed in the site's header.",
    )

    objects = SectionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            # An empty slug makes no address: every page linking the section would fail.
            models.CheckConstraint(condition=~Q(slug=""), name="section_slug_not_empty"),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="section_not_its_own_parent"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        """Refuses a parent that would make a cycle; once committed, a change readers see
        (name, slug, parent, position) announces every article showing the section."""
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        if problem := self.parent_problem(using=using):
            raise ValidationError({"parent": problem})
        with announced_together(using), transaction.atomic(using=using, savepoint=False):
            stored = None
            if self.pk is not None:
                stored = (
                    type(self)
                    ._base_manager.using(using)
                    .filter(pk=self.pk)
                    .values(*SHOWN_FIELDS)
                    .first()
                )
            super().save(*args, **kwargs)
            if stored and any(stored[name] != getattr(self, name) for name in SHOWN_FIELDS):
                announce_shown(self, kind=Change.SECTION_CHANGED, using=using)

    def get_absolute_url(self):
        return slug_address("articles:section", self.slug)

    def clean(self):
        super().clean()
        if problem := self.parent_problem():
            raise ValidationError({"parent": problem})

    def parent_problem(self, using=None) -> str:
        """Why the chosen parent cannot be this section's, or ""."""
        if self.parent_id is None or self.pk is None:
            return ""
        if self.parent_id == self.pk:
            return "A section cannot be its own parent."
        chain = Section.objects.using(using).tree().ancestry(self.parent_id)
        if any(section.pk == self.pk for section in chain):
            return (
                f"“{self.parent}” is inside “{self.name}”: a section cannot belong to one "
                "of its own subsections."
            )
        return ""

    def path_names(self, tree: SectionTree | None = None) -> list[str]:
        tree = tree or Section.objects.tree()
        return [section.name for section in tree.ancestry(self.pk)]


@receiver([post_save, post_delete], sender=Section)
def forget_shared_tree(sender, using, **kwargs):
    _forget_shared_tree()
    # Again once committed: a page made meanwhile may have put the old tree back.
    transaction.on_commit(_forget_shared_tree, using=using)


def _forget_shared_tree():
    try:
        cache.delete(SHARED_TREE_KEY)
    except RedisError:
        logger.error(
            "Sections saved while the cache was unavailable: the navigation "
            "may show the old sections for up to %s s",
            settings.PAGE_CACHE_SECONDS,
        )
