from django.db import models

from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from .base import DEFAULT_DEVELOPMENT_NOTICE


@register_setting(icon="warning")
class ReaderNotices(BaseSiteSetting):
    """Wording readers see across the site, editable without a deploy."""

    development_banner = models.CharField(
        "In-development banner",
        max_length=300,
        default=DEFAULT_DEVELOPMENT_NOTICE,
        help_text=(
            "Shown on every page flagged 'Still in development', after the words “Still in "
            "development.” and before the page's own note. Say what the flag means without "
            "repeating it: the page is incomplete and will be revised."
        ),
    )

    panels = [FieldPanel("development_banner")]

    class Meta:
        verbose_name = "reader notices"
