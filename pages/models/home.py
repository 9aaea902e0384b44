from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from .base import EditorialMixin

INTRO_FEATURES = ["bold", "italic", "link", "ol", "ul"]


class HomePage(EditorialMixin, Page):
    """The knowledge base's front page: an introduction and its sections."""

    introduction = RichTextField(
        features=INTRO_FEATURES,
        blank=True,
        help_text="A short welcome: what this knowledge base covers and where to start.",
    )

    content_panels = Page.content_panels + EditorialMixin.panels + [FieldPanel("introduction")]
    search_fields = (
        Page.search_fields
        + EditorialMixin.search_fields
        + [
            index.SearchField("introduction"),
        ]
    )

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["pages.SectionPage", "pages.FaqIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = "home page"


class SectionPage(EditorialMixin, Page):
    """A top-level group of the knowledge base, such as 'OMG Deep Dive'."""

    introduction = RichTextField(
        features=INTRO_FEATURES,
        blank=True,
        help_text="Optional: a paragraph above the list of pages in this section.",
    )

    content_panels = Page.content_panels + EditorialMixin.panels + [FieldPanel("introduction")]
    search_fields = (
        Page.search_fields
        + EditorialMixin.search_fields
        + [
            index.SearchField("introduction"),
        ]
    )

    parent_page_types = ["pages.HomePage"]
    subpage_types = [
        "pages.TopicPage",
        "pages.DeepDivePage",
        "pages.VideoPage",
        "pages.FaqIndexPage",
    ]

    class Meta:
        verbose_name = "section"
