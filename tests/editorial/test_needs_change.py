"""
"Needs change": an internal note on a page, flagged from the editor's "…" menu by anyone who may
edit it; shown on the edit form, on the dashboard and in "Knowledge base pages"; cleared by the
next published version saved after it (an approval in the review workflow), or by a publisher's
"Clear"; never by a draft, and never shown to readers.
"""

import pytest
from bs4 import BeautifulSoup

from django.urls import reverse
from django.utils import timezone

from wagtail.models import PageLogEntry

from pages.models import NeedsChangeNote
from tests.conftest import editor_of_only, logged_in, make_section, make_topic
from tests.editorial.test_content_status import (
    DASHBOARD_QUERIES,
    LISTING_QUERIES,
    LISTING_URL,
    listed_titles,
    panel,
    panel_list,
)
from tests.editorial.test_editorial_workflow import submit, workflow_action

pytestmark = pytest.mark.django_db

REASON = "The fee table predates the <b>v2</b> fee change."


@pytest.fixture
def fees(section):
    return make_topic(section, title="Fees", slug="fees")


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def flag_url(page):
    return reverse("flag_needs_change", args=[page.pk])


def flag(browser, page, reason=REASON):
    return browser.post(flag_url(page), {"reason": reason})


def edit_form(browser, page):
    response = browser.get(edit_url(page))
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def warnings(html):
    return [" ".join(li.get_text().split()) for li in html.select(".messages li.warning")]


def open_notes(page):
    return NeedsChangeNote.objects.filter(page=page, cleared_at__isnull=True)


def test_an_editor_flags_a_page_from_the_edit_forms_menu(fees, editor):
    browser = logged_in(editor)

    menu_link = edit_form(browser, fees).select_one(
        f".w-dropdown__content a[href^='{flag_url(fees)}']"
    )
    assert menu_link.get_text(strip=True) == "Flag as needing change"
    form = browser.get(menu_link["href"])
    assert form.status_code == 200
    response = flag(browser, fees)

    assert (response.status_code, response.url) == (302, edit_url(fees))
    note = NeedsChangeNote.objects.get(page=fees)
    assert (note.reason, note.noted_by, note.cleared_at) == (REASON, editor, None)
    assert PageLogEntry.objects.filter(page=fees, action="pages.needs_change", user=editor).exists()
    # At the top of the edit form: who, when, why; the reason as text, never as markup.
    html = edit_form(browser, fees)
    today = timezone.localdate()
    assert f"Needs change — noted by eddie on {today.day} {today:%b}: {REASON}" in warnings(html)
    assert html.select_one(".messages b") is None
    # An editor cannot publish, so is not offered "Clear".
    assert html.select_one(".messages a[href*='clear']") is None


@pytest.mark.parametrize(
    "reason, message",
    [
        ("", "Say what needs changing"),
        ("   ", "Say what needs changing"),
        ("x" * 1001, "at most 1000 characters"),
    ],
)
def test_an_invalid_reason_re_renders_the_form_with_a_message(fees, editor, reason, message):
    response = flag(logged_in(editor), fees, reason)

    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    assert message in html.get_text()
    assert html.find("textarea").get_text().strip() == reason.strip()
    assert not NeedsChangeNote.objects.exists()


def test_someone_who_may_not_edit_the_page_cannot_flag_it(home, fees, django_user_model):
    wallets = make_section(home, title="Wallets", slug="wallets")
    outsider = editor_of_only(django_user_model, wallets)

    response = flag(logged_in(outsider), fees)

    assert (response.status_code, response.url) == (302, reverse("wagtailadmin_home"))
    assert not NeedsChangeNote.objects.exists()


def test_a_reviewer_may_clear_a_note_from_the_edit_form(fees, editor, reviewer):
    flag(logged_in(editor), fees)
    browser = logged_in(reviewer)

    clear = edit_form(browser, fees).select_one(".messages a[href*='clear']")
    assert clear.get_text(strip=True) == "Clear"
    confirm = browser.get(clear["href"])
    assert REASON in BeautifulSoup(confirm.content, "html.parser").get_text()
    # An editor is refused the same address, and the note stays.
    assert logged_in(editor).post(clear["href"]).status_code == 302
    assert open_notes(fees).exists()

    response = browser.post(clear["href"])

    assert (response.status_code, response.url) == (302, edit_url(fees))
    assert not open_notes(fees).exists()
    html = edit_form(browser, fees)
    assert "Needs-change note cleared." in warnings(html) + [
        " ".join(li.get_text().split()) for li in html.select(".messages li.success")
    ]
    assert not any("Needs change —" in text for text in warnings(html))


def test_the_next_approved_version_clears_the_note(fees, editor, reviewer):
    flag(logged_in(reviewer), fees)
    editor_browser = logged_in(editor)

    # A draft save is not a change readers see: the note stays.
    task_state = submit(editor_browser, fees, "Fees are 0.1 OMG since v2.", "New fee table")
    assert open_notes(fees).exists()
    workflow_action(logged_in(reviewer), fees, "approve", task_state)

    note = NeedsChangeNote.objects.get(page=fees)
    fees.refresh_from_db()
    assert note.cleared_at is not None
    assert note.cleared_by_id == fees.live_revision_id
    assert not any("Needs change —" in text for text in warnings(edit_form(editor_browser, fees)))


def test_a_version_saved_before_the_note_does_not_clear_it(fees, editor, reviewer):
    # The editor submitted before anyone noticed the problem; approving that draft leaves it.
    task_state = submit(logged_in(editor), fees, "Fees are 0.1 OMG.")
    flag(logged_in(reviewer), fees)

    workflow_action(logged_in(reviewer), fees, "approve", task_state)

    assert open_notes(fees).exists()


def test_a_draft_save_alone_does_not_clear_it(fees, editor):
    flag(logged_in(editor), fees)
    fees.title = "Fees and bonds"
    fees.save_revision(user=editor)

    assert open_notes(fees).exists()


def test_readers_never_see_the_note(client, fees, editor):
    flag(logged_in(editor), fees)

    content = client.get(fees.url).content.decode()
    assert "fee table predates" not in content
    assert "Needs change" not in content


# On the dashboard and in "Knowledge base pages" ---------------------------------------------------


def test_the_dashboard_counts_and_names_flagged_pages(section, editor, reviewer):
    pages = [make_topic(section, title=f"Topic {n}", slug=f"topic-{n}") for n in range(7)]
    for page in pages:
        flag(logged_in(reviewer), page, f"Check {page.title}")
    make_topic(section, title="Fine", slug="fine")

    html = panel(logged_in(editor).get(reverse("wagtailadmin_home")))

    count, listing, shown = panel_list(html, "needs-change")
    assert count == 7
    assert list(shown) == [f"Topic {n}" for n in range(5)]  # the longest waiting first
    first_row = html.select_one("#needs-attention-needs-change tbody tr")
    assert "Noted by rita on" in first_row.get_text()
    assert "Check Topic 0" in first_row.get_text()
    # The count's link is the listing of exactly those pages.
    titles = listed_titles(logged_in(editor).get(listing))
    assert sorted(titles) == [f"Topic {n}" for n in range(7)]


def test_the_listing_shows_and_filters_flagged_pages(section, fees, editor):
    make_topic(section, title="Deposits", slug="deposits")
    flag(logged_in(editor), fees)
    browser = logged_in(editor)

    html = BeautifulSoup(browser.get(LISTING_URL).content, "html.parser")
    rows = {
        row.select_one("td.title a").get_text(strip=True): row.get_text(" ", strip=True)
        for row in html.select("table.listing tbody tr")
    }
    assert "Needs change" in [th.get_text(strip=True) for th in html.select("thead th")]
    assert "Needs change eddie" in rows["Fees"]
    assert "Needs change" not in rows["Deposits"]
    assert listed_titles(browser.get(LISTING_URL, {"needs_change": "true"})) == ["Fees"]
    assert "Fees" not in listed_titles(browser.get(LISTING_URL, {"needs_change": "false"}))
    assert "Deposits" in listed_titles(browser.get(LISTING_URL, {"needs_change": "false"}))


@pytest.mark.parametrize("count", [3, 30])
def test_listing_and_dashboard_queries_do_not_grow_with_flagged_pages(
    section, editor, reviewer, count, django_assert_max_num_queries
):
    for n in range(count):
        page = make_topic(section, title=f"Topic {n}", slug=f"topic-{n}")
        NeedsChangeNote.objects.create(page=page, reason=f"Check {n}", noted_by=reviewer)
    browser = logged_in(editor)
    browser.get(LISTING_URL)
    browser.get(reverse("wagtailadmin_home"))

    # The budgets of tests/editorial/test_content_status.py: the notes cost no query per row.
    with django_assert_max_num_queries(LISTING_QUERIES):
        titles = listed_titles(browser.get(LISTING_URL, {"needs_change": "true"}))
    assert len(titles) == count
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        html = panel(browser.get(reverse("wagtailadmin_home")))
    assert panel_list(html, "needs-change")[0] == count
