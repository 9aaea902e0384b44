"""What's new and its Atom feed: published changes with their editors' notes, and nothing else."""

from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup

from django.core.exceptions import ValidationError
from django.core.management import CommandError
from django.urls import reverse

from wagtail.models import PageViewRestriction
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from pages.models import TopicPage
from tests.conftest import make_topic
from tests.gitbook.books import import_book, write_book

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def publish_change(page, note, **fields):
    for name, value in {"change_note": note, **fields}.items():
        setattr(page, name, value)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def changes_on_page(client, url="/whats-new/"):
    response = client.get(url)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    return [
        (
            change.select_one(".change__page").get_text(),
            change.select_one(".change__page")["href"],
            change.select_one(".change__note").get_text()
            if change.select_one(".change__note")
            else "",
            change.select_one(".badge--new") is not None,
        )
        for change in soup.select(".change")
    ]


def feed_entries(client):
    response = client.get("/feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    return feed, [
        (
            entry.findtext(f"{ATOM}title"),
            entry.find(f"{ATOM}link").get("href"),
            entry.findtext(f"{ATOM}summary"),
            entry.findtext(f"{ATOM}updated"),
        )
        for entry in feed.findall(f"{ATOM}entry")
    ]


def test_each_publish_is_listed_newest_first_with_its_note(client, section):
    exits = make_topic(section, title="Exits")
    blocks = make_topic(section, title="Blocks", change_note="Written from the MVP spec.")
    publish_change(exits, "Exit bonds updated for the v2 contracts.")
    publish_change(exits, "")

    changes = changes_on_page(client)

    assert changes[:4] == [
        ("Exits", exits.url, "Updated.", False),
        ("Exits", exits.url, "Exit bonds updated for the v2 contracts.", False),
        ("Blocks", blocks.url, "Written from the MVP spec.", True),
        ("Exits", exits.url, "", True),
    ]
    places = BeautifulSoup(client.get("/whats-new/").content, "html.parser").select(
        ".change__place"
    )
    assert {place.get_text() for place in places} == {"in OMG Deep Dive"}


def test_the_feed_carries_page_date_and_note(client, section):
    exits = make_topic(section, title="Exits")
    publish_change(exits, "Exit bonds updated.")

    feed, entries = feed_entries(client)

    assert feed.findtext(f"{ATOM}title") == "OMG Network Knowledge Base: what's new"
    title, link, summary, updated = entries[0]
    assert (title, link, summary) == (
        "Exits",
        f"http://testserver{exits.url}",
        "Exit bonds updated.",
    )
    assert updated.startswith(exits.last_published_at.strftime("%Y-%m-%d"))
    ids = [entry.findtext(f"{ATOM}id") for entry in feed.findall(f"{ATOM}entry")]
    assert len(set(ids)) == len(ids)


def test_notes_are_text_not_markup(client, section):
    exits = make_topic(section, title="Exits")
    publish_change(exits, '<script>alert("x")</script> & <b>bold</b>')

    html = client.get("/whats-new/").content.decode()
    _, entries = feed_entries(client)

    assert "<script>alert" not in html and "&lt;script&gt;" in html
    # Atom's summary is HTML: the note arrives as text for the feed reader to show, not run.
    assert (
        entries[0][2]
        == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
    )


def test_drafts_unpublished_and_restricted_pages_stay_out(client, section):
    make_topic(section, title="Visible")
    draft = TopicPage(title="DRAFT-MARKER", live=False, change_note="DRAFT-NOTE-MARKER")
    section.add_child(instance=draft)
    draft.save_revision()
    edited = make_topic(section, title="Edited")
    edited.title, edited.change_note = "UNPUBLISHED-TITLE-MARKER", "UNPUBLISHED-NOTE-MARKER"
    edited.save_revision()
    private = make_topic(section, title="PRIVATE-MARKER", change_note="PRIVATE-NOTE-MARKER")
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    withdrawn = make_topic(section, title="WITHDRAWN-MARKER", change_note="WITHDRAWN-NOTE-MARKER")
    withdrawn.unpublish()

    html = client.get("/whats-new/").content.decode()
    feed = client.get("/feed/").content.decode()

    for text in (html, feed):
        assert "MARKER" not in text
        assert "Visible" in text and "Edited" in text


def test_changes_come_in_pages_at_a_fixed_query_cost(
    client, section, django_assert_max_num_queries
):
    exits = make_topic(section, title="Exits")
    for number in range(30):
        publish_change(exits, f"Change {number}.")
    client.get("/whats-new/")  # the sidebar tree is cached from here on

    with django_assert_max_num_queries(8):
        first = changes_on_page(client)
    with django_assert_max_num_queries(8):
        second = changes_on_page(client, "/whats-new/?page=2")

    assert len(first) == 25 and first[0][2] == "Change 29."
    assert [change[2] for change in second][:5] == [f"Change {n}." for n in (4, 3, 2, 1, 0)]
    assert changes_on_page(client, "/whats-new/?page=abc") == first
    assert client.get("/whats-new/?page=99").status_code == 200
    # A page number whose offset would not fit the database's integers: the newest, as for 99.
    assert changes_on_page(client, "/whats-new/?page=400000000000000000") == first


def test_every_page_points_readers_and_feed_readers_to_whats_new(client, section):
    page = make_topic(section, title="Exits")

    soup = BeautifulSoup(client.get(page.url).content, "html.parser")

    assert soup.select_one('link[rel=alternate][type="application/atom+xml"]')["href"] == "/feed/"
    assert soup.select_one(f'footer a[href="{reverse("whats_new")}"]') is not None


def edit_form(page, **fields):
    return nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "summary": page.summary,
            "tags": "",
            "body": streamfield([("text", rich_text("<p>Exits take seven days.</p>"))]),
            **fields,
        }
    )


def test_the_editor_starts_each_change_with_an_empty_note(
    admin_client, client, section, four_eyes_off
):
    page = make_topic(section, title="Exits", change_note="First version.")
    edit_url = reverse("wagtailadmin_pages:edit", args=[page.pk])

    def note_in_form():
        soup = BeautifulSoup(admin_client.get(edit_url).content, "html.parser")
        return soup.select_one("input[name=change_note]").get("value", "")

    assert note_in_form() == ""
    response = admin_client.post(edit_url, edit_form(page, change_note="Seven-day window."))
    assert response.status_code == 302
    assert note_in_form() == "Seven-day window."  # the draft keeps its note until published
    response = admin_client.post(
        edit_url, edit_form(page, change_note="Seven-day window.", **{"action-publish": "1"})
    )
    assert response.status_code == 302
    assert note_in_form() == ""
    assert changes_on_page(client)[0][2] == "Seven-day window."


def test_an_import_can_say_what_changed(home, client, tmp_path):
    book = write_book(
        tmp_path / "book",
        {
            "README.md": ("Knowledge base", "Welcome.\n"),
            "guide/exits.md": ("Exits", "# Exits\n\nExits take seven days.\n"),
        },
        summary=(
            "# Summary\n\n* [Knowledge base](README.md)\n\n## Guide\n\n* [Exits](guide/exits.md)\n"
        ),
    )

    import_book(book, "--change-note", "Synced from the GitBook space.")

    notes = {title: note for title, _, note, _ in changes_on_page(client)}
    assert notes["Exits"] == "Synced from the GitBook space."
    with pytest.raises(CommandError, match="at most 200"):
        import_book(book, "--change-note", "x" * 201)


def test_each_page_has_a_history_of_its_published_versions(client, section):
    exits = make_topic(section, title="Exits")
    publish_change(exits, "Exit bonds updated.")
    exits.change_note = "DRAFT-NOTE-MARKER"
    exits.save_revision()

    response = client.get(exits.url + "history/")

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.h1.get_text() == "History of “Exits”"
    entries = soup.select(".page-history .change")
    assert [entry.select_one(".change__note") is not None for entry in entries] == [True, False]
    assert entries[0].select_one(".change__note").get_text() == "Exit bonds updated."
    assert entries[1].select_one(".badge--new").get_text() == "First published"
    assert "MARKER" not in response.content.decode()
    crumbs = [a.get_text() for a in soup.select(".breadcrumbs a")]
    assert crumbs == ["OMG Network Knowledge Base", "OMG Deep Dive", "Exits"]
    page = BeautifulSoup(client.get(exits.url).content, "html.parser")
    assert page.select_one(".last-updated a")["href"] == exits.url + "history/"
    assert client.get("/no-such-page/history/").status_code == 404


def test_history_is_a_reserved_address_under_every_page(section):
    page = TopicPage(title="History", slug="history")

    with pytest.raises(ValidationError) as error:
        section.add_child(instance=page)

    assert "taken by the site" in str(error.value.message_dict["slug"])
