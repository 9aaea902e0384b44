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
- The dashboard's "Awaiting your review" puts overdue tasks first, then the other dated ones,
  then the rest, longest-waiting first, and shows each task's due date and named reviewer.

Wagtail's submission, approval and rejection notifiers are replaced by subclasses here, connected
under Wagtail's own dispatch_uids (see register), so nobody gets the same news twice. Everyone's
notification preferences (Account → Notifications) still apply.
"""

import logging
from datetime import date

from django.contrib.auth import get_user_model
from django.utils.dateparse import parse_date
from django.utils.timezone import localdate

from wagtail import hooks
from wagtail.admin import signal_handlers as wagtail_notifications
from wagtail.admin.mail import (
    BaseGroupApprovalTaskStateEmailNotifier,
    GroupApprovalTaskStateSubmissionEmailNotifier,
    WorkflowStateApprovalEmailNotifier,
    WorkflowStateRejectionEmailNotifier,
)
from wagtail.admin.views.home import WorkflowObjectsToModeratePanel
from wagtail.models import AbstractGroupApprovalTask, TaskState, WorkflowState
from wagtail.signals import task_approved, task_submitted, workflow_approved, workflow_rejected

from pages.models.base import is_review_overdue

logger = logging.getLogger(__name__)

TEMPLATES = "pages/emails/"

# Wagtail's own receivers (wagtail/admin/signal_handlers.py), which those below replace.
WAGTAIL_RECEIVERS = [
    (task_submitted, TaskState, "group_approval_task_submitted_email_notification"),
    (workflow_approved, WorkflowState, "workflow_state_approved_email_notification"),
    (workflow_rejected, WorkflowState, "workflow_state_rejected_email_notification"),
]


# Who may review what.


def can_act_on(user, task):
    """Whether `user` may approve or reject `task` (a group approval task), by Wagtail's rule."""
    if user is None or not user.is_active:
        return False
    return user.is_superuser or task.groups.filter(pk__in=user.groups.values("pk")).exists()


def group_approval_tasks(workflow):
    if workflow is None:
        return []
    tasks = (task.specific for task in workflow.tasks.filter(active=True))
    return [task for task in tasks if isinstance(task, AbstractGroupApprovalTask)]


def requested_reviewer_error(page, reviewer, parent_page=None):
    """
    Why `reviewer` cannot be asked to review `page` (a page being edited, or created under
    `parent_page`), or None if they can: they must be able to approve a step of its workflow.
    For the edit form's clean().
    """
    if reviewer is None:
        return None
    workflow_of = page if page.pk else parent_page
    tasks = group_approval_tasks(workflow_of.get_workflow() if workflow_of else None)
    if not tasks:
        return "This page is not reviewed in a workflow, so there is nobody to ask: leave it empty."
    if any(can_act_on(reviewer, task) for task in tasks):
        return None
    groups = sorted({group.name for task in tasks for group in task.groups.all()})
    return (
        f"{reviewer.get_full_name() or reviewer.get_username()} cannot approve changes to this "
        f"page. Choose someone in {' or '.join(groups) or 'the review groups'}, or leave it empty."
    )


# The review a draft asks for.


def requested_review(revision):
    """The (reviewer, date) a submitted revision asks for, from its own "This change" fields."""
    content = revision.content or {}
    reviewer_id = content.get("requested_reviewer")
    reviewer = get_user_model().objects.filter(pk=reviewer_id).first() if reviewer_id else None
    needed_by = content.get("review_needed_by")
    return reviewer, parse_date(needed_by) if needed_by else None


def assignment_of(task_state):
    from pages.models import ReviewAssignment

    try:
        return task_state.review_assignment
    except ReviewAssignment.DoesNotExist:
        return None


def assign_review(task_state):
    """The task state's ReviewAssignment, made from its revision's requested reviewer and date."""
    from pages.models import ReviewAssignment

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


def register():
    """
    Swap Wagtail's workflow emails for the loop's (called from PagesConfig.ready).

    Ours are connected under Wagtail's own dispatch_uids, so whichever runs first wins: "pages"
    comes before wagtail.admin in INSTALLED_APPS, and Django then skips Wagtail's connect as a
    duplicate; called again later (tests), Wagtail's are disconnected first.
    """
    ours = {
        "group_approval_task_submitted_email_notification": task_submitted_handler,
        "workflow_state_approved_email_notification": approval_notifier,
        "workflow_state_rejected_email_notification": rejection_notifier,
    }
    for signal, sender, dispatch_uid in WAGTAIL_RECEIVERS:
        signal.disconnect(sender=sender, dispatch_uid=dispatch_uid)
        signal.connect(ours[dispatch_uid], sender=sender, dispatch_uid=dispatch_uid)
    task_approved.connect(
        step_approval_notifier, sender=TaskState, dispatch_uid="pages.approvals.step"
    )


def unregister():
    """Wagtail's own workflow emails back in place of the loop's (for tests)."""
    for signal, sender, dispatch_uid in WAGTAIL_RECEIVERS:
        signal.disconnect(sender=sender, dispatch_uid=dispatch_uid)
    task_approved.disconnect(sender=TaskState, dispatch_uid="pages.approvals.step")
    wagtail_notifications.register_signal_handlers()


# The dashboard's "Awaiting your review", overdue first.


def review_order(due_date, waiting_since):
    """Overdue tasks first (the longest overdue first), then dated ones, then the rest, oldest
    first: due dates ascending with undated last puts the overdue ones first by itself."""
    return (due_date is None, due_date or date.max, waiting_since)


class AwaitingReviewPanel(WorkflowObjectsToModeratePanel):
    """Wagtail's panel (same id, same rows), ordered by due date, with due date and reviewer."""

    template_name = "pages/admin/approval_awaiting_review_panel.html"

    def get_context_data(self, parent_context):
        from pages.models import ReviewAssignment

        context = super().get_context_data(parent_context)
        states = context["states"]
        if not states:
            return context
        user = parent_context["request"].user
        # One query for every row's assignment.
        assignments = {
            assignment.task_state_id: assignment
            for assignment in ReviewAssignment.objects.filter(
                task_state__in=[state["task_state"].pk for state in states]
            ).select_related("reviewer")
        }
        today = localdate()
        for state in states:
            assignment = assignments.get(state["task_state"].pk)
            due_date = assignment.due_date if assignment else None
            reviewer = assignment.reviewer if assignment else None
            state.update(
                {
                    "due_date": due_date,
                    "overdue": is_review_overdue(due_date, today),
                    "requested_reviewer": reviewer,
                    "assigned_to_you": reviewer is not None and reviewer.pk == user.pk,
                }
            )
        states.sort(
            key=lambda state: review_order(state["due_date"], state["task_state"].started_at)
        )
        return context


@hooks.register("construct_homepage_panels")
def order_awaiting_review_by_due_date(request, panels):
    panels[:] = [
        AwaitingReviewPanel() if type(panel) is WorkflowObjectsToModeratePanel else panel
        for panel in panels
    ]
