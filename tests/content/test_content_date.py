"""A page's content date ("Describes the network as of June 2020"), apart from its publish date:
readers see it, programs read it, editors set it."""

import datetime

import pytest
from bs4 import BeautifulSoup

from django.urls import reverse

from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from tests.conftest import make_section, make_topic

JUNE_2020 = datetime.date(2020, 6, 1)


def words(element):
    return " ".join(element.get_text().split())


def read(client, page):
    response = client.get(page.url)
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


@pytest.mark.django_db
class TestReadersSeeIt:
    def test_a_month_reads_as_the_month_beside_the_last_update_kept_apart(self, client, section):
        topic = make_topic(section, title="Plasma", describes_as_of=JUNE_2020)

        soup = read(client, topic)

        line = soup.select_one("header .content-date")
        assert words(line) == "Describes the network as of June 2020"
        assert line.time["datetime"] == "2020-06"
        # The publish date is still there, on its own line.
        assert words(soup.select_one(".last-updated")).startswith("Last updated")
        assert "2020" not in soup.select_one(".last-updated time").get_text()

    def test_a_day_reads_as_the_day(self, client, section):
        topic = make_topic(
            section,
            title="Mainnet launch",
            describes_as_of=datetime.date(2020, 6, 4),
            describes_as_of_precision="day",
        )

        line = read(client, topic).select_one(".content-date")

        assert words(line) == "Describes the network as of 4 June 2020"
        assert line.time["datetime"] == "2020-06-04"

    def test_on_the_home_page_and_a_section_too(self, client, home):
        home.describes_as_of = JUNE_2020
        home.save_revision().publish()
        section = make_section(home, describes_as_of=JUNE_2020)

        for page in (home, section):
            assert words(read(client, page).select_one("header .content-date")).endswith(
                "June 2020"
            )

    def test_a_page_with_no_content_date_says_nothing_of_it(self, client, section):
        soup = read(client, make_topic(section, title="Glossary"))

        assert soup.select_one(".content-date") is None
        assert "Describes the network as of" not in soup.get_text()


@pytest.mark.django_db
class TestProgramsReadIt:
    def test_the_markdown_view_gives_it_as_front_matter(self, client, section):
        make_topic(section, title="Plasma", slug="plasma", describes_as_of=JUNE_2020)

        response = client.get(f"{section.url}plasma.md")

        assert response.status_code == 200
        front_matter = response.content.decode().split("---")[1]
        assert "as_of: 2020-06\n" in front_matter

    def test_the_api_gives_the_date_its_precision_and_how_readers_read_it(self, client, section):
        topic = make_topic(section, title="Plasma", describes_as_of=JUNE_2020)

        response = client.get(f"/api/v2/pages/{topic.pk}/")

        assert response.status_code == 200
        data = response.json()
        assert data["describes_as_of"] == "2020-06-01"
        assert data["describes_as_of_precision"] == "month"
        assert data["describes_as_of_display"] == "June 2020"


def topic_form(page, **fields):
    return nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "summary": page.summary,
            "tags": "",
            "body": streamfield([("text", rich_text("<p>Exits take seven days.</p>"))]),
            "describes_as_of": "",
            "describes_as_of_precision": "month",
            **fields,
        }
    )


@pytest.mark.django_db
class TestEditorsSetIt:
    def test_the_editor_sets_it_with_its_help_and_the_draft_keeps_it(self, admin_client, section):
        topic = make_topic(section, title="Exits")
        edit_url = reverse("wagtailadmin_pages:edit", args=[topic.pk])

        form = BeautifulSoup(admin_client.get(edit_url).content, "html.parser")
        assert form.select_one("input[name=describes_as_of]") is not None
        assert "when what the page says was true" in form.get_text()

        response = admin_client.post(
            edit_url,
            topic_form(topic, describes_as_of="2020-06-01", describes_as_of_precision="month"),
        )

        assert response.status_code == 302
        topic.refresh_from_db()
        draft = topic.get_latest_revision_as_object()
        assert draft.describes_as_of == JUNE_2020
        assert draft.describes_as_of_display == "June 2020"

    def test_a_development_note_may_not_repeat_the_banner(self, admin_client, section):
        topic = make_topic(section, title="Staking")
        edit_url = reverse("wagtailadmin_pages:edit", args=[topic.pk])

        response = admin_client.post(
            edit_url,
            topic_form(
                topic,
                in_development="on",
                development_note="Staking is still in development.",
            ),
        )

        assert response.status_code == 200  # the form again, with the error
        assert "The banner already says" in response.content.decode()
        topic.refresh_from_db()
        assert topic.get_latest_revision_as_object().development_note == ""

    def test_a_form_that_leaves_out_the_precision_keeps_the_pages_own(self, admin_client, section):
        topic = make_topic(
            section,
            title="Launch",
            describes_as_of=datetime.date(2020, 6, 4),
            describes_as_of_precision="day",
        )
        data = topic_form(topic, describes_as_of="2020-06-04")
        del data["describes_as_of_precision"]

        response = admin_client.post(reverse("wagtailadmin_pages:edit", args=[topic.pk]), data)

        assert response.status_code == 302
        topic.refresh_from_db()
        assert topic.get_latest_revision_as_object().describes_as_of_display == "4 June 2020"
