"""
What a reader may see: live pages outside any login, group or password restriction, and the tags
those pages use.

Every reader surface that shows another page's title or URL asks here, never `page.live` alone:
listings and search filter by `visible_pages()`; a link to one page (a page card, a card, a
resource, a link in rich text, the same in a page's Markdown and in the API) goes through
`reader_link()` or `reader_links()`, which answer None for a draft, an unpublished page, or a
page behind a login, group or password. A reader sees such a link's own words, if it has any,
and never the page's title or address; a logged-in reader who could open the page is shown the
same, as the page's HTML is shared by everyone through the caches.
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


def reader_links(page_ids, request=None):
    """{page id: ReaderLink} for those of `page_ids` a reader may see.

    With a request, from the site's navigation tree (the same list the sidebar is drawn from,
    cached: no query); without one (rich text, which Wagtail renders without a context), in one
    query for all of them."""
    wanted = {int(page_id) for page_id in page_ids if page_id is not None}
    if not wanted:
        return {}
    if request is not None:
        from pages.reading.navigation import navigation_for_request  # noqa: PLC0415 (cycle)

        by_id = navigation_for_request(request).by_id
        return {
            page_id: ReaderLink(page_id, by_id[page_id].title, by_id[page_id].url)
            for page_id in wanted
            if page_id in by_id
        }
    return {
        page.pk: ReaderLink(page.pk, page.title, page.url)
        for page in visible_pages().filter(pk__in=wanted)
        if page.url
    }


def reader_link(page, request=None):
    """The ReaderLink of `page` (a page or its id), or None when readers may not see it."""
    if page is None:
        return None
    page_id = page if isinstance(page, int) else page.pk
    return reader_links([page_id], request).get(page_id)


def tags_in_use():
    """Tags of pages a reader may see (a tag used only on drafts or restricted pages is not)."""
    from pages.models import PageTag  # noqa: PLC0415 (pages.models' blocks use this module)

    tag_model = PageTag.tag_model()
    return tag_model.objects.filter(pages_pagetag_items__content_object__in=visible_pages())
