"""
What a link to a reader's page carries when it is shared or found: `rel=canonical`, Open Graph
and Twitter card tags, with absolute URLs by the site's one rule (pages/reading/addresses.py).

`{% share_metadata %}` in base.html's <head> describes a page of the tree by its summary, and any
other reader's view (search, tags, What's new, a page's history) by the home page's summary. The
og:title line is base.html's, in a block (`share_title`) those views' templates fill in; the
Twitter card takes its title and description from the Open Graph tags, as Twitter documents.
"""

from django import template
from django.templatetags.static import static

from wagtail.models import Page, Site

from pages.reading.addresses import absolute_url

register = template.Library()

# The default image shared with every page (pages/static/pages/icons/share-card.png).
SHARE_IMAGE = "pages/icons/share-card.png"
SHARE_IMAGE_SIZE = (1200, 630)
SHARE_IMAGE_ALT = "OMG Network Knowledge Base"
# Query parameters that make another listing, not another copy of one: a later page of tags or
# of What's new is its own canonical page. Anything else (tracking, junk) is left out.
LISTING_PARAMETERS = ("page",)


def page_shown(request, page):
    """The page of the tree this request shows, or None: views outside the tree (search, tags,
    What's new) and views under a page's address (its history) have a `page` in their context
    too."""
    if not isinstance(page, Page):
        return None
    url = page.get_url(request=request)
    if url and absolute_url(request, url) == absolute_url(request, request.path):
        return page
    return None


def canonical_url(request, shown):
    """The page of the tree shown (`page_shown`) at its own address; any other view at its path,
    with only the parameters that change what it lists. The search results' canonical is
    /search/ itself (they are kept out of indexes: see `noindex`)."""
    if shown is not None:
        return absolute_url(request, request.path)
    query = request.GET.copy()
    for name in list(query):
        if name not in LISTING_PARAMETERS or query.get(name) in ("", "1"):
            del query[name]
    if is_search(request):
        query = {}
    encoded = query.urlencode() if query else ""
    return absolute_url(request, request.path + (f"?{encoded}" if encoded else ""))


def is_search(request):
    match = request.resolver_match
    return match is not None and match.url_name == "search"


def site_description(request):
    site = Site.find_for_request(request)
    home = site.root_page.specific if site is not None else None
    return home.get_meta_description() if hasattr(home, "get_meta_description") else ""


@register.inclusion_tag("components/share_metadata.html", takes_context=True)
def share_metadata(context):
    request = context.get("request")
    if request is None:  # the 500 and 503 pages, rendered without one: nothing to share
        return {}
    shown = page_shown(request, context.get("page"))
    description = (
        shown.get_meta_description()
        if hasattr(shown, "get_meta_description")
        else site_description(request)
    )
    return {
        "canonical": canonical_url(request, shown),
        "description": description,
        # Only the home page is the website; every other page of the tree is an article.
        "type": "article" if shown is not None and shown.depth > 2 else "website",
        "image": absolute_url(request, static(SHARE_IMAGE)),
        "image_width": SHARE_IMAGE_SIZE[0],
        "image_height": SHARE_IMAGE_SIZE[1],
        "image_alt": SHARE_IMAGE_ALT,
        # Results for one query are not a page to be found: indexes follow their links only.
        "noindex": is_search(request) and bool(request.GET),
    }
