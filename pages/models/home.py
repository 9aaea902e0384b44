from django.http import Http404

from wagtail.models import Page
from wagtail.url_routing import RouteResult

from .base import BookPageMixin
from .faq import attach_questions


class HomePage(BookPageMixin, Page):
    """The knowledge base's front page: an introduction, its own content and its sections (or,
    for a book without sections, its pages)."""

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["pages.SectionPage", "pages.FaqIndexPage", "pages.TopicPage"]
    max_count = 1

    class Meta:
        verbose_name = "home page"

    def route(self, request, path_components):
        """The page at the whole path, found by its URL path (indexed, migration 0009) in two
        queries. Wagtail walks the tree a child at a time, two queries a level: ten for a page
        four levels down. The answer is Wagtail's: the live page at that path, else a 404, and
        no page type here routes further by itself (none is a RoutablePage)."""
        if not path_components:
            return super().route(request, path_components)
        url_path = self.url_path + "/".join(path_components) + "/"
        page = Page.objects.filter(url_path=url_path, path__startswith=self.path).specific().first()
        if page is None or not page.live:
            raise Http404
        return RouteResult(page)


class SectionPage(BookPageMixin, Page):
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

    def get_landing_list(self):
        """Its pages, each with its summary, and under an FAQ index its questions: a reader
        sees what the section holds without opening every page."""
        return attach_questions(list(self.get_listed_children()))
