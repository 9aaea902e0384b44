"""The OMG Network knowledge base (fixtures/omg-kb) holds every heading of the original outline."""

from html import escape
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from django.conf import settings
from django.db import transaction

from wagtail.models import Page, Revision

from pages.models import (
    DeepDivePage,
    FaqIndexPage,
    FaqPage,
    HomePage,
    SectionPage,
    TopicPage,
    VideoPage,
)
from tests.gitbook.books import import_book

BOOK = Path(settings.BASE_DIR) / "fixtures" / "omg-kb"

# ../shared/seed/omg-kb-outline.md, in its order and nesting: (title, children).
OUTLINE = [
    (
        "OmiseGO Official Guide",
        [
            ("What is OmiseGO?", []),
            ("Why do we need OMG?", []),
            ("Why did a for-profit company choose to invest in building a public network?", []),
            ("How was OmiseGO launched?", [("OMG token allocation & airdrop", [])]),
            (
                "OMG basics",
                [
                    ("eWallet Suite", []),
                    ("White-label Wallet Software Development Kit (SDK)", []),
                    ("Decentralized Exchange (DEX)", []),
                    ("Scalability Network Mechanism", []),
                    ("Decentralized Cash In/Out Layer", []),
                ],
            ),
            (
                "Key concepts",
                [
                    ("Decentralized Network", []),
                    ("Proof of Stake (PoS)", []),
                    ("OMG token function", []),
                    ("Scalability with Plasma", []),
                    ("Hazards of Centralization", []),
                    ("Unbanking the Banked", []),
                ],
            ),
            ("Who will use the network?", []),
            ("What will OmiseGO do with themselves once the network is built?", []),
            (
                "How does OMG provide for...",
                [("Security?", []), ("Scalability?", []), ("Mainstream Adoption?", [])],
            ),
            ("Community & Communication", []),
        ],
    ),
    (
        "OMG Deep Dive",
        [
            (
                "Decentralized Exchange Layer",
                [("OMG DEX Design", []), ("Current State", []), ("DEX Resources", [])],
            ),
            (
                "eWallet Suite",
                [
                    ("What Are Integration Libraries?", []),
                    ("eWallet Current State", []),
                    ("eWallet Implementation", []),
                    ("eWallet Resources", []),
                ],
            ),
            (
                "Plasma",
                [
                    ("Plasma MVP (Minimum Viable Plasma)", []),
                    ("Plasma MoreVP (More Viable Plasma)", []),
                    ("Plasma Cash", []),
                    ("Plasma XT", []),
                    ("Plasma Debit", []),
                    ("Plasma Current State", []),
                    ("Plasma Resources", []),
                ],
            ),
            (
                "Proof of Stake Consensus Mechanism",
                [
                    ("What does staking mean?", []),
                    ("Current State", []),
                    ("Proof of Stake Resources", []),
                ],
            ),
            ("Business Development", [("BizDev Current State", [])]),
        ],
    ),
    # The two FAQ categories are FAQ indexes holding their entries (checked below).
    ("Frequently Asked Questions", [("Community Q&A", None), ("Official AMAs", None)]),
    (
        "OMG Network",
        [
            ("What is the OMG Network?", [("Introductions by persona/profiles", [])]),
            ("OMG Token", []),
            ("OMG Ecosystem Roadmap", []),
            ("Tengen: The End Game", []),
        ],
    ),
    (
        "Videos",
        [
            ("Decentralizing Consensus", []),
            ("The Path to a More Viable Plasma", []),
            ("Dear bank, where did my 100 bucks go?", []),
        ],
    ),
]


def tree_of(page):
    """(title, children) for the live pages under `page`; FAQ indexes' entries as None."""
    children = []
    for child in page.get_children().live().specific():
        grandchildren = None if isinstance(child, FaqIndexPage) else tree_of(child)
        children.append((child.title, grandchildren))
    return children


@pytest.fixture(scope="module")
def knowledge_base(django_db_setup, django_db_blocker):
    """The book imported once for the whole module (it is 70+ pages), rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        output = import_book(BOOK)
        yield HomePage.objects.get(), output
        transaction.set_rollback(True)


@pytest.mark.django_db
class TestTheKnowledgeBase:
    def test_it_imports_with_no_warnings(self, knowledge_base):
        _, output = knowledge_base

        assert "Imported: 72 created, 0 updated, 0 unchanged, 0 warnings." in output, output
        assert "Warning" not in output
        assert "Degraded" not in output

    def test_every_outline_heading_is_a_live_page_in_its_place(self, knowledge_base):
        home, _ = knowledge_base

        assert tree_of(home) == OUTLINE

    def test_page_types_follow_the_outline(self, knowledge_base):
        home, _ = knowledge_base
        sections = {page.title: page for page in home.get_children().specific()}

        assert all(isinstance(page, SectionPage) for page in sections.values())
        guide = sections["OmiseGO Official Guide"].get_descendants().specific()
        assert {type(page) for page in guide} == {TopicPage}
        deep_dive = sections["OMG Deep Dive"].get_descendants().specific()
        assert {type(page) for page in deep_dive} == {DeepDivePage}
        # A talk whose recording has not been found and checked is a topic saying so; it
        # becomes a video page once its address is known (tests/content/test_kb_content.py).
        videos = sections["Videos"].get_children().specific()
        assert {type(page) for page in videos} <= {VideoPage, TopicPage}

    def test_faq_categories_hold_their_entries(self, knowledge_base):
        for index in FaqIndexPage.objects.live():
            entries = FaqPage.objects.child_of(index).live().select_related("category")
            assert entries.count() >= 3, index.title
            assert {entry.category.name for entry in entries} == {index.title}

    def test_deep_dives_carry_a_dated_current_state_and_resources(self, knowledge_base):
        states = DeepDivePage.objects.live().exclude(current_state="")
        assert {page.title for page in states} >= {
            "Current State",
            "eWallet Current State",
            "Plasma Current State",
            "BizDev Current State",
        }
        assert all(page.current_state_as_of is not None for page in states)
        for title in (
            "DEX Resources",
            "eWallet Resources",
            "Plasma Resources",
            "Proof of Stake Resources",
        ):
            assert len(DeepDivePage.objects.get(title=title).resources) >= 2, title

    def test_unfinished_subjects_are_flagged(self, knowledge_base):
        home, _ = knowledge_base
        flagged = {
            page.title for page in home.get_descendants().live().specific() if page.in_development
        }

        assert home.in_development
        assert {"Proof of Stake Consensus Mechanism", "What does staking mean?"} <= flagged

    def test_every_page_renders_and_has_a_history(self, knowledge_base, client):
        home, _ = knowledge_base
        pages = home.get_descendants(inclusive=True).live().specific()

        assert pages.count() >= 70
        for page in pages:
            response = client.get(page.url)
            assert response.status_code == 200, page.url
            assert escape(page.title) in response.content.decode()
            assert page.revisions.exists(), page.url

    def test_every_page_has_the_landmarks_and_text_alternatives_assistive_tech_needs(
        self, knowledge_base, client
    ):
        home, _ = knowledge_base

        for page in home.get_descendants(inclusive=True).live():
            soup = BeautifulSoup(client.get(page.url).content, "html.parser")
            assert soup.html["lang"] == "en", page.url
            assert soup.select_one("a.skip-link")["href"] == "#main-content", page.url
            for landmark in ("header.site-header", "nav.sidebar", "main#main-content", "footer"):
                assert len(soup.select(landmark)) == 1, (page.url, landmark)
            assert len(soup.find_all("h1")) == 1, page.url
            assert all(img.has_attr("alt") for img in soup.find_all("img")), page.url
            ids = [tag["id"] for tag in soup.find_all(id=True)]
            assert len(ids) == len(set(ids)), (page.url, sorted(i for i in ids if ids.count(i) > 1))
            labelled = soup.select("nav[aria-label], nav[aria-labelledby]")
            assert labelled == soup.find_all("nav"), page.url

    def test_every_page_has_markdown_and_the_machine_views_answer(self, knowledge_base, client):
        home, _ = knowledge_base
        pages = home.get_descendants(inclusive=True).live()

        for page in pages:
            markdown = "/index.md" if page.url == "/" else page.url.rstrip("/") + ".md"
            response = client.get(markdown)
            assert response.status_code == 200, markdown
            assert f"# {page.title}\n" in response.content.decode(), markdown
        for url in ("/sitemap.xml", "/robots.txt", "/llms.txt", "/tags/", "/whats-new/", "/feed/"):
            assert client.get(url).status_code == 200, url
        llms = client.get("/llms.txt").getvalue().decode()
        assert llms.count("](http://") == pages.count()
        listing = client.get("/api/v2/pages/", {"limit": 100}).json()
        assert listing["meta"]["total_count"] == pages.count()
        for item in listing["items"]:
            assert client.get(f"/api/v2/pages/{item['id']}/").status_code == 200, item

    def test_a_second_import_changes_nothing(self, knowledge_base):
        pages, revisions = Page.objects.count(), Revision.objects.count()

        output = import_book(BOOK)

        assert "0 created, 0 updated" in output
        assert (Page.objects.count(), Revision.objects.count()) == (pages, revisions)
        assert HomePage.objects.count() == 1
