"""Every page type is found by its title, summary, body text and tags."""

import pytest

from wagtail.models import Page
from wagtail.rich_text import RichText

from pages.models import DeepDivePage, FaqPage, TopicPage, VideoPage
from tests.conftest import (
    make_deep_dive,
    make_faq,
    make_faq_index,
    make_section,
    make_topic,
    make_video,
)


def found(query, queryset=None):
    queryset = Page.objects.live() if queryset is None else queryset
    return {page.title for page in queryset.search(query)}


@pytest.mark.django_db
class TestSearchIndex:
    def test_topic_is_found_by_title_summary_body_and_tag(self, section):
        topic = make_topic(
            section,
            title="Scalability with Plasma",
            summary="Child chains settle on Ethereum.",
            body=[("text", RichText("<p>Operators submit block roots periodically.</p>"))],
        )
        topic.tags.add("rollups")
        topic.save_revision().publish()

        for query in ["Scalability", "settle", "periodically", "rollups"]:
            assert "Scalability with Plasma" in found(query), query

    def test_deep_dive_is_found_by_its_current_state(self, section):
        make_deep_dive(
            section,
            current_state="<p>Watchers run alongside.</p>",
            current_state_as_of="2020-06-01",
        )

        assert found("Watchers", DeepDivePage.objects.live()) == {"Plasma"}

    def test_faq_entry_is_found_by_its_answer(self, home, faq_category):
        make_faq(
            make_faq_index(home),
            faq_category,
            answer=[("text", RichText("<p>Validators stake tokens.</p>"))],
        )

        assert found("Validators", FaqPage.objects.live()) == {"What is the OMG token for?"}

    @pytest.mark.parametrize("make_listing", [make_section, make_faq_index])
    def test_listing_pages_are_found_by_their_introduction(self, home, make_listing):
        listing = make_listing(home, introduction="<p>Answers gathered from AMA sessions.</p>")

        assert found("gathered") == {listing.title}

    def test_video_is_found_by_its_transcript(self, section):
        make_video(section, transcript="Today we explain the exit queue.")

        assert found("queue", VideoPage.objects.live()) == {"The Path to a More Viable Plasma"}

    def test_search_can_filter_on_in_development(self, section):
        make_topic(section, title="Proof of Stake consensus", in_development=True)
        make_topic(section, title="Proof of Stake history")

        unfinished = TopicPage.objects.live().filter(in_development=True)
        assert found("Proof", unfinished) == {"Proof of Stake consensus"}

    def test_retagging_a_page_updates_the_index(self, section):
        topic = make_topic(section, title="Watchers")
        topic.tags.add("security")
        topic.save_revision().publish()
        topic.tags.set(["monitoring"])
        topic.save_revision().publish()

        assert found("monitoring") == {"Watchers"}
        assert found("security") == set()
