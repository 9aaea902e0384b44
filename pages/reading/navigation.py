"""
The knowledge base as a reader walks it: the sidebar tree, breadcrumbs and previous / next links.

Readers see the live pages of a site's tree outside any login, group or password restriction,
and only those whose pages above are all such pages: a live page under a draft is not reachable.
What a page shows of the tree is read in pieces as big as what it shows, never the whole tree,
so a worker's memory and a page's queries stay the same at fifty pages or at fifty thousand
(issue 24: the whole tree was 27 MB in every worker and a 10 MB cache read at 61,000 pages):

- the site's outline: its root, the pages readers cannot see (drafts, restricted pages: they
  hide what is under them) and the top levels of the tree, TOP_ROWS rows at most;
- a page's piece: the pages above it, their children and its own, the branches its sidebar
  opens beyond the outline, and the pages before and after it in reading order;
- pages looked up by id or address (links, What's new, the Markdown view), each on its own.

Each is kept in the cache and in the request under the navigation's version, which anything
that changes what readers can see of the tree (publishing, unpublishing, moving, deleting, a
view restriction) moves on; the next request reads the pieces it needs again.

The sidebar lists the whole tree while it fits in SIDEBAR_LINK_BUDGET links; past that it keeps
the current page's branch and opens the other branches shallowest first until the budget is spent
(as Sphinx's collapse_navigation does), so a page of a 5,000-page tree does not carry 5,000 links.
Under any one page it lists PAGES_LISTED_UNDER_ONE at most, those nearest the current page's
branch, and links to that page for the rest.
"""

import hashlib
import uuid
from collections import Counter
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from wagtail.models import Page, PageViewRestriction, Site

VERSION_KEY = "pages:navigation:version"
KEY_PREFIX = "pages:navigation"
CACHE_SECONDS = 60 * 60 * 24

# The most links the sidebar lists, unless those it always shows (home, the sections, the current
# page's branch and its children) are more on their own. A whole 5,000-page tree on every page
# was most of each page's size and render time (bench/design-measurements.md), and far more than a
# reader scans, least of all on a phone. The real knowledge base (72 pages) fits five times over,
# so it is listed whole, as it always was.
SIDEBAR_LINK_BUDGET = 400
# Rows of the tree's top every page's sidebar starts from: the levels a sidebar opens first.
TOP_ROWS = 2 * SIDEBAR_LINK_BUDGET
# The most pages the sidebar lists under one page. Past it, it lists as many of those nearest the
# current page's branch, and links to the page above them for the rest ("12 earlier pages",
# "940 more pages"): a section of a thousand pages (a 50,000-page book's) would otherwise put a
# thousand links on each of its pages, and cost each of them ten times what fifty do.
PAGES_LISTED_UNDER_ONE = 50

# What a page's piece holds (Navigation.read_piece), in its cache key: moved on when that
# changes, so that a piece kept by an earlier release under the same version is not read.
PIECE_FORMAT = 3
# A row of the tree: (id, title, path, depth, url_path, number of reachable children).
ROW_FIELDS = ("id", "title", "path", "depth", "url_path", "child_count")


def markdown_url(url):
    """Where a page's Markdown is, as on GitBook: its URL with `.md` in place of the trailing
    slash ('/plasma/plasma-mvp/' -> '/plasma/plasma-mvp.md'); the home page's is '/index.md'."""
    return "/index.md" if url == "/" else url.rstrip("/") + ".md"


@dataclass(slots=True)
class NavItem:
    id: int
    title: str
    url: str
    path: str
    depth: int
    # Filled only where the sidebar lists them; child_count is what "N pages under" says.
    children: list = field(default_factory=list)
    child_count: int = 0
    # Pages under this one the sidebar leaves out, before and after those it lists.
    unlisted_before: int = 0
    unlisted_after: int = 0

    @property
    def pk(self):
        return self.id


@dataclass(frozen=True)
class SidebarTree:
    """The part of the tree one page's sidebar lists."""

    root: NavItem
    current_id: int | None
    # Pages whose children are listed; a page with children outside it is listed closed.
    expanded_ids: set
    # The branch shown open: the current page and the pages above it.
    open_ids: set


def listed_from(rows, branch):
    """Where the sidebar's PAGES_LISTED_UNDER_ONE pages start among `rows`, siblings in reading
    order: around the one on the current page's `branch` (paths), else from the first."""
    if len(rows) <= PAGES_LISTED_UNDER_ONE:
        return 0
    on_branch = next((number for number, row in enumerate(rows) if row[2] in branch), 0)
    most = len(rows) - PAGES_LISTED_UNDER_ONE
    return max(0, min(on_branch - PAGES_LISTED_UNDER_ONE // 2, most))


def parent_path(path):
    return path[: -Page.steplen]


def paths_above(path, top_path):
    """The paths from `top_path` down to `path`'s parent."""
    return [path[:end] for end in range(len(top_path), len(path), Page.steplen)]


def position_of(row, rows):
    """Where the page of `row` is among `rows` (read by another query, maybe a moment apart)."""
    return next((number for number, each in enumerate(rows) if each[0] == row[0]), len(rows))


def children_q(paths):
    """Pages right under any of `paths`: one index range each."""
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(path__startswith=path, depth=len(path) // Page.steplen + 1)
    return condition


@dataclass
class Outline:
    """What every page of one site shows alike, kept per version (small: see the module)."""

    root: tuple | None
    root_url_path: str
    # Paths of pages that hide the pages under them from readers.
    hidden: frozenset
    restricted: tuple
    # The top of the tree: {path: its rows' children}, as many levels as TOP_ROWS rows hold.
    children: dict
    # {path: how many of its children readers cannot see}: drafts and restricted pages.
    hidden_children: dict = field(default_factory=dict)


class Navigation:
    """The tree under one site's root page, read in the pieces a request asks for."""

    def __init__(self, site, version):
        self.site = site
        self.version = version
        self.outline = outline_for(site, version) if site else None
        row = self.outline.root if self.outline else None
        self.root = self.item(row) if row else None
        self.looked_up = {}

    # -- rows and items --------------------------------------------------------------------

    def key(self, *parts):
        return ":".join(map(str, (KEY_PREFIX, self.version, self.site.root_page_id, *parts)))

    def item(self, row):
        page_id, title, path, depth, url_path, child_count = row
        url = "/" + url_path[len(self.outline.root_url_path) :]
        return NavItem(page_id, title, url, path, depth, child_count=child_count)

    def is_reachable(self, path):
        """Whether a live page at `path` is in the tree readers walk."""
        root = self.root
        if root is None or not path.startswith(root.path):
            return False
        hidden = self.outline.hidden
        return not any(
            path[:end] in hidden for end in range(len(root.path), len(path) + 1, Page.steplen)
        )

    def rows(self, condition, order=None, limit=None):
        return read_rows(self.outline, Page.objects.filter(condition), order, limit)

    # -- lookups -----------------------------------------------------------------------------

    def items_by_id(self, page_ids):
        """{id: NavItem} of those of `page_ids` readers can reach, each looked up once per
        version (the cache) and per request."""
        wanted = {int(page_id) for page_id in page_ids if page_id is not None}
        if self.root is None or not wanted:
            return {}
        rows = self.looked_up_rows(
            "id", wanted, lambda unread: Q(pk__in=unread, path__startswith=self.root.path)
        )
        return {row[0]: self.item(row) for row in rows if row}

    def looked_up_rows(self, kind, wanted, condition):
        """The rows (False where none) of the pages `wanted`, each an id or a path as `kind`
        says: from this request, else the rows it has read, else the cache, else one query
        (`condition` of those still unread) whose answers are cached, none found included."""
        field = ROW_FIELDS.index("id" if kind == "id" else "path")
        missing = [each for each in wanted if (kind, each) not in self.looked_up]
        if missing:
            # Links are mostly to pages near this one or near the top: rows already read.
            known = {row[field]: row for row in self.rows_read().values()}
            for each in missing:
                if each in known:
                    self.looked_up[kind, each] = known[each]
            missing = [each for each in missing if (kind, each) not in self.looked_up]
        if missing:
            keys = {self.key(kind, each): each for each in missing}
            for key, row in cache.get_many(keys).items():
                self.looked_up[kind, keys[key]] = row
            unread = [each for each in missing if (kind, each) not in self.looked_up]
            if unread:
                found = {
                    row[field]: row
                    for row in self.rows(condition(unread))
                    if self.is_reachable(row[2])
                }
                fresh = {each: found.get(each, False) for each in unread}
                for each, row in fresh.items():
                    self.looked_up[kind, each] = row
                cache.set_many(
                    {self.key(kind, each): row for each, row in fresh.items()}, CACHE_SECONDS
                )
        return [self.looked_up[kind, each] for each in wanted]

    def rows_read(self):
        """{id: row} of the pages this request has read of the tree: all reachable."""
        known = {}
        rows = [self.outline.root]
        rows += [row for children in self.outline.children.values() for row in children]
        for key, piece in self.looked_up.items():
            if key[0] == "piece":
                rows += piece["ancestors"] + ([piece["own"]] if piece["own"] else [])
                rows += [row for children in piece["children"].values() for row in children]
        for row in rows:
            known[row[0]] = row
        return known

    def items_by_path(self, paths):
        """{path: NavItem} of those of `paths` readers can reach, each looked up once per
        version (the cache) and per request."""
        wanted = {path for path in set(paths) if self.is_reachable(path)}
        if not wanted:
            return {}
        rows = self.looked_up_rows("path", wanted, lambda unread: Q(path__in=unread))
        return {row[2]: self.item(row) for row in rows if row}

    def item_at_url(self, url):
        """The NavItem at `url` (its address below the site's root), or None."""
        if self.root is None:
            return None
        key = ("url", url)
        if key not in self.looked_up:
            # The address is the reader's: hashed, it makes a key of fixed length and characters.
            cache_key = self.key("url", hashlib.sha256(url.encode()).hexdigest())
            row = cache.get(cache_key)
            if row is None:
                url_path = self.outline.root_url_path + url[1:]
                row = next(
                    (
                        row
                        for row in self.rows(Q(url_path=url_path, path__startswith=self.root.path))
                        if self.is_reachable(row[2])
                    ),
                    False,
                )
                # Only pages are kept: an address nobody has a page at is anyone's to make up,
                # and each kept would take room in the cache for a day.
                if row:
                    cache.set(cache_key, row, CACHE_SECONDS)
            self.looked_up[key] = row
        row = self.looked_up[key]
        return self.item(row) if row else None

    # -- a page's piece ----------------------------------------------------------------------

    def piece(self, page, budget):
        """The rows around `page` its sidebar, breadcrumbs and previous / next show."""
        key = ("piece", page.pk, page.path, budget)
        if key not in self.looked_up:
            cache_key = self.key("piece", PIECE_FORMAT, page.pk, page.path, budget)
            piece = cache.get(cache_key)
            if piece is None:
                piece = self.read_piece(page, budget)
                cache.set(cache_key, piece, CACHE_SECONDS)
                if piece["own"] is not None:
                    # What every page showing this one shows of it: purging compares with it.
                    own = piece["own"]
                    cache.set(f"{KEY_PREFIX}:{self.version}:shown:{own[0]}", own, CACHE_SECONDS)
            self.looked_up[key] = piece
        return self.looked_up[key]

    def read_piece(self, page, budget):
        above = (
            paths_above(page.path, self.root.path) if page.path.startswith(self.root.path) else []
        )
        branch = [*above, page.path]
        unknown = [path for path in branch if path not in self.outline.children]
        rows = self.rows(Q(path__in=branch) | children_q(unknown), order="path")
        by_path = {row[2]: row for row in rows}
        ancestors = [by_path[path] for path in above if path in by_path and self.is_reachable(path)]
        own = by_path.get(page.path)
        if own is not None and (own[0] != page.pk or not self.is_reachable(own[2])):
            own = None
        by_parent = {}
        for row in rows:
            if row[2] not in self.outline.hidden:
                by_parent.setdefault(parent_path(row[2]), []).append(row)
        children = {
            row[2]: tuple(by_parent.get(row[2], ()))
            for row in (*ancestors, own)
            if row is not None and row[2] not in self.outline.children
        }
        expanded, _children = self.open_sidebar(ancestors, own, budget, children)
        previous = following = None
        if own is not None:
            previous, following = self.neighbours([*ancestors, own], children)
        # Kept: of more pages under one than the sidebar lists, only those it lists, and where
        # they start among how many. A 50,000-page book's section kept whole made every page's
        # piece 229 KB, read from the cache on every request.
        listed = {}
        branch = {row[2] for row in (*ancestors, own) if row is not None}
        for path, rows in children.items():
            if len(rows) > PAGES_LISTED_UNDER_ONE:
                start = listed_from(rows, branch)
                listed[path] = (start, len(rows))
                children[path] = rows[start : start + PAGES_LISTED_UNDER_ONE]
        return {
            "ancestors": ancestors,
            "own": own,
            "children": children,
            # {path: (first listed, pages under it)} where `children` holds only those listed.
            "listed": listed,
            # Which pages the sidebar lists open: decided once, as the piece is read.
            "expanded": frozenset(expanded),
            "previous": previous,
            "following": following,
        }

    def neighbours(self, branch, loaded):
        """The pages just before and after the last of `branch` (the pages from the root down
        to it) in reading order, from the children the sidebar read: only the last page under
        the previous sibling, when it has pages under it, is read (one index scan)."""
        known = self.outline.children

        def children(row):
            return known[row[2]] if row[2] in known else loaded[row[2]]

        own = branch[-1]
        following = children(own)[0] if own[5] else None
        for parent, row in reversed(list(zip(branch, branch[1:], strict=False))):
            if following is not None:
                break
            siblings = children(parent)
            number = position_of(row, siblings)
            following = siblings[number + 1] if number + 1 < len(siblings) else None
        if len(branch) == 1:
            return None, following
        siblings = children(branch[-2])
        number = position_of(own, siblings)
        previous = siblings[number - 1] if number else branch[-2]
        if number and previous[5]:
            # The last page under the previous sibling, outside the pages hidden under it.
            condition = Q(path__startswith=previous[2], path__gt=previous[2])
            for hidden in self.outline.hidden:
                if hidden.startswith(previous[2]):
                    condition &= ~Q(path__startswith=hidden)
            previous = self.rows(condition, order="-path", limit=1)[0]
        return previous, following

    def open_sidebar(self, ancestors, own, budget, loaded):
        """Which pages the sidebar lists open, as Navigation.sidebar decides (see there), with
        the children of each; children not in the outline nor in `loaded` are read into it,
        one query a level of the tree."""
        known = self.outline.children

        def children_of(paths):
            missing = [path for path in paths if path not in known and path not in loaded]
            if missing:
                found = {path: [] for path in missing}
                for row in self.rows(children_q(missing), order="path"):
                    if row[2] not in self.outline.hidden:
                        found[parent_path(row[2])].append(row)
                loaded.update((path, tuple(rows)) for path, rows in found.items())

        def children(path):
            return known[path] if path in known else loaded[path]

        always = {row[2]: row for row in [self.outline.root, *ancestors, own] if row and row[5]}
        children_of(list(always))
        links = 1 + sum(row[5] for row in always.values())
        expanded = set(always)
        level = children(self.root.path) if self.outline.root[5] else ()
        while level and links < budget:
            opened = []
            for row in level:
                if not row[5]:
                    continue
                if row[2] not in expanded:
                    if links + row[5] > budget:
                        continue
                    expanded.add(row[2])
                    links += row[5]
                opened.append(row[2])
            children_of(opened)
            level = [child for path in opened for child in children(path)]
        return expanded, children

    # -- what templates ask ------------------------------------------------------------------

    def ancestors(self, page):
        """The visible pages above `page` (a page or a NavItem), home first; works for drafts
        shown in preview too."""
        if self.root is None:
            return []
        return [self.item(row) for row in self.piece(page, SIDEBAR_LINK_BUDGET)["ancestors"]]

    def sidebar(self, page=None, budget=None):
        """What the sidebar lists around `page` (None when there is no current page).

        Home, the sections and the branch down to the page are always listed, each page on the
        branch with its children, and the page's own children. Other branches then open
        breadth-first, shallowest first and in reading order, each only if all its children
        still fit in `budget` links (SIDEBAR_LINK_BUDGET unless given): a branch too big for what
        is left stays closed, and smaller ones after it may still open. A tree that fits is
        listed whole. Of more than PAGES_LISTED_UNDER_ONE pages under an open page, it lists
        those nearest the branch, and a link to that page for the others. The work grows with
        the links listed, not with the tree."""
        if self.root is None:
            return None
        budget = SIDEBAR_LINK_BUDGET if budget is None else budget
        if page is not None:
            piece = self.piece(page, budget)
            ancestors, expanded, loaded = piece["ancestors"], piece["expanded"], piece["children"]
            windows = piece["listed"]
        else:
            ancestors, windows = [], {}
            expanded, loaded = self.sidebar_without_page(budget)
        known = self.outline.children
        branch = {row[2] for row in ancestors} | ({page.path} if page is not None else set())

        def children(path):
            return known[path] if path in known else loaded[path]

        expanded_ids = set()

        def listed(row):
            item = self.item(row)
            if row[2] in expanded:
                expanded_ids.add(item.id)
                rows = children(row[2])
                if row[2] in windows:  # the piece kept only the pages listed
                    start, total = windows[row[2]]
                else:
                    start, total = listed_from(rows, branch), len(rows)
                    rows = rows[start : start + PAGES_LISTED_UNDER_ONE]
                item.unlisted_before, item.unlisted_after = start, total - start - len(rows)
                item.children = [listed(child) for child in rows]
            return item

        return SidebarTree(
            root=listed(self.outline.root),
            current_id=page.pk if page is not None else None,
            expanded_ids=expanded_ids,
            open_ids={row[0] for row in ancestors} | {page.pk} if page is not None else set(),
        )

    def sidebar_without_page(self, budget):
        """(the paths listed open, {path: children} of those outside the outline) of a sidebar
        with no current page (What's new, search), kept like a page's piece: past the outline,
        opening its branches reads the tree, which at 50,000 pages was a query on every view."""
        key = ("sidebar", budget)
        if key not in self.looked_up:
            cache_key = self.key("sidebar", PIECE_FORMAT, budget)
            kept = cache.get(cache_key)
            if kept is None:
                loaded = {}
                expanded, _children = self.open_sidebar([], None, budget, loaded)
                kept = (frozenset(expanded), loaded)
                cache.set(cache_key, kept, CACHE_SECONDS)
            self.looked_up[key] = kept
        return self.looked_up[key]

    def previous_and_next(self, page):
        if self.root is None:
            return None, None
        piece = self.piece(page, SIDEBAR_LINK_BUDGET)
        if piece["own"] is None:
            return None, None
        previous, following = piece["previous"], piece["following"]
        return (
            self.item(previous) if previous else None,
            self.item(following) if following else None,
        )


def read_rows(outline, pages, order=None, limit=None):
    """Rows (ROW_FIELDS) of the live pages among `pages`. A page's children readers can reach
    are its children (treebeard's numchild) but for the drafts and restricted pages among them,
    which the outline counts: counting them in the database would read each page's subtree."""
    rows = pages.filter(live=True).values_list(*ROW_FIELDS[:-1], "numchild")
    if order:
        rows = rows.order_by(*([order] if isinstance(order, str) else order))
    hidden_children = outline.hidden_children if outline is not None else {}
    return [
        (*row[:-1], max(row[-1] - hidden_children.get(row[2], 0), 0))
        for row in (rows[:limit] if limit else rows)
    ]


def outline_for(site, version):
    """The site's Outline of this version: from this process, else the cache, else the
    database (one query, and one a level of the tree's top)."""
    key = (site.root_page_id, version, SIDEBAR_LINK_BUDGET)
    kept = kept_outlines.get(site.root_page_id)
    if kept is not None and kept[0] == key:
        return kept[1]
    cache_key = f"{KEY_PREFIX}:{version}:{site.root_page_id}:outline:{SIDEBAR_LINK_BUDGET}"
    outline = cache.get(cache_key)
    if outline is None:
        outline = read_outline(site, version)
        cache.set(cache_key, outline, CACHE_SECONDS)
    # One Outline a site in each process, the newest: a few hundred rows at most.
    kept_outlines[site.root_page_id] = (key, outline)
    return outline


# This process's Outline of each site: {root page id: ((root id, version, budget), outline)}.
# An Outline is never changed once built, so threads can share it.
kept_outlines = {}


def read_outline(site, version):
    # Site.find_for_request has already read the root page along with the site.
    top = site.root_page
    restricted = PageViewRestriction.objects.filter(page=OuterRef("pk"))
    # Drafts and restricted pages of the site (and restrictions above its root): few, beside
    # the live pages; the rows of the top of the tree are read next.
    # Two parts, each an index's few rows (drafts: pages_page_not_live, pages/migrations/0022),
    # in one query: asked as one condition, the database read every page to find them.
    columns = ("path", "live", "restricted", "numchild")
    above = [top.path[:end] for end in range(Page.steplen, len(top.path), Page.steplen)]
    drafts_and_above = (
        Page.objects.filter(Q(path__startswith=top.path, live=False) | Q(path__in=above))
        .annotate(restricted=Exists(restricted))
        .order_by()
        .values_list(*columns)
    )
    restricted_pages = (
        Page.objects.filter(path__startswith=top.path, view_restrictions__isnull=False)
        .annotate(restricted=Exists(restricted))
        .order_by()
        .values_list(*columns)
    )
    marks = list(drafts_and_above.union(restricted_pages))
    restricted_paths = tuple(sorted(path for path, _live, restricted, _n in marks if restricted))
    if any(top.path.startswith(path) for path in restricted_paths):
        return Outline(None, top.url_path, frozenset(), restricted_paths, {})
    unseen = [
        (path, numchild)
        for path, live, is_restricted, numchild in marks
        if path.startswith(top.path) and (is_restricted or not live)
    ]
    hidden = {path for path, numchild in unseen if numchild or path in restricted_paths}
    hidden_children = Counter(parent_path(path) for path, _numchild in unseen)
    outline = Outline(
        None, top.url_path, frozenset(hidden), restricted_paths, {}, dict(hidden_children)
    )
    rows, complete = read_top_rows(outline, top.path)
    if not rows or rows[0][2] != top.path:
        # A root readers cannot see: as the whole-tree reading always did, the first page
        # readers can see below it stands for it, and only the pages under that one are read.
        outside_restricted = Q()
        for path in restricted_paths:
            outside_restricted &= ~Q(path__startswith=path)
        first = read_rows(
            outline,
            Page.objects.filter(outside_restricted, path__startswith=top.path),
            order="path",
            limit=1,
        )
        if not first:
            return outline
        outline.hidden = frozenset(
            path for path in hidden if path.startswith(first[0][2]) and path != first[0][2]
        )
        rows, complete = read_top_rows(outline, first[0][2])
    outline.root = rows[0]
    outline.children = top_children(outline, rows, complete)
    return outline


def read_top_rows(outline, root_path):
    """The rows of the top levels of the tree under `root_path` (itself first), as many whole
    levels as TOP_ROWS rows hold, in one query; and whether they are the whole tree. The order
    is that of the index pages_page_depth_path (pages/migrations/0022), so the database reads
    TOP_ROWS + 1 rows of it, where it sorted every page of the site before."""
    rows = read_rows(
        outline,
        Page.objects.filter(path__startswith=root_path),
        order=("depth", "path"),
        limit=TOP_ROWS + 1,
    )
    return rows[:TOP_ROWS], len(rows) <= TOP_ROWS


def top_children(outline, rows, complete):
    """{path: its children's rows} of the reachable pages among `rows` whose children all are
    among them: a page's sidebar starts from these and reads only its own branch. Unless the
    rows are the whole tree, the last level read is cut short: the pages above it whose
    children it holds are those before the last row's parent (rows come in path order)."""
    root_path = outline.root[2]
    last = rows[-1]
    reachable = {root_path}
    children = {}
    for row in rows[1:]:
        parent = parent_path(row[2])
        if parent in reachable and row[2] not in outline.hidden:
            reachable.add(row[2])
            children.setdefault(parent, []).append(row)
    counts = {row[2]: row[5] for row in rows}

    def children_read(path):
        depth = len(path) // Page.steplen
        if complete or not counts[path] or depth < last[3] - 1:
            return True
        return depth == last[3] - 1 and path < parent_path(last[2])

    return {path: tuple(children.get(path, ())) for path in reachable if children_read(path)}


def current_version():
    """The navigation's version: a new one after every change forget_navigation hears of."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(VERSION_KEY, version, CACHE_SECONDS):
            version = cache.get(VERSION_KEY) or version
    return version


def navigation_for_site(site):
    return Navigation(site, current_version())


def cached_title_and_url_path(page_id):
    """(title, url_path) of a page as the pages showing it were shown it, when its own page
    was read since the tree last changed (else nobody can tell: None)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        return None
    own = cache.get(f"{KEY_PREFIX}:{version}:shown:{page_id}")
    return (own[1], own[4]) if own else None


def navigation_for_request(request):
    """The navigation of the request's site, read once per request however many tags ask."""
    navigation = getattr(request, "_kb_navigation", None)
    if navigation is None:
        site = Site.find_for_request(request)
        navigation = Navigation(site, current_version())
        request._kb_navigation = navigation
    return navigation


def forget_navigation(**kwargs):
    """Move the version on now, and again when the transaction commits: a request served in
    between could otherwise cache pieces of the tree as it was before the change."""
    cache.delete(VERSION_KEY)
    transaction.on_commit(lambda: cache.delete(VERSION_KEY))


def forget_navigation_if_page(sender, instance, **kwargs):
    """post_delete of any model: a deleted page drops the tree."""
    if isinstance(instance, Page):
        forget_navigation()
