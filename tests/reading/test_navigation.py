"""The sidebar tree, breadcrumbs, previous / next and "On this page", as a reader finds them."""

import pytest
from bs4 import BeautifulSoup

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import F

from wagtail.models import Page, PageViewRestriction, Site
from wagtail.rich_text import RichText

from pages.models import SectionPage, TopicPage
from pages.reading import navigation
from pages.reading.navigation import SIDEBAR_LINK_BUDGET, navigation_for_site
from pages.templatetags.kb_tags import sidebar_list_html
from tests.conftest import make_section, make_topic

pytestmark = pytest.mark.django_db


def soup_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


def sidebar_titles(soup):
    return [" ".join(a.get_text().split()) for a in soup.select("nav.sidebar a")]


@pytest.fixture
def book(home):
    """Guide (Alpha, Beta > Beta One), Deep Dive (Gamma > Gamma One): a small book."""
    guide = make_section(home, title="Guide")
    alpha = make_topic(guide, title="Alpha")
    beta = make_topic(guide, title="Beta")
    beta_one = make_topic(beta, title="Beta One")
    deep_dive = make_section(home, title="Deep Dive")
    gamma = make_topic(deep_dive, title="Gamma")
    gamma_one = make_topic(gamma, title="Gamma One")
    return {
        page.title: page
        for page in (home, guide, alpha, beta, beta_one, deep_dive, gamma, gamma_one)
    }


class TestSidebar:
    def test_lists_the_whole_tree_in_order(self, client, book):
        soup = soup_of(client, book["Alpha"].url)

        assert sidebar_titles(soup) == [
            "OMG Network Knowledge Base",
            "Guide",
            "Alpha",
            "Beta",
            "Beta One",
            "Deep Dive",
            "Gamma",
            "Gamma One",
        ]

    def test_marks_the_current_page_and_opens_only_its_branch(self, client, book):
        soup = soup_of(client, book["Beta One"].url)

        current = soup.select('nav.sidebar a[aria-current="page"]')
        assert [a.get_text() for a in current] == ["Beta One"]
        branches = {
            details.find_previous_sibling("a").get_text(): details.has_attr("open")
            for details in soup.select("nav.sidebar details.nav-branch")
        }
        assert branches == {"Beta": True, "Gamma": False}
        toggle = soup.select_one("nav.sidebar details.nav-branch summary")
        assert toggle.get_text(strip=True) == "Pages under Beta"

    def test_drafts_and_private_pages_never_appear(self, client, book, django_user_model):
        draft = TopicPage(title="DRAFT-MARKER", live=False)
        book["Guide"].add_child(instance=draft)
        draft.save_revision()
        private = make_topic(book["Guide"], title="PRIVATE-MARKER")
        make_topic(private, title="UNDER-PRIVATE-MARKER")
        PageViewRestriction.objects.create(page=private, restriction_type="login")
        members = make_topic(book["Guide"], title="GROUP-MARKER")
        restriction = PageViewRestriction.objects.create(page=members, restriction_type="groups")
        restriction.groups.add(Group.objects.create(name="Insiders"))
        live = TopicPage.objects.get(pk=book["Alpha"].pk)
        live.title = "UNPUBLISHED-TITLE-MARKER"
        live.save_revision()

        html = client.get(book["Beta"].url).content.decode()

        for marker in ("DRAFT-MARKER", "PRIVATE-MARKER", "GROUP-MARKER", "UNPUBLISHED-TITLE"):
            assert marker not in html
        assert "Alpha" in sidebar_titles(BeautifulSoup(html, "html.parser"))

    def test_follows_publishing_moving_and_deleting_at_once(self, client, book):
        soup_of(client, book["Alpha"].url)  # the tree is now cached

        added = make_topic(book["Guide"], title="Delta")
        assert "Delta" in sidebar_titles(soup_of(client, book["Alpha"].url))

        added.title = "Delta Renamed"
        added.save_revision().publish()
        assert "Delta Renamed" in sidebar_titles(soup_of(client, book["Alpha"].url))

        Page.objects.get(pk=added.pk).move(book["Deep Dive"], pos="last-child")
        titles = sidebar_titles(soup_of(client, book["Alpha"].url))
        assert titles.index("Delta Renamed") > titles.index("Deep Dive")

        Page.objects.get(pk=added.pk).specific.unpublish()
        assert "Delta Renamed" not in sidebar_titles(soup_of(client, book["Alpha"].url))

        PageViewRestriction.objects.create(page=book["Gamma"], restriction_type="login")
        assert "Gamma" not in sidebar_titles(soup_of(client, book["Alpha"].url))

        Page.objects.get(pk=book["Beta"].pk).delete()
        titles = sidebar_titles(soup_of(client, book["Alpha"].url))
        assert "Beta" not in titles and "Beta One" not in titles

    def test_folds_into_a_menu_button_for_small_screens(self, client, book):
        soup = soup_of(client, book["Alpha"].url)

        button = soup.select_one("nav.sidebar button.sidebar__toggle")
        assert button["aria-controls"] == "sidebar-tree"
        assert soup.select_one("#sidebar-tree") is not None
        assert soup.select_one('script[src$="pages/js/kb.js"]') is not None


class TestSidebarLinkBudget:
    """Past SIDEBAR_LINK_BUDGET links the sidebar keeps the current page's branch and opens the
    rest shallowest first. A budget of a few links shows it on the small book."""

    def test_keeps_the_branch_and_lists_other_branches_closed(self, client, book, monkeypatch):
        # Home, both sections, Guide's pages and Beta's: the branch alone spends the budget.
        monkeypatch.setattr(navigation, "SIDEBAR_LINK_BUDGET", 6)

        soup = soup_of(client, book["Beta One"].url)

        assert sidebar_titles(soup) == [
            "OMG Network Knowledge Base",
            "Guide",
            "Alpha",
            "Beta",
            "Beta One",
            "Deep Dive",
        ]
        assert [a.get_text() for a in soup.select('nav.sidebar a[aria-current="page"]')] == [
            "Beta One"
        ]
        assert [hint_of(li) for li in soup.select("nav.sidebar li:has(> .nav-more)")] == [
            ("Deep Dive", "1", "1 page under Deep Dive")
        ]
        assert soup.select("nav.sidebar details.nav-branch[open]") == soup.select(
            "nav.sidebar details.nav-branch"
        )

    def test_opens_the_shallowest_branches_first(self, client, book, monkeypatch):
        monkeypatch.setattr(navigation, "SIDEBAR_LINK_BUDGET", 6)

        soup = soup_of(client, book["Alpha"].url)

        # Deep Dive (a section) opens before Beta, one level down, though Beta reads first.
        assert sidebar_titles(soup) == [
            "OMG Network Knowledge Base",
            "Guide",
            "Alpha",
            "Beta",
            "Deep Dive",
            "Gamma",
        ]
        assert [hint_of(li)[0] for li in soup.select("nav.sidebar li:has(> .nav-more)")] == [
            "Beta",
            "Gamma",
        ]
        assert soup.select("nav.sidebar details.nav-branch") == []

    def test_a_branch_too_big_stays_closed_and_smaller_ones_after_it_open(
        self, client, book, monkeypatch
    ):
        for number in range(3):
            make_topic(book["Alpha"], title=f"Alpha {number}")
        # Home, the sections and Gamma are always listed; with Guide's Alpha and Beta, 6 links.
        # Alpha's 3 pages would make 9, over the budget of 8; Beta's one and Gamma's one fit.
        monkeypatch.setattr(navigation, "SIDEBAR_LINK_BUDGET", 8)

        soup = soup_of(client, book["Deep Dive"].url)

        assert sidebar_titles(soup) == [
            "OMG Network Knowledge Base",
            "Guide",
            "Alpha",
            "Beta",
            "Beta One",
            "Deep Dive",
            "Gamma",
            "Gamma One",
        ]
        assert [hint_of(li) for li in soup.select("nav.sidebar li:has(> .nav-more)")] == [
            ("Alpha", "3", "3 pages under Alpha")
        ]

    def test_titles_stay_text_open_or_closed(self, client, book, monkeypatch):
        title = '<script>alert("x")</script> & <b>bold</b>'
        branch = make_topic(book["Guide"], title=title)
        make_topic(branch, title="Under the script")

        def sidebar_with_budget(budget):
            monkeypatch.setattr(navigation, "SIDEBAR_LINK_BUDGET", budget)
            html = client.get(book["Alpha"].url).content.decode()
            assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in html
            sidebar = BeautifulSoup(html, "html.parser").select_one("nav.sidebar")
            assert sidebar.select("script, b") == []
            assert title in sidebar_titles(sidebar)
            return sidebar.find("a", string=title).parent

        # Listed open, the branch's toggle names it; listed closed, its hint does.
        opened = sidebar_with_budget(SIDEBAR_LINK_BUDGET)
        assert opened.select_one("summary").get_text() == f"Pages under {title}"
        closed = sidebar_with_budget(6)
        assert hint_of(closed)[2] == f"1 page under {title}"


def hint_of(item):
    """(link text, visible marker, what a screen reader hears) of a sidebar item listed closed."""
    hint = item.select_one(":scope > .nav-more")
    return (
        item.select_one(":scope > a").get_text(),
        hint.select_one('[aria-hidden="true"]').get_text(),
        hint.select_one(".visually-hidden").get_text(),
    )


class TestWayfinding:
    def test_breadcrumbs_lead_from_home_to_the_page(self, client, book):
        soup = soup_of(client, book["Beta One"].url)

        crumbs = [li.get_text(strip=True) for li in soup.select("nav.breadcrumbs li")]
        assert crumbs == ["OMG Network Knowledge Base", "Guide", "Beta", "Beta One"]
        links = [a["href"] for a in soup.select("nav.breadcrumbs a")]
        assert links == ["/", "/guide/", "/guide/beta/"]

    def test_previous_and_next_read_the_tree_as_a_book(self, client, book):
        def pager(title):
            soup = soup_of(client, book[title].url)
            previous = soup.select_one("nav.pager a[rel=prev]")
            following = soup.select_one("nav.pager a[rel=next]")
            return (
                previous and previous.get_text(" ", strip=True),
                following and following.get_text(" ", strip=True),
            )

        assert pager("OMG Network Knowledge Base") == (None, "Next Guide")
        assert pager("Beta One") == ("Previous Beta", "Next Deep Dive")
        assert pager("Gamma One") == ("Previous Gamma", None)

    def test_on_this_page_links_to_the_body_headings(self, client, section):
        page = make_topic(
            section,
            title="Exits",
            body=[
                ("heading", {"text": "How exits work", "level": "h2", "anchor": ""}),
                ("text", RichText("<p>Text.</p>")),
                ("heading", {"text": "Challenges", "level": "h3", "anchor": "challenge-period"}),
            ],
        )

        soup = soup_of(client, page.url)

        toc = soup.select("nav.toc li a")
        assert [(a.get_text(), a["href"]) for a in toc] == [
            ("How exits work", "#how-exits-work"),
            ("Challenges", "#challenge-period"),
        ]
        for link in toc:
            assert soup.find(id=link["href"][1:]) is not None

    def test_a_page_without_headings_has_no_contents_box(self, client, section):
        page = make_topic(section, title="Short")

        assert soup_of(client, page.url).select_one("nav.toc") is None

    def test_last_updated_is_the_last_publication(self, client, section):
        page = make_topic(section, title="Dated")

        time = soup_of(client, page.url).select_one(".last-updated time")

        assert time["datetime"] == page.last_published_at.isoformat()


def build_tree(home, sections, topics, subtopics):
    """`sections` x `topics` x `subtopics` live pages made the way editors make them."""
    deepest = None
    for s in range(sections):
        section = home.add_child(instance=SectionPage(title=f"Section {s}"))
        for t in range(topics):
            topic = section.add_child(instance=TopicPage(title=f"Topic {s}.{t}"))
            for u in range(subtopics):
                deepest = topic.add_child(instance=TopicPage(title=f"Topic {s}.{t}.{u}"))
    return deepest


def grow_tree(parent, breadth, levels):
    """breadth + breadth² + ... live pages under `parent`, written in bulk: a thousand pages made
    one by one would take the test most of a minute."""
    content_type = ContentType.objects.get_for_model(Page)
    pages = []

    def add(path, url_path, depth, first_step, level):
        for step in range(first_step, first_step + breadth):
            child_path = Page._get_path(path, depth + 1, step)
            slug = f"page-{child_path}"
            pages.append(
                Page(
                    title=f"Page {child_path}",
                    draft_title=f"Page {child_path}",
                    slug=slug,
                    path=child_path,
                    depth=depth + 1,
                    numchild=breadth if level < levels else 0,
                    url_path=f"{url_path}{slug}/",
                    content_type=content_type,
                    locale_id=parent.locale_id,
                    live=True,
                )
            )
            if level < levels:
                add(child_path, f"{url_path}{slug}/", depth + 1, 1, level + 1)

    add(parent.path, parent.url_path, parent.depth, parent.numchild + 1, 1)
    Page.objects.bulk_create(pages, batch_size=500)
    Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + breadth)
    return len(pages)


def give_it_content(page):
    """A body that needs other pages to render (a card, a link in its text), a heading for "On
    this page", and a tag: each cost queries of its own until the page's parts were kept."""
    parent = page.get_parent()
    page.body = [
        ("heading", {"text": "Where it fits", "level": "h2", "anchor": ""}),
        ("text", RichText(f'<p>Read <a linktype="page" id="{parent.pk}">its topic</a>.</p>')),
        ("card", {"page": parent, "title": "", "description": ""}),
    ]
    page.tags.add("deep")
    page.save()


def test_a_deep_page_costs_the_same_queries_in_a_small_and_a_large_tree(
    client, home, django_assert_max_num_queries
):
    # A cold request starts with an empty cache, so its count includes reading the tree and
    # rendering the page's parts: the most a request ever pays. A warm one (every request but the
    # first after a change) routes the page and checks its view restrictions, and no more.
    deep_page = build_tree(home, 2, 5, 4)  # 52 pages under the home page
    assert deep_page.depth >= 4
    deep_page = TopicPage.objects.get(pk=deep_page.pk)
    give_it_content(deep_page)
    url = deep_page.url
    cache.clear()
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(8) as small_warm:
        small_page = client.get(url).content

    grown = grow_tree(Page.objects.get(pk=home.pk), 17, 3)
    grown += grow_tree(deep_page.get_parent(), 20, 1)
    assert grown > 5000
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get(url)
    with django_assert_max_num_queries(len(small_warm.captured_queries)) as large_warm:
        large_page = client.get(url).content

    assert response.status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(large_warm.captured_queries) == len(small_warm.captured_queries)
    links = BeautifulSoup(response.content, "html.parser").select("nav.sidebar a")
    assert len(links) <= SIDEBAR_LINK_BUDGET
    # Kept parts are the page as rendered: its heading, card, link and tag are all there.
    for page in (small_page, large_page):
        soup = BeautifulSoup(page, "html.parser")
        assert soup.select_one(".toc a[href='#where-it-fits']") is not None
        assert soup.select_one(f".page-body a[href='{deep_page.get_parent().url}']") is not None
        assert [tag.get_text() for tag in soup.select(".page-tags a")] == ["deep"]


@pytest.fixture
def large_book(home):
    """Some 5,400 pages: a small book made as editors make it, then grown in bulk around it, the
    deepest page given siblings and children (with children of their own) too."""
    deep_page = build_tree(home, 2, 3, 3)  # 26 pages; the last is at depth 5
    grow_tree(Page.objects.get(pk=home.pk), 17, 3)
    grow_tree(deep_page.get_parent(), 20, 1)
    grow_tree(Page.objects.get(pk=deep_page.pk), 12, 2)
    return deep_page


class TestSidebarOfALargeTree:
    def test_lists_the_page_its_branch_and_what_fits_the_budget(self, client, home, large_book):
        deep_page = large_book
        soup = soup_of(client, deep_page.url)

        links = soup.select("nav.sidebar a")
        listed = {a["href"] for a in links}
        assert len(links) == len(listed) <= SIDEBAR_LINK_BUDGET
        assert [a["href"] for a in soup.select('nav.sidebar a[aria-current="page"]')] == [
            deep_page.url
        ]
        # Every section, and the branch: each page above with the pages under it, the page's own.
        parent = deep_page.get_parent()
        for above in (home, *deep_page.get_ancestors().filter(depth__gt=2)):
            assert {child.url for child in above.get_children()} <= listed
        assert {page.url for page in parent.get_children()} <= listed
        assert {page.url for page in deep_page.get_children()} <= listed
        opened = [
            details.find_previous_sibling("a")["href"]
            for details in soup.select("nav.sidebar details.nav-branch[open]")
        ]
        assert opened == [page.url for page in deep_page.get_ancestors().filter(depth__gt=3)] + [
            deep_page.url
        ]

    def test_marks_the_branches_it_lists_closed(self, client, home, large_book):
        soup = soup_of(client, large_book.url)

        links = soup.select("nav.sidebar a")
        closed = soup.select("nav.sidebar li:has(> .nav-more)")
        assert closed
        # Link "/a/b/" is the page at URL path "/kb/a/b/" (the home page's is "/kb/").
        children = dict(
            Page.objects.filter(
                url_path__in=[home.url_path + li.a["href"][1:] for li in closed]
            ).values_list("url_path", "numchild")
        )
        for item in closed:
            title, count, heard = hint_of(item)
            assert heard == f"{count} pages under {title}"
            assert int(count) == children[home.url_path + item.a["href"][1:]]
            assert item.select("ul, details") == []
            # Breadth-first, each branch opens if its pages fit: those left closed did not.
            assert len(links) + int(count) > SIDEBAR_LINK_BUDGET
        for details in soup.select("nav.sidebar details.nav-branch"):
            assert details.select(":scope > ul > li")

    def test_is_the_same_every_time_and_decided_without_a_query(
        self, client, large_book, django_assert_num_queries
    ):
        def sidebar_html():
            return str(soup_of(client, large_book.url).select_one("nav.sidebar"))

        first = sidebar_html()
        assert sidebar_html() == first
        cache.clear()  # the tree read again from the database
        assert sidebar_html() == first

        tree = navigation_for_site(Site.objects.get(is_default_site=True))
        with django_assert_num_queries(0):
            tree.sidebar(large_book)


class TestTreeKeptInTheProcess:
    """Without a shared cache every request reads the outline again; the process keeps only the
    newest of each site's, and a change shows on the next page."""

    @pytest.fixture
    def no_shared_cache(self, settings):
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
        navigation.kept_outlines.clear()

    def test_the_process_keeps_one_outline_a_site_and_a_change_shows(
        self, client, book, no_shared_cache
    ):
        site = Site.objects.get(is_default_site=True)
        navigation_for_site(site).sidebar(book["Alpha"])
        navigation_for_site(site).sidebar(book["Alpha"])
        assert list(navigation.kept_outlines) == [site.root_page_id]

        make_topic(book["Guide"], title="Delta")

        assert "Delta" in sidebar_list_html(navigation_for_site(site).sidebar(book["Alpha"]))
        # Readers see the change on the next page, cache or no cache.
        assert "Delta" in sidebar_titles(soup_of(client, book["Alpha"].url))


def test_a_page_among_hundreds_lists_the_pages_nearest_it_and_links_to_the_rest(client, home):
    # A section of a 50,000-page book holds a thousand pages; listed whole, every page of it
    # would carry a thousand links.
    guide = make_section(home, title="Guide")
    grow_tree(guide, 150, 1)
    page = make_topic(SectionPage.objects.get(pk=guide.pk), title="The one read")
    grow_tree(Page.objects.get(pk=guide.pk), 149, 1)
    siblings = list(Page.objects.child_of(guide).order_by("path"))
    assert siblings[150].pk == page.pk
    most = navigation.PAGES_LISTED_UNDER_ONE

    soup = soup_of(client, page.url)

    guide_list = soup.select_one("nav.sidebar li.nav-item--section > ul.nav-list")
    listed = [a.get_text() for a in guide_list.select(":scope > li:not(.nav-item--unlisted) > a")]
    start = 150 - most // 2
    assert listed == [sibling.title for sibling in siblings[start : start + most]]
    unlisted = guide_list.select(":scope > li.nav-item--unlisted > a")
    assert [" ".join(a.get_text().split()) for a in unlisted] == [
        f"{start} earlier pages under Guide",
        f"{300 - start - most} more pages under Guide",
    ]
    assert {a["href"] for a in unlisted} == {guide.url}
    assert soup.select_one('nav.sidebar a[aria-current="page"]').get_text() == page.title

    # A page with no such page on its branch lists the first pages, and more after them.
    soup = soup_of(client, home.url)
    unlisted = soup.select("nav.sidebar li.nav-item--unlisted > a")
    assert [" ".join(a.get_text().split()) for a in unlisted] == [
        f"{300 - most} more pages under Guide"
    ]
