from django.http import Http404
from django.views.generic import DetailView

from .models import Article


class ArticleDetailView(DetailView):
    queryset = Article.objects.published().for_detail()


class SignedPreviewView(DetailView):
    """A draft or scheduled article shown to whoever holds a valid signed link."""

    queryset = Article.objects.for_detail()

    def get_object(self, queryset=None):
        pk = Article.pk_from_preview_token(self.kwargs["token"])
        if pk is None:
            raise Http404("This preview link is invalid or has expired.")
        return super().get_object(self.get_queryset().filter(pk=pk))

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response
