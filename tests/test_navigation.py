"""The sidebar tree, breadcrumbs, previous / next and "On this page", as a reader finds them."""

import pytest
from bs4 import BeautifulSoup

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import F

from wagtail.models import Page, PageViewRestriction
from wagtail.rich_text import RichText

from pages.models import SectionPage, TopicPage

from .conftest import make_section, make_topic

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


def test_a_deep_page_costs_the_same_queries_in_a_small_and_a_large_tree(
    client, home, django_assert_max_num_queries
):
    # Each request starts with an empty cache, so the count includes reading the tree: the most
    # a request ever pays.
    deep_page = build_tree(home, 2, 5, 4)  # 52 pages under the home page
    assert deep_page.depth >= 4
    url = deep_page.url
    cache.clear()
    with django_assert_max_num_queries(15) as small:
        assert client.get(url).status_code == 200

    grown = grow_tree(Page.objects.get(pk=home.pk), 10, 3)
    grown += grow_tree(deep_page.get_parent(), 20, 1)
    assert grown > 1000
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get(url)

    assert response.status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(BeautifulSoup(response.content, "html.parser").select("nav.sidebar a")) > 1000
