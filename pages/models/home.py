from wagtail.models import Page

from .base import EditorialMixin, IntroductionMixin


class HomePage(IntroductionMixin, EditorialMixin, Page):
    """The knowledge base's front page: an introduction and its sections."""

    content_panels = (
        Page.content_panels
        + EditorialMixin.panels
        + IntroductionMixin.panels
        + EditorialMixin.change_note_panels
    )
    api_fields = EditorialMixin.api_fields + IntroductionMixin.api_fields
    search_fields = (
        Page.search_fields + EditorialMixin.search_fields + IntroductionMixin.search_fields
    )

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["pages.SectionPage", "pages.FaqIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = "home page"


class SectionPage(IntroductionMixin, EditorialMixin, Page):
    """A top-level group of the knowledge base, such as 'OMG Deep Dive'."""

    content_panels = (
        Page.content_panels
        + EditorialMixin.panels
        + IntroductionMixin.panels
        + EditorialMixin.change_note_panels
    )
    api_fields = EditorialMixin.api_fields + IntroductionMixin.api_fields
    search_fields = (
        Page.search_fields + EditorialMixin.search_fields + IntroductionMixin.search_fields
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
