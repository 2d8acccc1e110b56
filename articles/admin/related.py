"""Related stories on the article form: Editors pick up to RELATED_MAX, in order, with the
admin's autocomplete; the site chooses the rest (ArticleQuerySet.related_to). Writers hold
no permission on related stories: their form has no such field, so a forged one is ignored."""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import ValidationError

from ..models import Article, RelatedArticle
from ..models.article import RELATED_MAX

FIELD = "related_stories"


class OrderedAutocompleteSelectMultiple(AutocompleteSelectMultiple):
    """The admin's autocomplete, showing the chosen articles in the order given (the
    admin's own lists them in the database's order)."""

    def optgroups(self, name, value, attr=None):
        groups = super().optgroups(name, value, attr)
        order = {str(pk): position for position, pk in enumerate(value)}
        for _, options, _ in groups:
            options.sort(key=lambda option: order.get(str(option["value"]), len(order)))
        return groups


class RelatedStoriesField(forms.ModelMultipleChoiceField):
    """Articles in the order the editor gave them."""

    def __init__(self, admin_site, **kwargs):
        widget = OrderedAutocompleteSelectMultiple(
            Article._meta.get_field("related_picks"), admin_site
        )
        super().__init__(
            Article.objects.all(),
            widget=widget,
            required=False,
            label="Related stories",
            help_text=f"Up to {RELATED_MAX}, shown below the article in this order once they "
            "are public; the site adds the latest from the same section or tags after them.",
            **kwargs,
        )

    def clean(self, value):
        articles = {str(article.pk): article for article in super().clean(value)}
        chosen = [articles[str(pk)] for pk in dict.fromkeys(value or []) if str(pk) in articles]
        if len(chosen) > RELATED_MAX:
            raise ValidationError(f"Pick at most {RELATED_MAX} related stories.")
        return chosen


class RelatedStoriesFormMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            picks = RelatedArticle.objects.picks_of(self.instance)
            self.initial.setdefault(FIELD, [article.pk for article in picks])
            self.fields[FIELD].queryset = Article.objects.exclude(pk=self.instance.pk)


class RelatedStoriesAdminMixin:
    """For ArticleAdmin: the field for those who may pick (add, change and delete
    related stories: Editors), written once the article is."""

    def may_pick_related(self, request):
        return request.user.has_perms(
            [f"articles.{action}_relatedarticle" for action in ("add", "change", "delete")]
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.may_pick_related(request):
            fieldsets = [*fieldsets, ("Related stories", {"fields": (FIELD,)})]
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        if self.may_pick_related(request):
            base = kwargs.get("form", self.form)
            kwargs["form"] = type(
                base.__name__,
                (RelatedStoriesFormMixin, base),
                {FIELD: RelatedStoriesField(self.admin_site)},
            )
        return super().get_form(request, obj, change=change, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if FIELD in form.fields and FIELD in form.changed_data:
            RelatedArticle.objects.set_picks(form.instance, form.cleaned_data[FIELD])
