"""New articles of a batch, gathered as its files are read and written together at its end.

Writing them one by one costs five statements an article; together, four a batch.
"""

from ..models import Article, Figure, TaggedArticle
from .identity import ArticleIndex
from .redirects import save_redirects


class NewArticles:
    def __init__(self, index: ArticleIndex):
        self.index = index
        self.articles: list[Article] = []
        self.taggings: list[TaggedArticle] = []
        self.redirects = []

    def add(self, article: Article, tags, redirects):
        """Queue an unsaved article (its lead figure saved or not) with its tags and redirects."""
        self.index.reserve(article.slug)
        self.articles.append(article)
        self.taggings.extend(
            TaggedArticle(content_object=article, tag=tag, position=position)
            for position, tag in enumerate(tags)
        )
        self.redirects.extend(redirects)

    def write(self):
        figures = [a.lead_figure for a in self.articles if a.lead_figure and not a.lead_figure.pk]
        Figure.objects.bulk_create(figures)
        for article in self.articles:
            # After the figures: an import leaves each figure older than its article.
            article.prepare_to_save(imported=True)
        # bulk_create takes each lead figure's new pk, and gives each article its own.
        Article.objects.bulk_create(self.articles)
        TaggedArticle.objects.bulk_create(self.taggings)
        save_redirects(self.redirects)
        for article in self.articles:
            self.index.remember(article, old_slug=None)
