"""WSGI entry point; serving through it means production unless told otherwise."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbsite.settings.production")

django_application = get_wsgi_application()

# Readers' pages from the app's page cache are answered in front of Django: a hit needs no
# middleware, session or database (pages/caching/fast_path.py).
from pages.caching.fast_path import PageCacheApplication  # noqa: E402 - needs Django set up

application = PageCacheApplication(django_application)

# Everything loaded so far (Django, Wagtail, the models, the URL conf) lives as long as the
# worker: frozen, the garbage collector stops walking it on every full collection. A search
# that reads thousands of index rows set off such collections, which took 60 ms of a 90 ms
# request at 5,000 pages (bench/search-results.md); frozen, the request takes 23 ms.
gc.collect()
gc.freeze()
