"""
The four-eyes rule through the admin UI: a reviewer's own change waits for someone else. The
reviewer edits a topic, finds no Publish, submits it, and is offered no Approve (the edit form
says why); the administrator approves it, and readers get it.

Works on its own topic ("Scalability with Plasma"), which no other browser journey touches.
"""

import re

from playwright.sync_api import expect

from tests.browser.test_editorial import (
    add_to_first_paragraph,
    open_in_editor,
    submit_for_review,
    task_row,
)

YOU_SUBMITTED = "You submitted this change: another reviewer approves it (four-eyes rule)."


def test_a_reviewers_own_change_is_approved_by_someone_else(visit):
    title, url = (
        "Scalability with Plasma",
        "/omisego-official-guide/key-concepts/scalability-with-plasma/",
    )
    sentence = "Some banks already connect to open payment networks."

    reviewer = visit("reviewer")
    reviewer.log_in("reviewer")
    open_in_editor(reviewer, title)
    add_to_first_paragraph(reviewer, sentence)
    # Reviewers may publish, but not their own edits: no Publish, nor under "More actions".
    reviewer.page.get_by_role("button", name="More actions").click()
    expect(reviewer.page.get_by_role("button", name="Publish")).to_have_count(0)
    reviewer.page.get_by_role("button", name="More actions").click()
    submit_for_review(reviewer)

    # Their own change is in "Awaiting your review", to request changes on, never to approve.
    reviewer.go("/admin/")
    row = task_row(reviewer, title)
    row.get_by_role("button", name="Actions").click()
    expect(row.get_by_role("button", name="Request changes", exact=True)).to_be_visible()
    expect(row.get_by_role("button", name="Approve", exact=True)).to_have_count(0)
    reviewer.screenshot("own-change-no-approve", of=row)
    open_in_editor(reviewer, title)
    expect(reviewer.page.get_by_text(YOU_SUBMITTED)).to_be_visible()
    expect(reviewer.page.get_by_role("button", name="Approve")).to_have_count(0)
    reviewer.screenshot("own-change-note")

    reader = visit("reader-before")
    reader.go(url)
    expect(reader.page.locator("main")).not_to_contain_text(sentence)

    # A second pair of eyes: the administrator, offered Approve on the dashboard, approves it
    # from the editor (where an unchanged form adds no version of theirs to the change).
    admin = visit("admin")
    admin.log_in("admin")
    row = task_row(admin, title)
    row.get_by_role("button", name="Actions").click()
    expect(row.get_by_role("button", name="Approve", exact=True)).to_be_visible()
    open_in_editor(admin, title)
    expect(admin.page.get_by_text(YOU_SUBMITTED)).to_have_count(0)
    admin.page.get_by_role("button", name="More actions").click()
    admin.page.get_by_role("button", name=re.compile(r"^Approve and publish$", re.I)).click()
    # Approved, the editor goes back to the page's parent in the explorer.
    admin.page.wait_for_url(re.compile(r"/admin/pages/\d+/$"))
    admin.go("/admin/")
    expect(task_row(admin, title)).to_have_count(0)
    admin.screenshot("approved")

    fresh = visit("reader-after")
    fresh.go(url)
    expect(fresh.page.locator("main")).to_contain_text(sentence)
    fresh.screenshot("live-page")
