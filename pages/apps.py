"""
The "pages" app: the knowledge base's content and everything built on it (docs/architecture.md).

Its rooms are subpackages: the content core (models/ and the modules beside this one), reading/,
caching/, feedback/, editorial/ and gitbook/. `ready()` wires them into Django and Wagtail: the
signal receivers (signal_handlers.py) and the StreamField comparison; Wagtail finds the admin hooks
in wagtail_hooks.py by itself.
"""

from django.apps import AppConfig

from wagtail.users.apps import WagtailUsersAppConfig


class PagesConfig(AppConfig):
    # The module also holds UsersConfig, so Django must be told which config "pages" means.
    default = True
    name = "pages"
    verbose_name = "Knowledge base pages"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from pages.editorial import compare
        from pages.signal_handlers import register_signal_handlers

        register_signal_handlers()
        compare.register()


class UsersConfig(WagtailUsersAppConfig):
    """Wagtail's user management, with the views of pages/editorial/users.py (INSTALLED_APPS uses
    this in place of "wagtail.users", as Wagtail documents for a custom user viewset)."""

    user_viewset = "pages.editorial.users.UserViewSet"
