"""Who may change what readers see, checked on the server for every admin path (forms,
actions, deletion), not only by hiding controls.

Editors hold `articles.publish_article` and may touch everything. Writers may change or
delete an article only while it is a draft, and a figure or credit only while no article
past draft shows it: otherwise editing the figure would change a published page. Only
Editors merge tags, which changes every article carrying them.
"""


class DraftsOnlyForWritersMixin:
    def has_publish_permission(self, request):
        return request.user.has_perm("articles.publish_article")

    def _may_touch(self, request, obj):
        if obj is None or self.has_publish_permission(request):
            return True
        # A page asks several times about the object it shows: one query is enough.
        if not hasattr(obj, "_past_draft"):
            obj._past_draft = obj.is_past_draft()
        return not obj._past_draft

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_touch(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_touch(request, obj)


class TagMergingForEditorsMixin:
    def has_merge_permission(self, request):
        """Merging retags every article carrying the tags, published ones too, and deletes
        tags: Editors only."""
        return request.user.has_perms(
            ["articles.publish_article", "articles.change_tag", "articles.delete_tag"]
        )
