"""What a reader sees on each page type."""

import datetime
import json

import pytest
from bs4 import BeautifulSoup

from django.template import loader

from wagtail.rich_text import RichText

from pages.models import ReaderNotices, TopicPage
from tests.conftest import (
    PAGE_OF_EACH_TYPE,
    make_deep_dive,
    make_faq,
    make_faq_index,
    make_section,
    make_topic,
    make_video,
)


def read(client, page):
    response = client.get(page.url)
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


def text_of(soup, selector):
    element = soup.select_one(selector)
    assert element is not None, f"nothing matches {selector!r}"
    return " ".join(element.get_text().split())


@pytest.mark.django_db
class TestEachPageTypeShowsItsContent:
    def test_home_page_introduces_the_site_and_lists_its_sections(self, client, home):
        home.introduction = "<p>Start here to learn how Plasma scales Ethereum.</p>"
        home.save_revision().publish()
        make_section(home, title="OMG Deep Dive", summary="Technical long reads.")

        soup = read(client, home)

        assert soup.body["class"] == ["template-home-page"]
        assert "Start here to learn how Plasma scales Ethereum." in text_of(soup, "main")
        listing = text_of(soup, ".child-list")
        assert "OMG Deep Dive" in listing and "Technical long reads." in listing

    def test_section_lists_live_children_in_order_with_markers(self, client, home):
        section = make_section(home, introduction="<p>The design of the network.</p>")
        make_deep_dive(section, title="Plasma", summary="Child chains anchored to Ethereum.")
        make_topic(section, title="Proof of Stake", in_development=True)
        draft = TopicPage(title="Unreleased draft topic", live=False)
        section.add_child(instance=draft)

        soup = read(client, section)

        titles = [a.get_text() for a in soup.select(".child-list__title")]
        assert titles == ["Plasma", "Proof of Stake"]
        assert "Child chains anchored to Ethereum." in text_of(soup, ".child-list")
        in_development = soup.select(".child-list__item")[1]
        assert in_development.select_one(".badge--development") is not None
        assert soup.select(".child-list__item")[0].select_one(".badge--development") is None
        assert "Unreleased draft topic" not in soup.get_text()
        assert "The design of the network." in text_of(soup, ".introduction")

    def test_topic_shows_its_body_and_nested_topics(self, client, section):
        topic = make_topic(
            section,
            title="How was OmiseGO launched?",
            summary="The crowdsale and the airdrop.",
            body=[("text", RichText("<p>The OMG token was sold in 2017.</p>"))],
        )
        make_topic(topic, title="OMG token allocation & airdrop")
        topic.tags.add("token")
        topic.save_revision().publish()

        soup = read(client, topic)

        assert text_of(soup, "h1") == "How was OmiseGO launched?"
        assert text_of(soup, ".page-summary") == "The crowdsale and the airdrop."
        assert "The OMG token was sold in 2017." in text_of(soup, ".page-body")
        assert "OMG token allocation & airdrop" in text_of(soup, ".subpages")
        assert text_of(soup, ".page-tags") == "token"
        crumbs = [a.get_text() for a in soup.select(".breadcrumbs a")]
        assert crumbs == ["OMG Network Knowledge Base", "OMG Deep Dive"]

    def test_deep_dive_shows_dated_current_state_and_resources(self, client, section):
        spec = make_topic(section, title="Plasma specification", summary="The paper.")
        dive = make_deep_dive(
            section,
            body=[("heading", {"text": "Design", "level": "h2", "anchor": ""})],
            current_state="<p>MoreVP runs on the mainnet.</p>",
            current_state_as_of=datetime.date(2020, 6, 1),
            resources=[
                (
                    "resource",
                    {
                        "title": "Plasma paper",
                        "page": None,
                        "url": "https://plasma.io/plasma.pdf",
                        "note": "The original proposal.",
                    },
                ),
                ("resource", {"title": "", "page": spec, "url": "", "note": ""}),
            ],
        )

        soup = read(client, dive)

        assert text_of(soup, "#current-state") == "Current state (as of 1 June 2020)"
        assert soup.select_one("#current-state time")["datetime"] == "2020-06-01"
        assert "MoreVP runs on the mainnet." in text_of(soup, ".current-state")
        links = [(a.get_text(), a["href"]) for a in soup.select(".resource-list a")]
        assert links == [
            ("Plasma paper", "https://plasma.io/plasma.pdf"),
            ("Plasma specification", spec.url),
        ]
        assert "The original proposal." in text_of(soup, ".resource-list")
        # Announced above the body, and listed in "On this page" after the body's own headings.
        glance = soup.select_one(".page-header + .current-state-glance a")
        assert (glance.get_text(), glance["href"]) == (
            "Current state, as of 1 June 2020",
            "#current-state",
        )
        contents = [(a.get_text(), a["href"]) for a in soup.select(".toc a")]
        assert contents == [
            ("Design", "#design"),
            ("Current state", "#current-state"),
            ("Resources", "#resources"),
        ]

    def test_faq_index_groups_questions_by_category(self, client, home, faq_category):
        from pages.models import FaqCategory

        amas = FaqCategory.objects.create(name="Official AMAs", slug="official-amas", sort_order=1)
        faq = make_faq_index(home)
        make_faq(faq, amas, title="When will staking launch?")
        make_faq(faq, faq_category, title="What is the OMG token for?")

        soup = read(client, faq)

        groups = [
            (group.h2.get_text(), [q.get_text() for q in group.select(".faq-item__question")])
            for group in soup.select(".faq-group")
        ]
        assert groups == [
            ("Community Q&A", ["What is the OMG token for?"]),
            ("Official AMAs", ["When will staking launch?"]),
        ]
        # An accordion: each question opens on its answer and links to its own page.
        item = soup.select_one("details.faq-item")
        assert item.summary.select_one(".faq-item__question") is not None
        assert "Staking, once it launches." in item.select_one(".faq-item__answer").get_text()
        assert item.select_one(".faq-item__more a")["href"].endswith("/what-is-the-omg-token-for/")

    def test_faq_index_describes_its_questions_as_schema_org_data(self, client, home, faq_category):
        faq = make_faq_index(home)
        make_faq(
            faq,
            faq_category,
            title="Is </script> safe?",
            answer=[("text", RichText("<p>Yes: <b>escaped</b> &amp; quoted.</p>"))],
        )

        soup = read(client, faq)

        scripts = soup.select('script[type="application/ld+json"]')
        assert len(scripts) == 1
        assert "</script>" not in scripts[0].string
        data = json.loads(scripts[0].string)
        assert data["@type"] == "FAQPage"
        assert data["mainEntity"] == [
            {
                "@type": "Question",
                "name": "Is </script> safe?",
                "acceptedAnswer": {"@type": "Answer", "text": "Yes: escaped & quoted."},
            }
        ]

    def test_faq_entry_shows_answer_category_and_ama_source(self, client, home, faq_category):
        faq = make_faq_index(home)
        entry = make_faq(
            faq,
            faq_category,
            answer=[("text", RichText("<p>It secures the network through staking.</p>"))],
            answered_on=datetime.date(2019, 3, 14),
            source_url="https://example.org/ama-transcript",
        )

        soup = read(client, entry)

        assert "It secures the network through staking." in text_of(soup, ".page-body")
        meta = text_of(soup, ".faq-meta")
        assert "Community Q&A" in meta and "14 March 2019" in meta
        assert soup.select_one(".faq-meta a")["href"] == "https://example.org/ama-transcript"

    def test_video_shows_summary_transcript_and_a_link_without_provider(self, client, section):
        video = make_video(
            section,
            summary="How MoreVP improves the exit game.",
            transcript="Welcome.\n\nToday we talk about exits.",
        )

        soup = read(client, video)

        assert text_of(soup, ".page-summary") == "How MoreVP improves the exit game."
        assert [p.get_text() for p in soup.select(".transcript p")] == [
            "Welcome.",
            "Today we talk about exits.",
        ]
        assert soup.select_one(".embed-fallback a")["href"] == video.video_url


@pytest.mark.django_db
@pytest.mark.parametrize("kind", PAGE_OF_EACH_TYPE)
def test_banner_shows_exactly_when_in_development(client, home, faq_category, kind):
    page = PAGE_OF_EACH_TYPE[kind](home, faq_category).specific

    assert read(client, page).select(".development-banner") == []

    page.in_development = True
    page.development_note = "Staking rewards are not final yet."
    page.save_revision().publish()
    banner = read(client, page).select(".development-banner")
    assert len(banner) == 1
    assert "Still in development." in banner[0].get_text()
    assert "Staking rewards are not final yet." in banner[0].get_text()

    # The site's wording says what the flag means; without a note of its own, that is all.
    assert "Some details are missing, and the page will be revised." in banner[0].get_text()
    page.development_note = ""
    page.save_revision().publish()
    banner = read(client, page).select_one(".development-banner")
    assert "Some details are missing, and the page will be revised." in banner.get_text()
    assert banner.select(".development-banner__note") == []


@pytest.mark.django_db
def test_editors_word_the_banner_in_a_site_setting(client, section):
    page = make_topic(section, title="Staking", in_development=True)
    notices = ReaderNotices.for_site(page.get_site())
    notices.development_banner = "The network is still being built; expect this page to change."
    notices.save()

    banner = read(client, page).select_one(".development-banner")

    assert "The network is still being built" in banner.get_text()
    assert "Some details are missing" not in banner.get_text()


@pytest.mark.django_db
def test_draft_changes_stay_off_the_live_page(client, section):
    topic = make_topic(section, body=[("text", RichText("<p>Published text.</p>"))])
    topic.body = [("text", RichText("<p>Unreviewed draft text.</p>"))]
    topic.save_revision()

    page_text = read(client, topic).get_text()

    assert "Published text." in page_text
    assert "Unreviewed draft text." not in page_text


@pytest.mark.django_db
def test_unknown_path_is_a_404_in_the_site_layout(client, home):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.h1.get_text() == "Page not found"
    assert soup.select_one("header.site-header") is not None
    assert soup.select_one("nav.sidebar") is not None  # the way back into the knowledge base


@pytest.mark.django_db
def test_a_server_error_is_a_500_in_the_site_layout_without_queries(
    client, section, monkeypatch, django_assert_max_num_queries
):
    page = make_topic(section, title="Broken")

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(TopicPage, "serve", broken)
    client.raise_request_exception = False
    response = client.get(page.url)

    assert response.status_code == 500
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.h1.get_text() == "Something went wrong"
    assert soup.select_one("header.site-header") is not None
    assert soup.select_one('link[rel="stylesheet"]') is not None

    with django_assert_max_num_queries(0):
        loader.get_template("500.html").render()


@pytest.mark.django_db
def test_titles_name_the_page_then_the_site(client, home, section):
    site = home.get_site()
    site.site_name = "OMG KB"
    site.save()
    topic = make_topic(section, title="What is OmiseGO?")

    assert read(client, home).title.string == "OMG KB"
    assert read(client, topic).title.string == "What is OmiseGO? · OMG KB"
    assert text_of(read(client, topic), ".site-name") == "OMG KB"


@pytest.mark.django_db
def test_meta_description_comes_from_the_summary(client, section):
    topic = make_topic(section, summary="How Plasma moves payments off the main chain.")

    soup = read(client, topic)

    assert soup.select_one('meta[name="description"]')["content"] == (
        "How Plasma moves payments off the main chain."
    )


@pytest.mark.django_db
def test_section_listing_queries_do_not_grow_per_child(client, home, django_assert_max_num_queries):
    section = make_section(home)
    for number in range(3):
        make_topic(section, title=f"Topic {number}")
    with django_assert_max_num_queries(30) as small:
        client.get(section.url)
    for number in range(3, 15):
        make_topic(section, title=f"Topic {number}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(section.url)
    assert response.status_code == 200
    assert len(BeautifulSoup(response.content, "html.parser").select(".child-list__item")) == 15


@pytest.mark.django_db
def test_pages_load_only_their_own_assets_served_by_the_app(client, section):
    page = make_topic(section, title="Exits")
    soup = read(client, page)

    assets = [tag["href"] for tag in soup.select("link[rel=stylesheet]")]
    assets += [tag["src"] for tag in soup.select("script[src], img[src], iframe[src]")]

    assert assets, "the page should load its stylesheet and script"
    for url in assets:
        assert url.startswith("/static/"), url  # no CDN, no third-party request on load
        response = client.get(url)
        assert response.status_code == 200, url
        b"".join(response.streaming_content)  # read the file through so it is closed

    stylesheet = b"".join(client.get(soup.select_one("link[rel=stylesheet]")["href"]))
    # The reader's system decides light or dark; paper gets the article without the chrome.
    assert b"@media (prefers-color-scheme: dark)" in stylesheet
    assert b"@media print" in stylesheet
