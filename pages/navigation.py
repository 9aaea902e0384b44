"""
The knowledge base as a reader walks it: the sidebar tree, breadcrumbs and previous / next links.

All three come from one list of the site's live, public pages in tree order, read in two queries
and kept in the cache, so a page costs the same to render in a tree of fifty pages or of ten
thousand. Anything that changes what readers can see of the tree (publishing, unpublishing,
moving, deleting, a view restriction) drops the cached list; the next request reads it again.
"""

from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction

from wagtail.models import Page, Site

CACHE_KEY = "pages:navigation"
CACHE_SECONDS = 60 * 60 * 24


@dataclass
class NavItem:
    id: int
    title: str
    url: str
    path: str
    depth: int
    children: list = field(default_factory=list)


class Navigation:
    """The tree under one site's root page, in reading order."""

    def __init__(self, rows, root_url_path):
        self.reading_order = []
        self.by_path = {}
        self.by_id = {}
        self.by_url = {}
        self.root = None
        for page_id, title, path, depth, url_path in rows:
            item = NavItem(
                id=page_id,
                title=title,
                url="/" + url_path[len(root_url_path) :],
                path=path,
                depth=depth,
            )
            parent = self.by_path.get(path[: -Page.steplen])
            if parent is not None:
                parent.children.append(item)
            elif self.root is None:
                self.root = item
            else:
                # Under a page readers cannot see (a draft, a private section): not reachable.
                continue
            self.by_path[path] = item
            self.by_id[page_id] = item
            self.by_url[item.url] = item
            self.reading_order.append(item)
        self.position = {item.id: number for number, item in enumerate(self.reading_order)}

    @property
    def sections(self):
        return self.root.children if self.root else []

    def ancestors(self, page):
        """The visible pages above `page` (a page or a NavItem), home first; works for drafts
        shown in preview too."""
        paths = (page.path[:end] for end in range(Page.steplen, len(page.path), Page.steplen))
        return [self.by_path[path] for path in paths if path in self.by_path]

    def branch(self, page):
        """Ids of the page and the pages above it: the branch the sidebar keeps open."""
        return {item.id for item in self.ancestors(page)} | {page.pk}

    def previous_and_next(self, page):
        number = self.position.get(page.pk)
        if number is None:
            return None, None
        previous = self.reading_order[number - 1] if number > 0 else None
        following = self.reading_order[number + 1] if number + 1 < len(self.reading_order) else None
        return previous, following


def visible_pages():
    """What a reader may see: live pages outside any login, group or password restriction."""
    return Page.objects.live().public()


def navigation_for_site(site):
    trees = cache.get(CACHE_KEY) or {}
    rows = trees.get(site.root_page_id)
    if rows is None:
        # Site.find_for_request has already read the root page along with the site.
        root = site.root_page
        rows = list(
            visible_pages()
            .filter(path__startswith=root.path)
            .order_by("path")
            .values_list("id", "title", "path", "depth", "url_path")
        )
        rows = (rows, root.url_path)
        cache.set(CACHE_KEY, {**trees, site.root_page_id: rows}, CACHE_SECONDS)
    return Navigation(*rows)


def navigation_for_request(request):
    """The navigation of the request's site, read once per request however many tags ask."""
    navigation = getattr(request, "_kb_navigation", None)
    if navigation is None:
        site = Site.find_for_request(request)
        navigation = navigation_for_site(site) if site else Navigation([], "/")
        request._kb_navigation = navigation
    return navigation


def forget_navigation(**kwargs):
    """Drop the cached tree now, and again when the transaction commits: a request served in
    between could otherwise cache the tree as it was before the change."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))
