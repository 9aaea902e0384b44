"""WSGI entry point; serving through it means production unless told otherwise."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbsite.settings.production")

application = get_wsgi_application()
