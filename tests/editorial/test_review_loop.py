"""
The review loop closes on the edit form (pages/editorial/in_review.py): the editor reads the
reviewer's request for changes at the top of the form until they submit again, the status dialog
names the reviewer who asked for changes, a page in review says who has it and what the editor
can do, and "Cancel workflow" is never the primary button and asks before it withdraws a review.
"""

import datetime

import pytest
from bs4 import BeautifulSoup

from django.utils.timezone import localdate

from wagtail.models import WorkflowState
from wagtail.rich_text import RichText

from pages.editorial.in_review import cancel_label
from tests.conftest import logged_in, make_topic
from tests.editorial.test_approval_loop import submit
from tests.editorial.test_editorial_workflow import (
    body_text,
    edit_url,
    topic_form,
    workflow_action,
)

pytestmark = pytest.mark.django_db

TODAY = f"{localdate():%-d %B %Y}"


@pytest.fixture
def exits(section):
    return make_topic(
        section, title="Exits", body=[("text", RichText("<p>Exits take seven days.</p>"))]
    )


def edit_form(browser, page):
    response = browser.get(edit_url(page))
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def notices(html):
    """The messages at the top of the edit form, as text."""
    return [li.get_text(" ", strip=True) for li in html.select(".messages li")]


def dialog(html, dialog_id):
    """A dialog by its id. Wagtail renders dialogs in a <template>, moved to the end of the body
    as the page loads; BeautifulSoup neither selects nor reads text inside one, so the dialog is
    read on its own, as the browser shows it."""
    found = html.find(id=dialog_id)
    assert found is not None, dialog_id
    return BeautifulSoup(str(found), "html.parser").find(id=dialog_id)


def review_comment(html):
    return html.select_one(".messages li.kb-review-comment")


def sent_back(exits, editor, reviewer, comment):
    task_state = submit(logged_in(editor), exits)
    workflow_action(logged_in(reviewer), exits, "reject", task_state, comment=comment)
    return task_state


# The reviewer's comment, on the edit form until the page is submitted again.


def test_the_editor_reads_the_request_for_changes_at_the_top_of_the_edit_form(
    exits, editor, reviewer
):
    sent_back(exits, editor, reviewer, "Cite the <contract>.\nAnd say which chain.")
    editor_browser = logged_in(editor)

    # On every visit, not just the first.
    for _visit in range(2):
        html = edit_form(editor_browser, exits)
        notice = review_comment(html)
        assert notice is not None
        assert notice.select_one(".kb-review-comment__heading").get_text() == (
            f"Changes requested by rita on {TODAY}:"
        )
        # The comment is text: escaped, its line break kept.
        text = notice.select_one(".kb-review-comment__text")
        assert text.get_text("\n", strip=True) == "Cite the <contract>.\nAnd say which chain."
        assert text.select("contract") == [] and len(text.select("br")) == 1
        # The draft is the editor's, kept for them to work on.
        assert "Exits take fourteen days." in html.decode()


def test_the_request_for_changes_goes_once_the_page_is_submitted_again(exits, editor, reviewer):
    sent_back(exits, editor, reviewer, "Cite the contract.")
    editor_browser = logged_in(editor)

    # "Resubmit": Wagtail resumes the same review with a new task.
    submit(editor_browser, exits, "Exits take fourteen days (see the contract).")

    html = edit_form(editor_browser, exits)
    assert review_comment(html) is None
    assert not any("Cite the contract." in notice for notice in notices(html))
    assert any(notice.startswith("In review with") for notice in notices(html))


def test_a_request_for_changes_without_a_comment_still_says_who_sent_it_back(
    exits, editor, reviewer
):
    sent_back(exits, editor, reviewer, "")

    notice = review_comment(edit_form(logged_in(editor), exits))

    assert notice.get_text(" ", strip=True) == (
        f"Changes requested by rita on {TODAY} , without a comment. Submit the page again "
        "when it is ready."
    )


def test_a_page_never_sent_back_shows_no_request(exits, editor):
    html = edit_form(logged_in(editor), exits)

    assert review_comment(html) is None
    assert notices(html) == []


def test_the_status_dialog_names_the_reviewer_who_asked_for_changes(exits, editor, reviewer):
    sent_back(exits, editor, reviewer, "Cite the contract.")

    status = dialog(edit_form(logged_in(editor), exits), "workflow-status-dialog")

    heading = status.find(class_="w-dialog__message-heading").get_text(" ", strip=True)
    assert heading.startswith("Changes requested") and heading.endswith("by rita")
    assert "eddie" not in heading
    assert "Cite the contract." in status.get_text()


def test_the_status_dialog_of_a_page_in_review_still_names_the_submitter(exits, editor):
    submit(logged_in(editor), exits)

    status = dialog(edit_form(logged_in(editor), exits), "workflow-status-dialog")

    heading = status.find(class_="w-dialog__message-heading").get_text(" ", strip=True)
    assert heading.startswith("Sent to Reviewer approval") and heading.endswith("by eddie")


# A page in review: who has it and what the editor can do.


def test_an_editor_is_told_who_has_the_page_and_that_it_is_locked_for_them(exits, editor, reviewer):
    needed_by = localdate() + datetime.timedelta(days=3)
    submit(logged_in(editor), exits, requested_reviewer=reviewer, review_needed_by=needed_by)

    html = edit_form(logged_in(editor), exits)

    [notice] = html.select(".messages li.kb-in-review")
    text = notice.get_text(" ", strip=True)
    assert notice.select_one(".kb-in-review__heading").get_text() == (
        f"In review with Administrators and Reviewers since {TODAY}, asked of rita, "
        f"needed by {needed_by:%-d %B %Y}."
    )
    assert "It is locked for you until the review ends" in text
    assert f"withdraw it from review: “{cancel_label()}”" in text


def test_a_reviewer_is_told_they_can_keep_editing(exits, editor, reviewer):
    submit(logged_in(editor), exits, requested_reviewer=reviewer)

    [notice] = edit_form(logged_in(reviewer), exits).select(".messages li.kb-in-review")

    text = notice.get_text(" ", strip=True)
    assert text.startswith(
        f"In review with Administrators and Reviewers since {TODAY}, asked of you."
    )
    assert text.endswith(
        "You can keep editing: your changes join the review when you save. "
        "Whoever changed it cannot approve it (four-eyes rule)."
    )
    assert "withdraw" not in text


def test_without_the_four_eyes_rule_the_notice_does_not_mention_it(
    exits, editor, reviewer, four_eyes_off
):
    submit(logged_in(editor), exits, requested_reviewer=reviewer)

    [notice] = edit_form(logged_in(reviewer), exits).select(".messages li.kb-in-review")

    text = notice.get_text(" ", strip=True)
    assert text.endswith("You can keep editing: your changes join the review when you save.")
    assert "four-eyes" not in text


# "Cancel workflow": secondary, confirmed.


def footer_actions(html):
    """The primary button, and the items of the menu beside it."""
    menu = html.select_one("footer .w-dropdown-button")
    primary = menu.find(["button", "a"], recursive=False)
    items = menu.select(".w-dropdown [type=submit], .w-dropdown [data-a11y-dialog-show]")
    return primary, items


def test_the_submitter_of_a_locked_page_is_not_offered_cancel_as_the_primary_button(exits, editor):
    submit(logged_in(editor), exits)

    html = edit_form(logged_in(editor), exits)

    primary, items = footer_actions(html)
    assert cancel_label() not in primary.get_text()
    assert primary.has_attr("disabled")  # Wagtail's "Page locked"
    [cancel] = [item for item in items if cancel_label() in item.get_text()]
    # The item only opens the dialog; it submits nothing itself.
    assert cancel["type"] == "button" and not cancel.has_attr("name")
    confirmation = dialog(html, cancel["data-a11y-dialog-show"])
    assert "Withdraw this page from review?" in confirmation.get_text()
    # The only button that cancels is the dialog's, and it submits the edit form.
    assert len(html.find_all(attrs={"name": "action-cancel-workflow"})) == 1
    confirm = confirmation.find(attrs={"name": "action-cancel-workflow"})
    assert confirm.name == "button" and confirm["type"] == "submit"
    assert confirm["form"] == "page-edit-form"
    assert cancel_label() in confirm.get_text()


def test_a_reviewer_submitting_their_own_page_keeps_save_draft_as_the_primary_button(
    exits, reviewer
):
    submit(logged_in(reviewer), exits)

    primary, items = footer_actions(edit_form(logged_in(reviewer), exits))

    assert "Save draft" in primary.get_text()
    assert any(item.get("data-a11y-dialog-show") for item in items)
    assert not any(item.get("name") == "action-cancel-workflow" for item in items)


def test_confirming_the_dialog_withdraws_the_review_and_keeps_the_draft(exits, editor):
    submit(logged_in(editor), exits)
    editor_browser = logged_in(editor)
    html = edit_form(editor_browser, exits)
    confirm = html.find(attrs={"name": "action-cancel-workflow"})

    # The dialog's button submits the edit form, as a browser does, with the form as it stands.
    form = topic_form(exits, "Exits take fourteen days.")
    form[confirm["name"]] = confirm["value"]
    response = editor_browser.post(edit_url(exits), form)

    assert response.status_code in (200, 302)
    exits.refresh_from_db()
    assert exits.current_workflow_state is None
    assert WorkflowState.objects.get(object_id=str(exits.pk)).status == "cancelled"
    # Nothing was published; the submitted draft is still the latest version.
    assert exits.live_revision != exits.latest_revision
    assert body_text(exits.latest_revision) == "Exits take fourteen days."
