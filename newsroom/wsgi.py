import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

# Imported once Django is set up (get_wsgi_application()): kept pages are answered before
# Django's handler (articles/kept_pages.py, KeptPageApplication).
application = get_wsgi_application()

from articles.kept_pages import KeptPageApplication  # noqa: E402

application = KeptPageApplication(application)
