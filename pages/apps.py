"""
The "pages" app: the knowledge base's content and everything built on it (docs/architecture.md).

Its rooms are subpackages: the content core (models/ and the modules beside this one), reading/,
caching/, feedback/, editorial/ and gitbook/. `ready()` wires them into Django and Wagtail: the
signal receivers (signal_handlers.py) and the StreamField comparison; Wagtail finds the admin hooks
in wagtail_hooks.py by itself.
"""

import importlib.abc
import importlib.machinery
import sys

from django.apps import AppConfig, apps
from django.core.exceptions import ImproperlyConfigured

from wagtail.users.apps import WagtailUsersAppConfig

# Wagtail's images, documents, snippets and redirects apps add their routers to Wagtail's v3 API
# (django-ninja and pydantic) in their ready(), whether or not the project installs and mounts
# that API. This site serves API v2 only (kbsite/api.py), and loading v3 costs each worker about
# 13 MB of memory (bench/results.md, worker peak RSS). Without "wagtail.api.v3" in
# INSTALLED_APPS, those imports get stand-ins: what the ready() methods call, doing nothing.
UNMOUNTED_API_MODULES = {
    "wagtail.api.v3.api": "api",
    "wagtail.contrib.redirects.api.v3.router": "router",
    "wagtail.documents.api.v3.registry": "register_content_types",
    "wagtail.documents.api.v3.router": "router",
    "wagtail.images.api.v3.registry": "register_content_types",
    "wagtail.images.api.v3.router": "router",
    "wagtail.snippets.api.v3.registry": "register_content_types",
    "wagtail.snippets.api.v3.router": "router",
}


class UnmountedAPI:
    """Wagtail's v3 API object, routers, and content type registration, in one inert stand-in."""

    def __call__(self, *args, **kwargs):
        pass

    def add_router(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        raise ImproperlyConfigured(
            f"Wagtail's v3 API is not installed here (so .{name} is not there): add "
            '"wagtail.api.v3" to INSTALLED_APPS to use it.'
        )


class UnmountedAPIFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if name in UNMOUNTED_API_MODULES:
            return importlib.machinery.ModuleSpec(name, self)
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        setattr(module, UNMOUNTED_API_MODULES[module.__name__], UnmountedAPI())


def leave_out_unmounted_api():
    if not apps.is_installed("wagtail.api.v3") and not any(
        isinstance(finder, UnmountedAPIFinder) for finder in sys.meta_path
    ):
        sys.meta_path.insert(0, UnmountedAPIFinder())


class PagesConfig(AppConfig):
    # The module also holds UsersConfig, so Django must be told which config "pages" means.
    default = True
    name = "pages"
    verbose_name = "Knowledge base pages"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Before the Wagtail apps' ready(), which come after this app's in INSTALLED_APPS.
        leave_out_unmounted_api()

        from pages.editorial import compare
        from pages.signal_handlers import register_signal_handlers

        register_signal_handlers()
        compare.register()


class UsersConfig(WagtailUsersAppConfig):
    """Wagtail's user management, with the views of pages/editorial/users.py (INSTALLED_APPS uses
    this in place of "wagtail.users", as Wagtail documents for a custom user viewset)."""

    user_viewset = "pages.editorial.users.UserViewSet"
