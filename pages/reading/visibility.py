"""
What a reader may see, for every reader surface: live pages outside any login, group or password
restriction (`visible_pages`, pages/models/visibility.py), and the tags those pages use.

Every surface that shows another page's title or URL asks that one rule, never `page.live`
alone: listings and search filter by `visible_pages()`; the navigation tree (sidebar, breadcrumbs,
previous / next, What's new, the feed, llms.txt) is read from it; a link to one page (a page
card, a card, a resource, the same in a page's Markdown) goes through `reader_link()` here, and a
link in rich text or a block's page in the API through `visible_links()`. They answer None for a
draft, an unpublished page, or a page behind a login, group or password: a reader sees such a
link's own words, if it has any, and never the page's title or address. A signed-in reader who
could open the page is shown the same, as the caches share one copy of each page.
"""

from pages.models import PageTag
from pages.models.visibility import ReaderLink, visible_links, visible_pages
from pages.reading.navigation import navigation_for_request

__all__ = [
    "ReaderLink",
    "reader_link",
    "reader_links",
    "tags_in_use",
    "visible_links",
    "visible_pages",
]


def reader_links(page_ids, request=None):
    """{page id: ReaderLink} for those of `page_ids` a reader may see: with a request, from the
    site's navigation (each page looked up once per version of the tree, then cached); without
    one, in one query for all of them."""
    if request is None:
        return visible_links(page_ids)
    items = navigation_for_request(request).items_by_id(page_ids)
    return {item.id: ReaderLink(item.id, item.title, item.url) for item in items.values()}


def reader_link(page, request=None):
    """The ReaderLink of `page` (a page or its id), or None when readers may not see it."""
    if page is None:
        return None
    page_id = page if isinstance(page, int) else page.pk
    return reader_links([page_id], request).get(page_id)


def tags_in_use():
    """Tags of pages a reader may see (a tag used only on drafts or restricted pages is not)."""
    tag_model = PageTag.tag_model()
    return tag_model.objects.filter(pages_pagetag_items__content_object__in=visible_pages())
