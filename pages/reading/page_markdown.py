"""A page as Markdown for programs (pages/reading/machine_readable.py serves it): the GitBook
exporter's writer, with links to the other pages' Markdown views and the site's own files."""

from django.utils import timezone

from wagtail.documents import get_document_model

from pages.gitbook.exporter import MarkdownWriter
from pages.reading.navigation import markdown_url
from pages.reading.visibility import reader_link


class SiteMarkdown(MarkdownWriter):
    """Links point at the other pages' Markdown views, images and documents at their files."""

    def __init__(self, request):
        super().__init__()
        self.request = request

    def page_href(self, page_id, anchor, current_path):
        try:
            page_link = reader_link(int(page_id), self.request)
        except (TypeError, ValueError):
            page_link = None
        if page_link is None:
            return ""  # not live, or not public: the link text stays, the link goes
        return markdown_url(page_link.url) + (f"#{anchor}" if anchor else "")

    def document_href(self, document_id, current_path):
        document = get_document_model().objects.filter(pk=document_id).first()
        return document.url if document else ""

    def asset_href(self, kind, asset, current_path):
        if kind == "image":
            # The size the page itself shows.
            return asset.get_rendition("max-1200x900").url
        return asset.url

    def front_matter(self, page):
        # What a reader of the page sees besides its text: when it was last confirmed accurate,
        # and whether it is past its review (pages/editorial/reviews.py). Not in a GitBook
        # export, whose front matter is what an editor writes.
        data = super().front_matter(page)
        if getattr(page, "last_reviewed", None):
            data["last_reviewed"] = timezone.localdate(page.last_reviewed)
        if getattr(page, "may_be_out_of_date", False):
            data["may_be_out_of_date"] = True
        return data
