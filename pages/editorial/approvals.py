"""
The approval loop: who is told what when a draft is submitted, approved or sent back.

- Submitting a page starts a task on the "Editorial review" workflow. The draft's "Reviewer" and
  "Review needed by" fields (each revision keeps its own) become the task's ReviewAssignment. A
  named reviewer gets a personal request ("Eddie asked you to review Exits by 3 May"); the rest of
  the task's groups get Wagtail's group email, which leaves the named reviewer out.
- Approval emails the page's authors (the submitter and the latest revision's author) with the
  reviewer's comment, which Wagtail's own approval email leaves out (wagtail/wagtail#7542). An
  approval with a comment on an earlier step of a longer workflow is passed on too.
- "Request changes" emails the authors and everyone who acted on an earlier step of the same
  workflow run (approved a task, or sent the draft back before), each once, with the comment;
  never the reviewer who sent it back.

Wagtail's submission, approval and rejection notifiers are replaced by subclasses here, which
pages.signal_handlers connects under Wagtail's own dispatch_uids (WAGTAIL_RECEIVERS), so nobody
gets the same news twice. Everyone's notification preferences (Account → Notifications) still
apply. The dashboard shows each task's due date and named reviewer (pages.editorial.dashboard).
"""

import logging

from django.contrib.auth import get_user_model
from django.utils.dateparse import parse_date

from wagtail.admin.mail import (
    BaseGroupApprovalTaskStateEmailNotifier,
    GroupApprovalTaskStateSubmissionEmailNotifier,
    WorkflowStateApprovalEmailNotifier,
    WorkflowStateRejectionEmailNotifier,
)
from wagtail.models import AbstractGroupApprovalTask, TaskState, WorkflowState
from wagtail.signals import task_submitted, workflow_approved, workflow_rejected

from pages.models import ReviewAssignment
from pages.models.reviews import can_act_on

logger = logging.getLogger(__name__)

TEMPLATES = "pages/emails/"


# The review a draft asks for.


def requested_review(revision):
    """The (reviewer, date) a submitted revision asks for, from its own "This change" fields."""
    content = revision.content or {}
    reviewer_id = content.get("requested_reviewer")
    reviewer = get_user_model().objects.filter(pk=reviewer_id).first() if reviewer_id else None
    needed_by = content.get("review_needed_by")
    return reviewer, parse_date(needed_by) if needed_by else None


def assignment_of(task_state):
    try:
        return task_state.review_assignment
    except ReviewAssignment.DoesNotExist:
        return None


def assign_review(task_state):
    """The task state's ReviewAssignment, made from its revision's requested reviewer and date."""
    reviewer, due_date = requested_review(task_state.revision)
    task = task_state.task.specific
    if reviewer is not None and not can_act_on(reviewer, task):
        # The edit form refuses such a reviewer; a draft submitted another way (or a reviewer
        # who has since left the task's groups) leaves the task to the whole group.
        logger.warning(
            "%s was asked to review %s but cannot act on %r; the task goes to its groups.",
            reviewer,
            task_state.revision.content_object,
            task.name,
        )
        reviewer = None
    assignment, _ = ReviewAssignment.objects.update_or_create(
        task_state=task_state, defaults={"reviewer": reviewer, "due_date": due_date}
    )
    task_state.review_assignment = assignment
    return assignment


# The people a decision concerns.


def authors(workflow_state):
    """Who wrote the change: whoever submitted it, and the latest revision's author."""
    people = {workflow_state.requested_by}
    latest = workflow_state.content_object.get_latest_revision()
    if latest is not None:
        people.add(latest.user)
    people.discard(None)
    return people


def earlier_actors(workflow_state, current_task_state):
    """Everyone who approved a step of this workflow run, or sent it back, before this task."""
    acted = (
        workflow_state.task_states.filter(
            status__in=[TaskState.STATUS_APPROVED, TaskState.STATUS_REJECTED],
            finished_by__isnull=False,
        )
        .exclude(pk=current_task_state.pk)
        .values("finished_by")
    )
    return set(get_user_model().objects.filter(pk__in=acted))


def page_context(context):
    """What every email of the loop says about the page, beside Wagtail's own context."""
    page = context["object"]
    latest = page.get_latest_revision()
    context.update(
        {
            "title": page.get_admin_display_title(),
            "page_id": page.pk,
            "live_revision_id": page.live_revision_id if page.live else None,
            "latest_revision_id": latest.pk if latest else None,
        }
    )
    return context


class LoopTemplatesMixin:
    """The loop's emails are ours: pages/templates/pages/emails/<template_name>[.txt/.html]."""

    template_name = ""

    def get_template_set(self, instance, **kwargs):
        base = TEMPLATES + self.template_name
        return {"subject": base + "_subject.txt", "text": base + ".txt", "html": base + ".html"}


class GroupSubmissionEmailNotifier(GroupApprovalTaskStateSubmissionEmailNotifier):
    """Wagtail's email to the task's groups, without the reviewer who is asked in person."""

    def get_recipient_users(self, task_state, **kwargs):
        recipients = super().get_recipient_users(task_state, **kwargs)
        assignment = assignment_of(task_state)
        if assignment is not None and assignment.reviewer_id is not None:
            recipients = recipients.exclude(pk=assignment.reviewer_id)
        return recipients


class ReviewRequestEmailNotifier(LoopTemplatesMixin, BaseGroupApprovalTaskStateEmailNotifier):
    """The named reviewer's personal request. Their "submitted" preference applies."""

    notification = "submitted"
    template_name = "review_request"

    def get_recipient_users(self, task_state, **kwargs):
        assignment = assignment_of(task_state)
        reviewer = assignment.reviewer if assignment is not None else None
        return {reviewer} if reviewer is not None and reviewer != kwargs.get("user") else set()

    def get_context(self, task_state, **kwargs):
        context = page_context(super().get_context(task_state, **kwargs))
        assignment = assignment_of(task_state)
        context.update(
            {
                "workflow": task_state.workflow_state.workflow,
                "requested_by": task_state.workflow_state.requested_by,
                "due_date": assignment.due_date,
                "revision_id": task_state.revision_id,
            }
        )
        return context


class ApprovalEmailNotifier(LoopTemplatesMixin, WorkflowStateApprovalEmailNotifier):
    """The workflow is approved (and the page published): the authors, with the comment."""

    template_name = "approval"

    def get_recipient_users(self, workflow_state, **kwargs):
        return authors(workflow_state) - {kwargs.get("user")}

    def get_context(self, workflow_state, **kwargs):
        context = page_context(super().get_context(workflow_state, **kwargs))
        task_state = workflow_state.current_task_state
        context.update(
            {
                "finished": True,
                "task": task_state.task if task_state else None,
                "approver": task_state.finished_by if task_state else kwargs.get("user"),
                "comment": task_state.get_comment() if task_state else "",
            }
        )
        return context


class StepApprovalEmailNotifier(LoopTemplatesMixin, BaseGroupApprovalTaskStateEmailNotifier):
    """An earlier step approved with a comment, the workflow going on: the authors hear it."""

    notification = "approved"
    template_name = "approval"

    def can_handle(self, task_state, **kwargs):
        return (
            super().can_handle(task_state, **kwargs)
            and bool(task_state.comment.strip())
            and task_state.workflow_state.status == WorkflowState.STATUS_IN_PROGRESS
        )

    def get_recipient_users(self, task_state, **kwargs):
        return authors(task_state.workflow_state) - {kwargs.get("user")}

    def get_context(self, task_state, **kwargs):
        context = page_context(super().get_context(task_state, **kwargs))
        workflow_state = task_state.workflow_state
        next_state = workflow_state.current_task_state
        context.update(
            {
                "finished": False,
                "workflow": workflow_state.workflow,
                "approver": task_state.finished_by,
                "comment": task_state.get_comment(),
                "next_task": next_state.task if next_state else None,
            }
        )
        return context


class RejectionEmailNotifier(LoopTemplatesMixin, WorkflowStateRejectionEmailNotifier):
    """Changes requested: the authors and everyone who acted earlier in this run, each once."""

    template_name = "rejection"

    def get_recipient_users(self, workflow_state, **kwargs):
        task_state = workflow_state.current_task_state
        people = authors(workflow_state) | earlier_actors(workflow_state, task_state)
        return people - {kwargs.get("user"), task_state.finished_by}

    def get_context(self, workflow_state, **kwargs):
        context = page_context(super().get_context(workflow_state, **kwargs))
        context["rejecter"] = context["task_state"].finished_by or kwargs.get("user")
        context["author_ids"] = {user.pk for user in authors(workflow_state)}
        return context


group_submission_notifier = GroupSubmissionEmailNotifier()
review_request_notifier = ReviewRequestEmailNotifier()
approval_notifier = ApprovalEmailNotifier()
step_approval_notifier = StepApprovalEmailNotifier()
rejection_notifier = RejectionEmailNotifier()


def task_submitted_handler(sender, instance, user=None, **kwargs):
    """A group approval task started: record its assignment, then tell the reviewers."""
    if not isinstance(instance.task.specific, AbstractGroupApprovalTask):
        return
    assign_review(instance)
    # The named reviewer first, then the groups, whose email leaves them out.
    review_request_notifier(instance=instance, user=user)
    group_submission_notifier(instance=instance, user=user)


# Wagtail's own receivers (wagtail/admin/signal_handlers.py), by dispatch_uid, and the loop's that
# replace them: (signal, sender, dispatch_uid, ours).
WAGTAIL_RECEIVERS = [
    (
        task_submitted,
        TaskState,
        "group_approval_task_submitted_email_notification",
        task_submitted_handler,
    ),
    (
        workflow_approved,
        WorkflowState,
        "workflow_state_approved_email_notification",
        approval_notifier,
    ),
    (
        workflow_rejected,
        WorkflowState,
        "workflow_state_rejected_email_notification",
        rejection_notifier,
    ),
]
