"""
The review loop as the editor sees it on the edit form.

- A page sent back ("Request changes") says at the top of its edit form who asked for what:
  "Changes requested by Rita on 5 December 2026: <the comment>", on every visit, until the page
  is submitted again (Wagtail then resumes the same review with a new task, and the page is no
  longer "needs changes"). The editor need not dig through Status → View details or the email.
- A page in review says who has it and what the person looking at it can do: keep editing (a
  reviewer, whose saves join the review), or nothing until the review ends (an editor: Wagtail
  locks a page in review to everyone outside the task's groups), and how to withdraw it.
- "Cancel workflow" withdraws the review. Wagtail puts it first in the action menu of a locked
  page, which makes it the big primary button; here it is always a secondary item, and it opens
  a dialog that says what it does before the real submit button.

Both notices are Wagtail messages added on each GET of the edit view (the before_edit_page hook),
the way Wagtail shows its own lock notice: they sit at the top of the form for every page type
without overriding the edit template, and a message added and shown in the same request never
lingers on to another page. Readers never see them: they are admin messages.
"""

from datetime import datetime

from django.contrib import messages
from django.utils.formats import date_format
from django.utils.html import format_html, linebreaks
from django.utils.safestring import mark_safe
from django.utils.timezone import localdate

from wagtail.admin.action_menu import ActionMenuItem, CancelWorkflowMenuItem
from wagtail.admin.utils import get_user_display_name
from wagtail.locks import WorkflowLock
from wagtail.models import TaskState, WorkflowState

from pages.editorial.approvals import assignment_of
from pages.models.reviews import four_eyes_applies

WITHDRAW_DIALOG_ID = "withdraw-review-dialog"


def day(moment):
    """A date (or the day of a moment) as editors read it: 5 December 2026."""
    if isinstance(moment, datetime):
        moment = localdate(moment)
    return date_format(moment, "j F Y")


def people(names):
    """Names joined as a sentence has them: "A", "A and B", "A, B and C"."""
    names = list(names)
    if len(names) < 2:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


# What the page's review says, for the top of the edit form.


def changes_requested(page):
    """The request for changes the page is waiting on, as (reviewer, when, comment), or None
    once the page has been submitted again (or was never sent back)."""
    workflow_state = page.current_workflow_state
    if workflow_state is None or workflow_state.status != WorkflowState.STATUS_NEEDS_CHANGES:
        return None
    task_state = workflow_state.current_task_state
    if task_state is None or task_state.status != TaskState.STATUS_REJECTED:
        return None
    return task_state.finished_by, task_state.finished_at, task_state.get_comment().strip()


def changes_requested_notice(page):
    found = changes_requested(page)
    if found is None:
        return None
    reviewer, finished_at, comment = found
    who = get_user_display_name(reviewer) if reviewer is not None else "a reviewer"
    when = f" on {day(finished_at)}" if finished_at else ""
    if not comment:
        return format_html(
            '<strong class="kb-review-comment__heading">Changes requested by {}{}</strong>, '
            "without a comment. Submit the page again when it is ready.",
            who,
            when,
        )
    # The comment as the reviewer typed it: escaped, its line breaks kept.
    return format_html(
        '<strong class="kb-review-comment__heading">Changes requested by {}{}:</strong>'
        '<div class="kb-review-comment__text">{}</div>',
        who,
        when,
        mark_safe(linebreaks(comment, autoescape=True)),  # noqa: S308 - escaped by linebreaks
    )


def in_review_notice(page, user, lock, locked_for_user):
    """Who has the page while it is in review, and what `user` can do meanwhile."""
    workflow_state = page.current_workflow_state
    if workflow_state is None or workflow_state.status != WorkflowState.STATUS_IN_PROGRESS:
        return None
    task_state = workflow_state.current_task_state
    if task_state is None:
        return None
    task = task_state.task.specific
    # The task's groups (Wagtail locks the page to everyone else), or its name for a task of
    # another kind.
    groups = getattr(task, "groups", None)
    with_whom = people(groups.order_by("name").values_list("name", flat=True)) if groups else ""
    with_whom = with_whom or task.name
    parts = [f"In review with {with_whom} since {day(task_state.started_at)}"]
    assignment = assignment_of(task_state)
    if assignment is not None and assignment.reviewer is not None:
        if assignment.reviewer == user:
            parts.append("asked of you")
        else:
            parts.append(f"asked of {get_user_display_name(assignment.reviewer)}")
    if assignment is not None and assignment.due_date is not None:
        parts.append(f"needed by {day(assignment.due_date)}")
    who_has_it = ", ".join(parts) + "."

    if not locked_for_user:
        what_you_can_do = "You can keep editing: your changes join the review when you save."
        if four_eyes_applies(page):
            # A reviewer who edits here loses the right to approve: say so before they save.
            what_you_can_do += " Whoever changed it cannot approve it (four-eyes rule)."
    elif not isinstance(lock, WorkflowLock):
        # Someone's own lock (or a scheduled publish) stops this user as well; Wagtail's lock
        # notice beside this one says which.
        what_you_can_do = "You cannot edit it now."
    else:
        what_you_can_do = (
            "It is locked for you until the review ends: a reviewer approves it or requests "
            "changes."
        )
        if workflow_state.user_can_cancel(user):
            what_you_can_do += (
                f" To change it before then, withdraw it from review: “{cancel_label()}”, "
                "under the arrow beside the button at the bottom of the form."
            )
    return format_html(
        '<strong class="kb-in-review__heading">{}</strong> {}', who_has_it, what_you_can_do
    )


def add_review_notices(request, page):
    """before_edit_page: the notices, on each GET of the edit form (not its saves, whose
    redirect leads back to a GET that shows them again)."""
    if request.method != "GET":
        return
    notice = changes_requested_notice(page)
    if notice is not None:
        messages.warning(request, notice, extra_tags="kb-review-comment")
        return
    lock = page.get_lock()
    locked_for_user = lock is not None and lock.for_user(request.user)
    notice = in_review_notice(page, request.user, lock, locked_for_user)
    if notice is not None:
        messages.info(request, notice, extra_tags="kb-in-review")


# "Cancel workflow": secondary, and confirmed.


def cancel_label():
    """Wagtail's name for the action (translated, so the site's wording of it applies)."""
    return str(CancelWorkflowMenuItem.label).strip()


class WithdrawFromReviewMenuItem(ActionMenuItem):
    """Wagtail's "Cancel workflow" action, behind a dialog that says what it does. The dialog's
    button is the real submit (action-cancel-workflow), so Wagtail's own edit view cancels the
    review as before, saving the form's content as a draft."""

    name = CancelWorkflowMenuItem.name
    icon_name = CancelWorkflowMenuItem.icon_name
    template_name = "pages/admin/withdraw_from_review_menu_item.html"

    @property
    def label(self):
        return cancel_label()

    def is_shown(self, context):
        return True  # Only put in place of a CancelWorkflowMenuItem Wagtail chose to show.

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        workflow_state = context["page"].current_workflow_state
        task_state = workflow_state.current_task_state if workflow_state else None
        context.update(
            {
                "dialog_id": WITHDRAW_DIALOG_ID,
                "task_name": task_state.task.name if task_state else "",
                "workflow_name": workflow_state.workflow.name if workflow_state else "",
                "needs_changes": (
                    workflow_state is not None
                    and workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES
                ),
                "submitted_by": (
                    get_user_display_name(workflow_state.requested_by)
                    if workflow_state and workflow_state.requested_by
                    else ""
                ),
            }
        )
        return context


def confirm_cancel_workflow(menu_items, request, context):
    """construct_page_action_menu: "Cancel workflow" becomes the last, confirmed item, so it is
    never the primary button (Wagtail makes the first item primary)."""
    for index, item in enumerate(menu_items):
        if isinstance(item, CancelWorkflowMenuItem):
            del menu_items[index]
            menu_items.append(WithdrawFromReviewMenuItem(order=item.order))
            return
