"""Who may change what readers see, checked on the server for every admin path (forms,
actions, deletion), not only by hiding controls.

Editors hold `articles.publish_article` and may touch everything. Writers may only touch
drafts: an article while it is a draft, and a figure, credit or tag while no article past
draft shows it (editing it would change a published page). Past draft is
`Article.objects.past_draft()`; what an article shows is `Article.objects.showing()`.
Only Editors merge tags, which changes every article carrying them.

Author profiles: Editors change any and link them to staff accounts; a Writer changes
their own profile, or one no article past draft credits and no other staff account holds.
Only Editors merge tags, which changes every article carrying them, and only Editors edit
or delete corrections, which are public statements (a new one comes with a change to a
public article, which only Editors may make).
"""

from django.core.exceptions import PermissionDenied

from ..models import Article


class DraftsOnlyForWritersMixin:
    def has_publish_permission(self, request):
        return request.user.has_perm("articles.publish_article")

    def is_past_draft(self, obj):
        """Whether an article past draft is `obj` or shows it, as the database has it."""
        # A page asks several times about the object it shows: one query is enough.
        if not hasattr(obj, "_past_draft"):
            obj._past_draft = Article.objects.past_draft().showing(obj).exists()
        return obj._past_draft

    def _may_touch(self, request, obj):
        return obj is None or self.has_publish_permission(request) or not self.is_past_draft(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_touch(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_touch(request, obj)

    def check_may_save(self, request, obj, change):
        """The last line of defence, whatever a form let through: a writer's save leaves
        nothing past draft, and leaves an article a draft."""
        if self.has_publish_permission(request):
            return
        leaves_draft = isinstance(obj, Article) and obj.status != Article.Status.DRAFT
        if leaves_draft or (change and self.is_past_draft(obj)):
            raise PermissionDenied("Only editors can publish or change published articles.")

    def save_model(self, request, obj, form, change):
        self.check_may_save(request, obj, change)
        super().save_model(request, obj, form, change)


class TagMergingForEditorsMixin:
    def has_merge_permission(self, request):
        """Merging retags every article carrying the tags, published ones too, and deletes
        tags: Editors only."""
        return request.user.has_perms(
            ["articles.publish_article", "articles.change_tag", "articles.delete_tag"]
        )


class OwnProfilesForWritersMixin(DraftsOnlyForWritersMixin):
    """Author profiles: a Writer may change their own, or, like any object articles show,
    one no article past draft credits, as long as it is nobody else's; only Editors link
    a profile to a staff account."""

    def _may_touch(self, request, obj):
        if obj is None or self.has_publish_permission(request):
            return True
        if obj.user_id is not None:
            return obj.user_id == request.user.pk
        return not self.is_past_draft(obj)

    def check_may_save(self, request, obj, change):
        if self.has_publish_permission(request):
            return
        stored = type(obj).objects.filter(pk=obj.pk).first() if change else None
        if obj.user_id != (stored.user_id if stored else None) or (
            stored and not self._may_touch(request, stored)
        ):
            raise PermissionDenied("Only editors can change other people's author profiles.")
class EditorsOnlyMixin:
    """Changed and deleted by Editors alone, whatever else the user may change."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and request.user.has_perm(
            "articles.publish_article"
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and request.user.has_perm(
            "articles.publish_article"
        )
