"""WSGI entry point; serving through it means production unless told otherwise."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbsite.settings.production")

django_application = get_wsgi_application()

from django.urls import get_resolver  # noqa: E402 - these need Django set up

from wagtail import hooks  # noqa: E402

from pages.caching.fast_path import PageCacheApplication  # noqa: E402

# Readers' pages from the app's page cache are answered in front of Django: a hit needs no
# middleware, session or database (pages/caching/fast_path.py).
application = PageCacheApplication(django_application)

# What every worker's first request would load, loaded here instead: the URL conf (with the
# admin's views) and Wagtail's hooks. Under kbsite/serve.py, once in the master,
# shared by the workers and frozen below with the rest: 10 MB less of each worker's own memory.
get_resolver().url_patterns  # noqa: B018 - reading it loads the URL conf
hooks.search_for_hooks()

# Everything loaded so far (Django, Wagtail, the models, the URL conf) lives as long as the
# worker: frozen, the garbage collector stops walking it on every full collection. A search
# that reads thousands of index rows set off such collections, which took 60 ms of a 90 ms
# request at 5,000 pages (bench/search-results.md); frozen, the request takes 23 ms.
gc.collect()
gc.freeze()
