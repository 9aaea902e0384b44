"""Landing pages: the home page, a section and the FAQ say what they hold, and "still in
development" once."""

import re
from contextlib import contextmanager

import pytest
from bs4 import BeautifulSoup

from django.db import connection

from pages.models import FaqCategory
from tests.conftest import make_faq, make_faq_index, make_section, make_topic


def read(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


def words(element):
    return " ".join(element.get_text().split())


@contextmanager
def queries_counted():
    """The SQL run inside the block, as a list filled in as it runs."""
    run = []

    def count(execute, sql, params, many, context):
        run.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield run


def times_said(html, phrase="still in development"):
    """How often a reader meets the phrase on the page, in any case, in its visible text."""
    text = " ".join(BeautifulSoup(html, "html.parser").body.get_text().split())
    return len(re.findall(re.escape(phrase), text, flags=re.IGNORECASE))


@pytest.fixture
def amas(db):
    return FaqCategory.objects.create(name="Official AMAs", slug="official-amas", sort_order=10)


@pytest.fixture
def faq_section(home, faq_category, amas):
    """A FAQ section as the knowledge base has it: two FAQ indexes, each with its questions."""
    section = make_section(
        home,
        title="Frequently Asked Questions",
        summary="Short answers to the questions people ask most.",
        introduction="<p>Each answer is on its own page, so it can be linked to.</p>",
    )
    community = make_faq_index(section, title="Community Q&A", summary="Newcomers' questions.")
    make_faq(
        community,
        faq_category,
        title="Is the OMG Network finished?",
        summary="No: staking was still to come in 2020.",
    )
    make_faq(community, faq_category, title="Do I need OMG tokens?", in_development=True)
    official = make_faq_index(section, title="Official AMAs", summary="The team's answers.")
    make_faq(official, amas, title="Why build on Plasma?", summary="Ethereum keeps the funds safe.")
    return section


@pytest.mark.django_db
class TestSectionPage:
    def test_opens_with_its_introduction_then_lists_its_pages_with_summaries(self, client, home):
        section = make_section(
            home,
            title="OMG Deep Dive",
            introduction="<p>How the network works, layer by layer.</p>",
        )
        make_topic(section, title="Plasma", summary="Child chains anchored to Ethereum.")
        make_topic(section, title="MoreVP", summary="Exits ordered by their oldest input.")

        soup = read(client, section.url)

        main = soup.select_one("main")
        introduction = main.select_one(".introduction")
        listing = main.select_one("section[aria-labelledby=section-pages-heading]")
        assert words(introduction) == "How the network works, layer by layer."
        assert words(listing.h2) == "In this section"
        # The introduction comes before the list it introduces.
        assert str(main).index("layer by layer") < str(main).index("In this section")
        items = [
            (words(item.select_one(".child-list__title")), words(item.select_one("p")))
            for item in listing.select(".child-list__item")
        ]
        assert items == [
            ("Plasma", "Child chains anchored to Ethereum."),
            ("MoreVP", "Exits ordered by their oldest input."),
        ]

    def test_lists_each_faq_index_with_its_questions_linked(self, client, faq_section):
        soup = read(client, faq_section.url)

        indexes = soup.select(".child-list > .child-list__item")
        assert [words(item.select_one(".child-list__title")) for item in indexes] == [
            "Community Q&A",
            "Official AMAs",
        ]
        community = indexes[0].select(".child-list__question")
        assert [words(question.a) for question in community] == [
            "Is the OMG Network finished?",
            "Do I need OMG tokens?",
        ]
        assert community[0].a["href"].endswith("/community-qa/is-the-omg-network-finished/")
        assert words(community[0].p) == "No: staking was still to come in 2020."
        # An unfinished question carries the small badge, not the banner's words.
        assert words(community[1].select_one(".badge--development")) == "In development"
        official = indexes[1].select(".child-list__question")
        assert [(words(q.a), words(q.p)) for q in official] == [
            ("Why build on Plasma?", "Ethereum keeps the funds safe.")
        ]

    def test_leaves_out_questions_readers_may_not_see(self, client, faq_section):
        community = faq_section.get_children().get(title="Community Q&A").specific
        draft = community.get_children().get(title="Do I need OMG tokens?")
        draft.unpublish()

        soup = read(client, faq_section.url)

        assert "Do I need OMG tokens?" not in soup.get_text()
        assert "Is the OMG Network finished?" in soup.get_text()

    def test_its_list_costs_the_same_queries_however_many_questions(
        self, client, faq_section, faq_category, django_assert_max_num_queries
    ):
        client.get(faq_section.url)  # the sidebar's tree is cached from here on

        with queries_counted() as few:
            read(client, faq_section.url)
        # The page, its sidebar and feedback, the section's pages (one query per page type) and
        # all the indexes' questions in one.
        assert len(few) <= 12
        community = faq_section.get_children().get(title="Community Q&A").specific
        for number in range(8):
            make_faq(community, faq_category, title=f"Question {number}?", slug=f"q{number}")
        client.get(faq_section.url)

        with django_assert_max_num_queries(len(few)):
            soup = read(client, faq_section.url)
        assert len(soup.select(".child-list__question")) == 11


@pytest.mark.django_db
class TestFaqIndex:
    def test_opens_with_its_introduction_then_each_category_with_its_questions(
        self, client, home, faq_category, amas
    ):
        faq = make_faq_index(home, introduction="<p>Questions readers ask, answered.</p>")
        make_faq(faq, amas, title="Why build on Plasma?", summary="Ethereum keeps funds safe.")
        make_faq(faq, faq_category, title="Is the network finished?", summary="Not in 2020.")

        soup = read(client, faq.url)

        assert words(soup.select_one(".introduction")) == "Questions readers ask, answered."
        groups = [
            (
                words(group.h2),
                [
                    (
                        words(item.select_one(".faq-item__question")),
                        words(item.select_one(".faq-item__summary")),
                    )
                    for item in group.select("details.faq-item")
                ],
            )
            for group in soup.select(".faq-group")
        ]
        assert groups == [
            ("Community Q&A", [("Is the network finished?", "Not in 2020.")]),
            ("Official AMAs", [("Why build on Plasma?", "Ethereum keeps funds safe.")]),
        ]
        # Each question links to its own page.
        links = [a["href"] for a in soup.select(".faq-item__more a")]
        assert links[0].endswith("/is-the-network-finished/")

    def test_costs_the_same_queries_however_many_questions(
        self, client, home, faq_category, django_assert_max_num_queries
    ):
        faq = make_faq_index(home)
        make_faq(faq, faq_category, title="First question?", summary="The first.")
        client.get(faq.url)

        with queries_counted() as few:
            read(client, faq.url)
        assert len(few) <= 8  # the questions and their categories in one query
        for number in range(10):
            make_faq(faq, faq_category, title=f"Question {number}?", summary=f"Answer {number}.")
        client.get(faq.url)

        with django_assert_max_num_queries(len(few)):
            soup = read(client, faq.url)
        assert len(soup.select("details.faq-item")) == 11


@pytest.mark.django_db
class TestHomePage:
    def test_section_cards_carry_their_descriptions(self, client, home):
        make_section(home, title="OMG Deep Dive", summary="How the network works, in depth.")
        make_section(home, title="Videos", summary="Talks by the team.")

        soup = read(client, home.url)

        cards = [
            (words(item.select_one(".child-list__title")), words(item.select_one("p")))
            for item in soup.select("#sections-heading ~ .child-list > .child-list__item")
        ]
        assert cards == [
            ("OMG Deep Dive", "How the network works, in depth."),
            ("Videos", "Talks by the team."),
        ]


@pytest.mark.django_db
class TestStillInDevelopmentIsSaidOnce:
    def test_on_the_home_page_with_sections_in_development(self, client, home):
        home.in_development = True
        home.development_note = "Staking is not live yet."
        home.save_revision().publish()
        for title in ("OMG Network", "OMG Deep Dive"):
            make_section(home, title=title, in_development=True, summary="Still being written.")

        response = client.get(home.url)

        assert times_said(response.content) == 1
        soup = BeautifulSoup(response.content, "html.parser")
        assert len(soup.select(".development-banner")) == 1
        # The sections say it with a badge each.
        assert len(soup.select(".child-list .badge--development")) == 2

    def test_on_a_topic_page_in_development(self, client, section):
        topic = make_topic(section, title="Staking", in_development=True)
        make_topic(topic, title="Rewards", in_development=True)

        response = client.get(topic.url)

        assert times_said(response.content) == 1
        soup = BeautifulSoup(response.content, "html.parser")
        assert len(soup.select(".subpages .badge--development")) == 1
