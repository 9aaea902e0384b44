"""
The editorial workflow through the admin UI only: an editor revises a topic and submits it, a
reviewer compares and approves (or requests changes), and readers see the outcome.

Each test works on its own topic, so they pass in any order against the one live site.
"""

import re

from playwright.sync_api import expect


def open_in_editor(editor, title):
    """The editor finds the page with the dashboard's search and opens it for editing."""
    page = editor.page
    editor.go("/admin/")
    search = page.get_by_placeholder("Search all pages…")
    search.fill(title)
    search.press("Enter")
    page.get_by_role("link", name=title, exact=True).click()
    page.wait_for_url(re.compile(r"/admin/pages/\d+/edit/$"))
    expect(page.get_by_role("textbox", name="Title*")).to_have_value(title)


def add_to_first_paragraph(editor, sentence):
    page = editor.page
    paragraph = page.locator("[data-contentpath=body] .public-DraftEditor-content").first
    paragraph.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" " + sentence)
    # Draftail writes its content to the form field a moment after the last keystroke; a
    # person never submits within that moment, so wait for it as they would.
    expect(page.locator("input[name=body-0-value]")).to_have_value(re.compile(re.escape(sentence)))


def submit_for_review(editor):
    page = editor.page
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Submit to Editorial review").click()
    expect(page.get_by_text("has been submitted for review")).to_be_visible()


def task_row(reviewer, title):
    """The page's row in the reviewer's "Awaiting your review" dashboard panel."""
    panel = reviewer.page.locator("#awaiting-review-section")
    return panel.get_by_role("row").filter(has=reviewer.page.get_by_role("link", name=title))


def row_action(row, name, role="button"):
    row.get_by_role("button", name="Actions").click()
    row.get_by_role(role, name=name, exact=True).click()


def test_an_approved_revision_goes_live_without_its_development_banner(visit):
    title = "What does staking mean?"
    url = "/omg-deep-dive/proof-of-stake/what-does-staking-mean/"
    sentence = "Staking launched with the v2 contracts."

    reader = visit("reader-before")
    reader.go(url)
    expect(reader.page.locator(".development-banner")).to_be_visible()
    expect(reader.page.locator("main")).not_to_contain_text(sentence)

    editor = visit("editor")
    editor.log_in("editor")
    open_in_editor(editor, title)
    add_to_first_paragraph(editor, sentence)
    editor.page.get_by_role("checkbox", name="Still in development").uncheck()
    editor.page.get_by_role("textbox", name="What changed", exact=True).fill(
        "Staking has launched."
    )
    editor.screenshot("edited", of=editor.page.locator("[data-contentpath=body]"))
    # Editors cannot publish: the editor offers no publish action at all.
    expect(editor.page.get_by_role("button", name="Publish")).to_have_count(0)
    submit_for_review(editor)
    editor.screenshot("submitted")

    # Submitting changes nothing a reader sees.
    reader.go(url)
    expect(reader.page.locator("main")).not_to_contain_text(sentence)

    reviewer = visit("reviewer")
    reviewer.log_in("reviewer")
    expect(reviewer.page.get_by_role("link", name="Drafts awaiting your review: 1")).to_be_visible()
    row = task_row(reviewer, title)
    expect(row).to_contain_text("editor")
    reviewer.screenshot("dashboard-task", of=row)

    row_action(row, "Compare with live version", role="link")
    page = reviewer.page
    page.wait_for_url(re.compile(r"/revisions/compare/live\.\.\.\d+/$"))
    changes = page.locator("main")
    expect(changes.locator("tr", has_text="Still in development")).to_contain_text("Yes → No")
    expect(changes).to_contain_text(sentence)
    expect(changes.locator("tr", has_text="What changed")).to_contain_text("Staking has launched.")
    reviewer.screenshot("compare")

    page.go_back()
    row_action(task_row(reviewer, title), "Approve")
    expect(page.get_by_role("link", name="Drafts awaiting your review: 0")).to_be_visible()
    expect(task_row(reviewer, title)).to_have_count(0)
    reviewer.screenshot("approved")

    # A fresh anonymous browser: the new text, no banner, and the change in What's new.
    fresh = visit("reader-after")
    fresh.go(url)
    expect(fresh.page.locator("main")).to_contain_text(sentence)
    expect(fresh.page.locator(".development-banner")).to_have_count(0)
    fresh.screenshot("live-page")
    fresh.go("/whats-new/")
    expect(fresh.page.locator("main")).to_contain_text("Staking has launched.")


def test_a_rejected_revision_stays_off_the_live_page_and_the_editor_reads_why(visit):
    title = "BizDev Current State"
    url = "/omg-deep-dive/business-development/bizdev-current-state/"
    sentence = "A new exchange partner signed in 2021."
    comment = "Which announcement names this partner? Please link it."

    editor = visit("editor")
    editor.log_in("editor")
    open_in_editor(editor, title)
    add_to_first_paragraph(editor, sentence)
    editor.page.get_by_role("checkbox", name="Still in development").uncheck()
    submit_for_review(editor)

    reviewer = visit("reviewer")
    reviewer.log_in("reviewer")
    row_action(task_row(reviewer, title), "Request changes")
    dialog = reviewer.page.get_by_role("dialog")
    dialog.get_by_label("Comment").fill(comment)
    reviewer.screenshot("request-changes")
    dialog.get_by_role("button", name="Request changes").click()
    expect(task_row(reviewer, title)).to_have_count(0)

    reader = visit("reader")
    reader.go(url)
    expect(reader.page.locator("main")).not_to_contain_text(sentence)
    expect(reader.page.locator(".development-banner")).to_be_visible()
    reader.screenshot("live-page-unchanged")

    # The editor finds the reviewer's comment in the page's history, and the draft kept.
    open_in_editor(editor, title)
    expect(editor.page.locator("input[name=body-0-value]")).to_have_value(
        re.compile(re.escape(sentence))
    )
    editor.page.get_by_role("link", name="History").click()
    entry = editor.page.locator("tr", has_text="Changes requested")
    expect(entry).to_contain_text(f"Comment: {comment}")
    expect(entry).to_contain_text("reviewer")
    editor.screenshot("history-with-comment", of=entry)
