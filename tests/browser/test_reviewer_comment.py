"""
The review loop closes in the browser: a reviewer's request for changes waits for the editor at
the top of the page's edit form, and is gone once the editor submits the page again, when the
form says who has it instead (pages/editorial/in_review.py).

It works on its own topic ("Unbanking the Banked"), which no other browser test uses.
"""

import re

from playwright.sync_api import expect

from tests.browser.test_editorial import (
    add_to_first_paragraph,
    open_in_editor,
    row_action,
    submit_for_review,
    task_row,
)

TITLE = "Unbanking the Banked"


def test_the_editor_reads_the_reviewers_comment_on_the_edit_form_until_resubmitting(visit):
    sentence = "Two billion adults have no bank account."
    comment = "Which survey says two billion?\nPlease link the <source>."

    editor = visit("editor")
    editor.log_in("editor")
    open_in_editor(editor, TITLE)
    add_to_first_paragraph(editor, sentence)
    submit_for_review(editor)

    # The reviewer sends it back from the dashboard, with a comment of two lines.
    reviewer = visit("reviewer")
    reviewer.log_in("reviewer")
    row_action(task_row(reviewer, TITLE), "Request changes")
    dialog = reviewer.page.get_by_role("dialog")
    dialog.get_by_label("Comment").fill(comment)
    dialog.get_by_role("button", name="Request changes").click()
    expect(task_row(reviewer, TITLE)).to_have_count(0)

    # The editor opens the page: the comment is at the top, as typed, above the kept draft.
    open_in_editor(editor, TITLE)
    page = editor.page
    notice = page.locator(".messages li.kb-review-comment")
    expect(notice).to_be_visible()
    expect(notice.locator(".kb-review-comment__heading")).to_have_text(
        re.compile(r"^Changes requested by reviewer on \d{1,2} \w+ \d{4}:$")
    )
    text = notice.locator(".kb-review-comment__text")
    # The line break is kept: the two lines read as two lines.
    expect(text).to_have_text(
        re.compile(r"^Which survey says two billion\?\nPlease link"), use_inner_text=True
    )
    expect(text).to_contain_text("Please link the <source>.")
    expect(text.locator("br")).to_have_count(1)
    expect(page.locator("input[name=body-0-value]")).to_have_value(re.compile(re.escape(sentence)))
    editor.screenshot("comment-on-edit-form", of=notice)

    # Still there on the next visit, until the editor submits again.
    page.reload()
    expect(page.locator(".messages li.kb-review-comment")).to_be_visible()
    add_to_first_paragraph(editor, "The World Bank's Findex survey says so.")
    page.get_by_role("button", name="More actions").click()
    page.locator("button[name=action-submit]").click()
    page.wait_for_url(re.compile(r"/admin/pages/\d+/$"))

    open_in_editor(editor, TITLE)
    expect(page.locator(".messages li.kb-review-comment")).to_have_count(0)
    expect(page.get_by_text(comment.splitlines()[0])).to_have_count(0)
    in_review = page.locator(".messages li.kb-in-review")
    expect(in_review).to_contain_text("In review with")
    expect(in_review).to_contain_text("It is locked for you until the review ends")
    editor.screenshot("in-review-after-resubmitting", of=in_review)
