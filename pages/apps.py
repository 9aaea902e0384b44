from django.apps import AppConfig

from wagtail.users.apps import WagtailUsersAppConfig


class PagesConfig(AppConfig):
    # The module also holds UsersConfig, so Django must be told which config "pages" means.
    default = True
    name = "pages"
    verbose_name = "Knowledge base pages"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from pages import (
            approvals,
            compare,  # noqa: F401 - registers the StreamField revision comparison
        )
        from pages.signal_handlers import register_signal_handlers

        register_signal_handlers()
        approvals.register()


class UsersConfig(WagtailUsersAppConfig):
    """Wagtail's user management, with the views of pages/users.py (INSTALLED_APPS uses this in
    place of "wagtail.users", as Wagtail documents for a custom user viewset)."""

    user_viewset = "pages.users.UserViewSet"
