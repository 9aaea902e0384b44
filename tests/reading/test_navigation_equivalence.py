"""
The navigation read in pieces (issue 24) shows readers exactly what the whole-tree navigation
showed: a copy of that one, kept here as the reference, is compared with it over generated trees
with drafts, restricted sections, live pages under a draft, several sites and trees larger than
the sidebar's budget and the outline's top.
"""

import random

import pytest

from django.core.cache import cache
from django.test import RequestFactory

from wagtail.models import Page, PageViewRestriction, Site

from pages.models.visibility import visible_pages
from pages.reading import changes, machine_readable, navigation
from pages.reading.visibility import reader_links
from pages.templatetags.kb_tags import sidebar_list_html
from tests.conftest import make_section, make_topic

pytestmark = pytest.mark.django_db


class ReferenceItem:
    def __init__(self, page_id, title, url, path, depth):
        self.id, self.title, self.url, self.path, self.depth = page_id, title, url, path, depth
        self.children = []
        self.unlisted_before = self.unlisted_after = 0

    @property
    def pk(self):
        return self.id

    @property
    def child_count(self):
        return len(self.children)


class ReferenceNavigation:
    """The whole-tree Navigation as it was before issue 24, built from every visible row."""

    def __init__(self, site):
        root = site.root_page
        rows = (
            visible_pages()
            .filter(path__startswith=root.path)
            .order_by("path")
            .values_list("id", "title", "path", "depth", "url_path")
        )
        self.reading_order, self.by_path, self.by_id, self.by_url = [], {}, {}, {}
        self.root = None
        for page_id, title, path, depth, url_path in rows:
            item = ReferenceItem(page_id, title, "/" + url_path[len(root.url_path) :], path, depth)
            parent = self.by_path.get(path[: -Page.steplen])
            if parent is not None:
                parent.children.append(item)
            elif self.root is None:
                self.root = item
            else:
                continue
            self.by_path[path] = item
            self.by_id[page_id] = item
            self.by_url[item.url] = item
            self.reading_order.append(item)
        self.position = {item.id: number for number, item in enumerate(self.reading_order)}

    def ancestors(self, page):
        paths = (page.path[:end] for end in range(Page.steplen, len(page.path), Page.steplen))
        return [self.by_path[path] for path in paths if path in self.by_path]

    @staticmethod
    def listed(item, branch_ids):
        """(the children of `item` the sidebar lists, how many it leaves out before them, after
        them): at most PAGES_LISTED_UNDER_ONE, centred on the one on the branch."""
        most = navigation.PAGES_LISTED_UNDER_ONE
        children = item.children
        if len(children) <= most:
            return children, 0, 0
        on_branch = next((n for n, child in enumerate(children) if child.id in branch_ids), 0)
        start = max(0, min(on_branch - most // 2, len(children) - most))
        return children[start : start + most], start, len(children) - start - most

    def sidebar(self, page, budget):
        if self.root is None:
            return None
        branch = self.ancestors(page) if page is not None else []
        current = self.by_id.get(page.pk) if page is not None else None
        always = {self.root.id: self.root}
        always.update((item.id, item) for item in branch)
        if current is not None:
            always[current.id] = current
        branch_ids = {item.id for item in branch} | ({current.id} if current else set())
        links = 1 + sum(len(item.children) for item in always.values())
        expanded_ids = set(always)
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

        def shown(item):
            copy = ReferenceItem(item.id, item.title, item.url, item.path, item.depth)
            copy.children = item.children
            if item.id in expanded_ids:
                children, copy.unlisted_before, copy.unlisted_after = self.listed(item, branch_ids)
                copy.children = [shown(child) for child in children]
            return copy

        open_ids = {item.id for item in branch} | {page.pk} if page is not None else set()
        return navigation.SidebarTree(
            shown(self.root), page.pk if page is not None else None, expanded_ids, open_ids
        )

    def previous_and_next(self, page):
        number = self.position.get(page.pk)
        if number is None:
            return None, None
        previous = self.reading_order[number - 1] if number > 0 else None
        following = self.reading_order[number + 1] if number + 1 < len(self.reading_order) else None
        return previous, following

    # What llms_txt_lines and published_changes ask, answered from the whole tree.
    def is_reachable(self, path):
        return path in self.by_path

    def item(self, row):
        return self.by_id[row[0]]

    def items_by_id(self, page_ids):
        return {page_id: self.by_id[page_id] for page_id in page_ids if page_id in self.by_id}

    def items_by_path(self, paths):
        return {path: self.by_path[path] for path in paths if path in self.by_path}


def described(item):
    return item and (item.id, item.title, item.url)


def grow_random_tree(top, pages, seed):
    """`pages` plain pages under `top`, each under a page picked at random (deeper ones more
    often), some published twice, some drafts (with live pages under them), some restricted."""
    chooser = random.Random(seed)
    made = [top]
    for number in range(pages):
        parent = made[max(0, len(made) - 1 - int(chooser.expovariate(0.15)))]
        if chooser.random() < 0.3:
            parent = chooser.choice(made)
        parent = Page.objects.get(pk=parent.pk)
        made.append(parent.add_child(instance=Page(title=f"P{seed}-{number}", live=True)))
    for page in chooser.sample(made[1:], 8):
        # Read afresh, as the admin reads a page it publishes: the instance made above has a
        # numchild from before its children, and publishing it would save that.
        Page.objects.get(pk=page.pk).save_revision().publish()
    for page in chooser.sample(made[1:], max(2, pages // 12)):
        Page.objects.filter(pk=page.pk).update(live=False)
    for page in chooser.sample(made[1:], 2):
        PageViewRestriction.objects.create(page=page, restriction_type="password", password="x")
    return made


@pytest.fixture
def sites(home):
    """The default site with a small book and a random tree, and a second site of its own."""
    guide = make_section(home, title="Guide")
    make_topic(guide, title="Alpha")
    grow_random_tree(guide, 70, seed=1)
    other_root = Page.get_first_root_node().add_child(instance=Page(title="Other", slug="other"))
    grow_random_tree(other_root, 40, seed=2)
    other = Site.objects.create(hostname="other.example", root_page=other_root)
    return [Site.objects.get(is_default_site=True), other]


def compare(site, budget):
    cache.clear()
    navigation.kept_outlines.clear()
    reference = ReferenceNavigation(site)
    pieces = navigation.navigation_for_site(site)
    pages = list(Page.objects.filter(depth__gt=1).order_by("path"))
    assert reference.root is not None
    assert described(pieces.root) == described(reference.root)
    assert sidebar_list_html(pieces.sidebar(None, budget)) == sidebar_list_html(
        reference.sidebar(None, budget)
    )
    for page in pages:
        expected = reference.sidebar(page, budget)
        assert sidebar_list_html(pieces.sidebar(page, budget)) == sidebar_list_html(expected)
        assert [described(item) for item in pieces.ancestors(page)] == [
            described(item) for item in reference.ancestors(page)
        ]
        assert [described(item) for item in pieces.previous_and_next(page)] == [
            described(item) for item in reference.previous_and_next(page)
        ]
    ids = [page.pk for page in pages] + [999_999]
    assert {key: described(item) for key, item in pieces.items_by_id(ids).items()} == {
        key: described(item) for key, item in reference.items_by_id(ids).items()
    }
    for page in pages:
        item = reference.by_id.get(page.pk)
        url = item.url if item else "/" + page.url_path[len(site.root_page.url_path) :]
        assert described(pieces.item_at_url(url)) == described(reference.by_url.get(url))


def test_pieces_show_what_the_whole_tree_showed(sites, monkeypatch):
    # The trees hold what makes the reading hard: live pages under a draft, restricted ones.
    reference = ReferenceNavigation(sites[0])
    live = set(visible_pages().values_list("pk", flat=True))
    assert live - set(reference.by_id)
    assert PageViewRestriction.objects.exists()
    # Budgets that list everything, some branches or barely the branch; tops of the tree that
    # hold all of it, some levels, or the root alone; every page under one listed, or three of
    # them around the branch.
    for budget, top_rows, listed_under_one in [
        (1_000, 10_000, 50),
        (400, 30, 50),
        (40, 30, 50),
        (12, 3, 50),
        (5, 10_000, 50),
        (5, 3, 50),
        (1_000, 10_000, 3),
        (40, 30, 3),
    ]:
        monkeypatch.setattr(navigation, "TOP_ROWS", top_rows)
        monkeypatch.setattr(navigation, "SIDEBAR_LINK_BUDGET", budget)
        monkeypatch.setattr(navigation, "PAGES_LISTED_UNDER_ONE", listed_under_one)
        for site in sites:
            compare(site, budget)


def test_a_root_readers_cannot_see_stands_for_the_first_page_they_can(sites):
    other = sites[1]
    Page.objects.filter(pk=other.root_page_id).update(live=False)
    compare(Site.objects.get(pk=other.pk), navigation.SIDEBAR_LINK_BUDGET)


def test_whats_new_llms_txt_and_reader_links_are_the_same(sites, client):
    site = sites[0]
    cache.clear()
    reference = ReferenceNavigation(site)
    pieces = navigation.navigation_for_site(site)
    rows = list(changes.publishes(minor_edits=True))
    assert rows

    def change_list(found):
        return [(c.id, described(c.page), described(c.parent), c.note) for c in found]

    assert change_list(changes.published_changes(rows, pieces)) == change_list(
        changes.published_changes(rows, reference)
    )
    request = RequestFactory().get("/llms.txt")
    request._kb_navigation = pieces
    expected = list(machine_readable.llms_txt_lines(request, reference))
    assert list(machine_readable.llms_txt_lines(request, pieces)) == expected
    assert client.get("/llms.txt").getvalue().decode() == "\n".join(expected) + "\n"

    ids = list(Page.objects.values_list("pk", flat=True))
    links = reader_links(ids, RequestFactory().get("/"))
    assert {key: (link.id, link.title, link.url) for key, link in links.items()} == {
        item.id: (item.id, item.title, item.url) for item in reference.by_id.values()
    }


@pytest.mark.parametrize("breadth", [3, 8])  # 39 and 584 pages under the section
def test_a_page_reads_the_same_few_queries_at_any_size(
    home, breadth, django_assert_max_num_queries
):
    from tests.reading.test_navigation import grow_tree

    section = make_section(home, title="Guide")
    grow_tree(section, breadth, 3)
    deep = Page.objects.filter(path__startswith=section.path).order_by("-depth", "path")[1]
    site = Site.objects.get(is_default_site=True)

    def read_all_a_page_shows():
        shown = navigation.navigation_for_site(site)
        shown.sidebar(deep)
        shown.ancestors(deep)
        shown.previous_and_next(deep)
        shown.items_by_id([section.pk, deep.pk])

    cache.clear()
    navigation.kept_outlines.clear()
    # Cold: the outline (restrictions and drafts, the top of the tree), the page's branch, the
    # last page under its previous sibling, the links; never a query a page or a level.
    with django_assert_max_num_queries(5):
        read_all_a_page_shows()
    with django_assert_max_num_queries(0):
        read_all_a_page_shows()
    # Another worker: the outline and the pieces come from the shared cache.
    navigation.kept_outlines.clear()
    with django_assert_max_num_queries(0):
        read_all_a_page_shows()
