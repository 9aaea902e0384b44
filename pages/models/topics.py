from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from pages.blocks import ArticleBlock

from .base import EditorialMixin


class TopicPage(EditorialMixin, Page):
    """An article answering one question; topics nest under topics."""

    body = StreamField(ArticleBlock(), blank=True, help_text="The article itself.")

    content_panels = (
        Page.content_panels
        + EditorialMixin.panels
        + [FieldPanel("body")]
        + EditorialMixin.change_note_panels
    )
    api_fields = EditorialMixin.api_fields + [APIField("body")]
    search_fields = Page.search_fields + EditorialMixin.search_fields + [index.SearchField("body")]

    parent_page_types = ["pages.HomePage", "pages.SectionPage", "pages.TopicPage"]
    subpage_types = ["pages.TopicPage"]

    class Meta:
        verbose_name = "topic"
