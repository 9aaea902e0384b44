"""
The knowledge base as a reader walks it: the sidebar tree, breadcrumbs and previous / next links.

All three come from one list of the site's live, public pages in tree order, read in two queries
and kept in the cache, so a page costs the same number of queries in a tree of fifty pages or of
ten thousand. Anything that changes what readers can see of the tree (publishing, unpublishing,
moving, deleting, a view restriction) drops the cached list; the next request reads it again.

The sidebar lists the whole tree while it fits in SIDEBAR_LINK_BUDGET links; past that it keeps
the current page's branch and opens the other branches shallowest first until the budget is spent
(as Sphinx's collapse_navigation does), so a page of a 5,000-page tree does not carry 5,000 links.
"""

import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction

from wagtail.models import Page, Site

from pages.models.visibility import visible_pages

CACHE_KEY = "pages:navigation"
VERSION_KEY = "pages:navigation:version"
CACHE_SECONDS = 60 * 60 * 24

# The most links the sidebar lists, unless those it always shows (home, the sections, the current
# page's branch and its children) are more on their own. A whole 5,000-page tree on every page
# was most of each page's size and render time (bench/design-measurements.md), and far more than a
# reader scans, least of all on a phone. The real knowledge base (72 pages) fits five times over,
# so it is listed whole, as it always was.
SIDEBAR_LINK_BUDGET = 400


def markdown_url(url):
    """Where a page's Markdown is, as on GitBook: its URL with `.md` in place of the trailing
    slash ('/plasma/plasma-mvp/' -> '/plasma/plasma-mvp.md'); the home page's is '/index.md'."""
    return "/index.md" if url == "/" else url.rstrip("/") + ".md"


# Slots: a Navigation holds one NavItem per page, in every worker.
@dataclass(slots=True)
class NavItem:
    id: int
    title: str
    url: str
    path: str
    depth: int
    children: list = field(default_factory=list)


@dataclass(frozen=True)
class SidebarTree:
    """The part of the tree one page's sidebar lists."""

    root: NavItem
    current_id: int | None
    # Pages whose children are listed; a page with children outside it is listed closed.
    expanded_ids: set
    # The branch shown open: the current page and the pages above it.
    open_ids: set


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

    def sidebar(self, page=None, budget=None):
        """What the sidebar lists around `page` (None when there is no current page).

        Home, the sections and the branch down to the page are always listed, each page on the
        branch with its children, and the page's own children. Other branches then open
        breadth-first, shallowest first and in reading order, each only if all its children
        still fit in `budget` links (SIDEBAR_LINK_BUDGET unless given): a branch too big for what
        is left stays closed, and smaller ones after it may still open. A tree that fits is
        listed whole. The work grows with the links listed, not with the tree."""
        if self.root is None:
            return None
        budget = SIDEBAR_LINK_BUDGET if budget is None else budget
        branch = self.ancestors(page) if page is not None else []
        current = self.by_id.get(page.pk) if page is not None else None
        # Always listed: home and the children of home (the sections), of each page above the
        # current one and of the current page itself.
        always_expanded = {self.root.id: self.root}
        always_expanded.update((item.id, item) for item in branch)
        if current is not None:
            always_expanded[current.id] = current
        links = 1 + sum(len(item.children) for item in always_expanded.values())
        expanded_ids = set(always_expanded)
        # Then one level of the tree at a time, looking only at the pages already listed.
        level = self.root.children
        while level and links < budget:
            below = []
            for item in level:
                if not item.children:
                    continue
                if item.id not in expanded_ids:
                    if links + len(item.children) > budget:
                        continue
                    expanded_ids.add(item.id)
                    links += len(item.children)
                below.extend(item.children)
            level = below
        return SidebarTree(
            root=self.root,
            current_id=page.pk if page is not None else None,
            expanded_ids=expanded_ids,
            open_ids=self.branch(page) if page is not None else set(),
        )

    def previous_and_next(self, page):
        number = self.position.get(page.pk)
        if number is None:
            return None, None
        previous = self.reading_order[number - 1] if number > 0 else None
        following = self.reading_order[number + 1] if number + 1 < len(self.reading_order) else None
        return previous, following


# This process's Navigation of each site, kept between requests: building one from a large
# tree's cached rows is a good part of a page's render time (bench/design-measurements.md).
# {root page id: (rows' version, tree, the rows' hash)}. A Navigation is never changed once
# built, so threads can share it.
built_navigations = {}


def navigation_for_site(site):
    # Most requests read only the small version key: the rows (unpickled on every read, which
    # raised workers' memory: bench/design-measurements.md) are fetched only when this process's
    # tree is not the current one.
    versions = cache.get(VERSION_KEY) or {}
    built = built_navigations.get(site.root_page_id)
    if built is not None and built[0] == versions.get(site.root_page_id):
        return built[1]
    trees = cache.get(CACHE_KEY) or {}
    cached = trees.get(site.root_page_id)
    if cached is None:
        # Site.find_for_request has already read the root page along with the site.
        root = site.root_page
        rows = list(
            visible_pages()
            .filter(path__startswith=root.path)
            .order_by("path")
            .values_list("id", "title", "path", "depth", "url_path")
        )
        # The version tells every process whether the Navigation it built is still the tree's:
        # forget_navigation drops the rows with their version, and the next read makes a new one.
        cached = (uuid.uuid4().hex, rows, root.url_path)
        cache.set(CACHE_KEY, {**trees, site.root_page_id: cached}, CACHE_SECONDS)
    version, rows, root_url_path = cached
    if versions.get(site.root_page_id) != version:
        # New rows, an evicted version key, or two processes that built the rows at once: the
        # version key follows the rows the cache holds.
        cache.set(VERSION_KEY, {**versions, site.root_page_id: version}, CACHE_SECONDS)
    if built is None or built[0] != version:
        # New rows need not be a new tree: without a shared cache (no REDIS_URL) every request
        # reads the rows again, and another process may have cached the same rows under its
        # own version. The same rows keep the tree already built, rather than a new one each
        # time: a request's garbage keeps its tree alive until the next full collection, and
        # at 5,000 pages a few of those cost a worker tens of MB (bench/results.md).
        rows_hash = hash((root_url_path, *rows))
        if built is not None and built[2] == rows_hash:
            built = (version, built[1], rows_hash)
        else:
            built = (version, Navigation(rows, root_url_path), rows_hash)
        built_navigations[site.root_page_id] = built
    return built[1]


def cached_title_and_url_path(page_id):
    """(title, url_path) of a page as the cached tree holds it: what every cached page's sidebar
    shows of it. None when no tree is cached, or the tree does not hold the page."""
    for _version, rows, _root_url_path in (cache.get(CACHE_KEY) or {}).values():
        for row_id, title, _path, _depth, url_path in rows:
            if row_id == page_id:
                return title, url_path
    return None


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
    cache.delete_many([CACHE_KEY, VERSION_KEY])
    transaction.on_commit(lambda: cache.delete_many([CACHE_KEY, VERSION_KEY]))


def forget_navigation_if_page(sender, instance, **kwargs):
    """post_delete of any model: a deleted page drops the tree."""
    if isinstance(instance, Page):
        forget_navigation()
