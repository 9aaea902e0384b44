"""
The test suite: fast and hermetic.

DATABASE_URL still applies, so CI runs the same suite on SQLite and on PostgreSQL.
"""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-secret-key"
ALLOWED_HOSTS = ["localhost", "testserver", "127.0.0.1"]

# Hashing passwords properly is deliberately slow; tests log users in constantly.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Static files come straight from the apps, as in development; nothing is collected.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
WAGTAILADMIN_BASE_URL = "http://testserver"
# Tests that need the app's page cache or a proxy turn them on with the settings fixture.
KB_PAGE_CACHE_SECONDS = 0
WAGTAILFRONTENDCACHE = {}
# The sign-in throttle refuses an authenticate() without a request, as the test client's
# login() makes; tests/hardening/test_admin_security.py turns it on where it signs in through the
# form.
AXES_ENABLED = False
