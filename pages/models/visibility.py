"""
What a reader may see: live pages outside any login, group or password restriction. The one rule
every reader surface keeps (pages/reading/visibility.py says which ask how).

Here, in the content core, for what the core itself shows of other pages: links in rich text
(which Wagtail renders without a request) and the API's representation of a block's page link.
"""

from dataclasses import dataclass

from wagtail.models import Page


@dataclass(frozen=True)
class ReaderLink:
    """Where a visible page is, and what readers know it as."""

    id: int
    title: str
    url: str


def visible_pages(pages=None):
    """Live pages outside any login, group or password restriction: of all pages, or of the
    page queryset `pages` (a page type's, a page's children)."""
    return (Page.objects.all() if pages is None else pages).live().public()


def visible_links(page_ids):
    """{page id: ReaderLink} for those of `page_ids` a reader may see, in one query."""
    wanted = {int(page_id) for page_id in page_ids if page_id is not None}
    if not wanted:
        return {}
    return {
        page.pk: ReaderLink(page.pk, page.title, page.url)
        for page in visible_pages().filter(pk__in=wanted)
        if page.url
    }
