from wagtail.models import Page

from .base import ListingPageMixin


class HomePage(ListingPageMixin, Page):
    """The knowledge base's front page: an introduction and its sections."""

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["pages.SectionPage", "pages.FaqIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = "home page"


class SectionPage(ListingPageMixin, Page):
    """A top-level group of the knowledge base, such as 'OMG Deep Dive'."""

    parent_page_types = ["pages.HomePage"]
    subpage_types = [
        "pages.TopicPage",
        "pages.DeepDivePage",
        "pages.VideoPage",
        "pages.FaqIndexPage",
    ]

    class Meta:
        verbose_name = "section"
