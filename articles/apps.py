from urllib.parse import urlsplit

from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_delete, post_migrate, post_save


def sync_site_with_site_url(using="default", **kwargs):
    """Keep the sites framework's domain equal to SITE_URL.

    Redirects, feeds and sitemaps ask the sites framework for the domain; its default
    row says example.com, which would leak into every absolute URL.
    """
    from django.contrib.sites.models import Site

    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID,
        defaults={"domain": urlsplit(settings.SITE_URL).netloc, "name": settings.SITE_NAME},
    )
    Site.objects.clear_cache()


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self):
        from . import caching, fragments
        from .changes import article_changed, article_changing

        post_migrate.connect(sync_site_with_site_url, sender=self)
        article_changing.connect(fragments.mark_stale_with_the_write, dispatch_uid="fragments")
        # Before the pages are forgotten: the first reader of a page made afresh finds the
        # article's fragments made already.
        article_changed.connect(fragments.make_again_once_committed, dispatch_uid="fragments")
        article_changed.connect(caching.forget_pages, dispatch_uid="forget_pages")
        article_changed.connect(caching.purge_cdn, dispatch_uid="purge_cdn")
        for model in (self.get_model("Section"), self.get_model("Author")):
            for signal in (post_save, post_delete):
                signal.connect(
                    caching.forget_pages_once_committed,
                    sender=model,
                    dispatch_uid=f"forget_pages_{signal is post_save}_{model.__name__}",
                )
        post_save.connect(
            caching.forget_pages_when_scheduled,
            sender=self.get_model("PendingChange"),
            dispatch_uid="forget_pages_when_scheduled",
        )
