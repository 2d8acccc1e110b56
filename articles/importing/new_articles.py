"""New articles of a batch, gathered as its files are read and written together at its end,
through the one write path: one statement each for their figures, themselves, their tags,
their authors and their redirects, where one by one they cost five an article."""

from ..acting import current_actor
from ..models import Article, ArticleWrite, write_articles
from .identity import ArticleIndex
from .redirects import save_redirects


class NewArticles:
    def __init__(self, index: ArticleIndex):
        self.index = index
        self.writes: list[ArticleWrite] = []
        self.redirects = []

    def add(self, article: Article, tags, redirects, authors=()):
        """Queue an unsaved article (its lead figure saved or not) with its tags, redirects
        and authors ((Author, role) pairs)."""
        self.index.reserve(article.slug)
        # Written at the batch's end: its revision names whoever acts now (its file).
        self.writes.append(
            ArticleWrite(article, tags=tags, authors=list(authors), by=current_actor())
        )
        self.redirects.extend(redirects)

    def write(self):
        write_articles(self.writes, imported=True)
        save_redirects(self.redirects)
        for write in self.writes:
            self.index.remember(write.article, old_slug=None)
