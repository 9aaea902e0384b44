"""Keeping pages accurate: the review schedule, reminder digests sent, review assignments, who
may be asked to review a change, and the four-eyes rule on who may approve it."""

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import OuterRef, Subquery

from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import (
    AbstractGroupApprovalTask,
    GroupApprovalTask,
    Page,
    Revision,
    WorkflowState,
)

# A page is reviewed at least once in this many days, at most every day.
INTERVAL_LIMITS = [MinValueValidator(1), MaxValueValidator(3650)]


def review_interval_field(verbose_name, default):
    return models.PositiveIntegerField(
        verbose_name,
        default=default,
        validators=INTERVAL_LIMITS,
        help_text=f"Days from one review to the next. {default} unless changed.",
    )


@register_setting(icon="calendar-check")
class ReviewSchedule(BaseSiteSetting):
    """How often each kind of page is reviewed, and when readers' answers call for a review."""

    home_page_days = review_interval_field("Home page", 180)
    section_page_days = review_interval_field("Sections", 180)
    topic_page_days = review_interval_field("Topics", 90)
    deep_dive_page_days = review_interval_field("Deep dives", 90)
    faq_index_page_days = review_interval_field("FAQ index", 180)
    faq_page_days = review_interval_field("FAQ entries", 180)
    video_page_days = review_interval_field("Videos", 365)
    not_helpful_threshold = models.PositiveIntegerField(
        "“Not helpful” answers that call for a review",
        default=5,
        validators=[MinValueValidator(1)],
        help_text=(
            "A page with at least this many “No” answers to “Was this page helpful?” in the "
            "last 30 days is suggested for review on the dashboard."
        ),
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("home_page_days"),
                FieldPanel("section_page_days"),
                FieldPanel("topic_page_days"),
                FieldPanel("deep_dive_page_days"),
                FieldPanel("faq_index_page_days"),
                FieldPanel("faq_page_days"),
                FieldPanel("video_page_days"),
            ],
            heading="Review every",
            help_text=(
                "A review (approving a change, or “Mark as reviewed”) sets the page's next "
                "review date this many days ahead, unless an editor chose a date."
            ),
        ),
        FieldPanel("not_helpful_threshold"),
    ]

    class Meta:
        verbose_name = "review schedule"

    def interval_for(self, page):
        """The time between reviews of `page`'s type."""
        field = INTERVAL_FIELDS.get(page.specific_class._meta.model_name)
        return timedelta(days=getattr(self, field) if field else DEFAULT_INTERVAL_DAYS)


# Each page type's field above, by its model's name.
INTERVAL_FIELDS = {
    "homepage": "home_page_days",
    "sectionpage": "section_page_days",
    "topicpage": "topic_page_days",
    "deepdivepage": "deep_dive_page_days",
    "faqindexpage": "faq_index_page_days",
    "faqpage": "faq_page_days",
    "videopage": "video_page_days",
}
DEFAULT_INTERVAL_DAYS = 180


@register_setting(icon="user-check")
class ReviewRules(BaseSiteSetting):
    """Who may put a change in front of readers. Only administrators change these."""

    four_eyes = models.BooleanField(
        "Four eyes on every publish",
        default=True,
        help_text=(
            "A second person approves every change: whoever submitted or last edited a draft "
            "cannot approve it, and a reviewer's own changes go through another reviewer "
            "instead of being published or scheduled directly."
        ),
    )

    panels = [FieldPanel("four_eyes")]

    class Meta:
        verbose_name = "review rules"


# The four-eyes rule itself, beside its setting: the approval task below reads it, and
# pages.editorial.four_eyes applies it to the admin's publish buttons.


def four_eyes_applies(page):
    """
    Whether the four-eyes rule binds changes to `page`: its site's Settings → Review rules. A
    page outside every site is bound, as is anything that is not a page.
    """
    url_parts = page.get_url_parts() if isinstance(page, Page) else None
    if url_parts is None:
        return True
    site_id = url_parts[0]
    # Read, never created: a site whose rules were never saved has the field's default (on).
    saved = ReviewRules.objects.filter(site_id=site_id).values_list("four_eyes", flat=True)
    return next(iter(saved), ReviewRules._meta.get_field("four_eyes").default)


def authors_of(workflow_states):
    """
    The people a change under review is by, from the queryset of its workflow state: who
    submitted it, who wrote the version submitted, and who wrote the latest draft (the version
    approval publishes), in one query. Empty when nothing is in review.
    """
    latest_draft_author = (
        Revision.objects.filter(
            base_content_type_id=OuterRef("base_content_type_id"),
            object_id=OuterRef("object_id"),
        )
        .order_by("-created_at", "-id")
        .values("user_id")[:1]
    )
    authors = (
        workflow_states.annotate(latest_draft_author=Subquery(latest_draft_author))
        .values_list(
            "requested_by_id", "current_task_state__revision__user_id", "latest_draft_author"
        )
        .first()
    )
    return {author for author in authors or () if author is not None}


def change_authors(task_state):
    """The authors of the change `task_state` reviews."""
    return authors_of(WorkflowState.objects.filter(pk=task_state.workflow_state_id))


def may_approve(user, task_state):
    """Whether `user` is a second pair of eyes on the change `task_state` reviews: neither its
    submitter nor the author of the version submitted or of the latest draft."""
    return user.pk not in change_authors(task_state)


class ReviewerApprovalTask(GroupApprovalTask):
    """
    The "Reviewer approval" step of the "Editorial review" workflow (moved onto this type by
    migration 0017): Wagtail's group approval, except that while the four-eyes rule is on, nobody
    approves a change they submitted or edited, superusers included. They may still request
    changes.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.id:
            # Task gives a new task its concrete model's content type: this one is a proxy.
            self.content_type = ContentType.objects.get_for_model(self, for_concrete_model=False)

    def four_eyes_refuse(self, obj, user, task_state):
        """Whether the four-eyes rule refuses `user` the approval of `task_state` on `obj`."""
        return (
            task_state is not None and not may_approve(user, task_state) and four_eyes_applies(obj)
        )

    def approval_withheld(self, obj, user, task_state):
        """Whether `user` is one of the task's approvers whom the four-eyes rule refuses."""
        group_actions = super().get_actions(obj, user)
        return any(name == "approve" for name, _label, _modal in group_actions) and (
            self.four_eyes_refuse(obj, user, task_state)
        )

    def get_actions(self, obj, user):
        actions = super().get_actions(obj, user)
        if (
            any(name == "approve" for name, _label, _modal in actions)
            and user.pk in self.authors_in_review(obj, user)
            and four_eyes_applies(obj)
        ):
            # "Approve" and "Approve with comment" both approve; "Request changes" stays.
            return [action for action in actions if action[0] != "approve"]
        return actions

    def authors_in_review(self, obj, user):
        """
        The authors of the change to `obj` in review, kept on `user` for the request as Wagtail
        keeps its group checks: the dashboard asks for the actions of each row more than once.
        Only the offer of actions reads it; approving reads the authors afresh.
        """
        known = getattr(user, "_four_eyes_authors", None)
        if known is None:
            known = {}
            user._four_eyes_authors = known
        key = (type(obj)._meta.label, obj.pk)
        if key not in known:
            known[key] = authors_of(
                obj.workflow_states.filter(status=WorkflowState.STATUS_IN_PROGRESS)
            )
        return known[key]

    def on_action(self, task_state, user, action_name, **kwargs):
        # The workflow action view offers only what get_actions offers, but the editor's
        # "Approve" saves the reviewer's own edits first, making them an author of what it would
        # publish: such an approval is refused, the task stays in progress and the edits stay a
        # draft (pages.editorial.four_eyes tells the reviewer why).
        if action_name == "approve" and self.four_eyes_refuse(
            task_state.workflow_state.content_object, user, task_state
        ):
            return None
        return super().on_action(task_state, user, action_name, **kwargs)

    @classmethod
    def get_description(cls):
        return (
            "Members of the chosen groups approve, except whoever submitted or last edited the "
            "change, while the four-eyes rule is on (Settings → Review rules)."
        )

    class Meta:
        proxy = True
        verbose_name = "group approval task with four eyes"
        verbose_name_plural = "group approval tasks with four eyes"


class ReviewReminder(models.Model):
    """One reminder digest sent: send_review_reminders sends each person one a day at most."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    sent_on = models.DateField()
    pages = models.PositiveIntegerField(help_text="Pages the digest listed.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "sent_on"], name="one_reminder_a_day")
        ]

    def __str__(self):
        return f"{self.recipient} on {self.sent_on:%Y-%m-%d}: {self.pages} pages"


class ReviewAssignment(models.Model):
    """Whom a review task asks, and by when: the submitter's choice, kept with the task."""

    task_state = models.OneToOneField(
        "wagtailcore.TaskState", on_delete=models.CASCADE, related_name="review_assignment"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review_assignments",
    )
    due_date = models.DateField(null=True, blank=True, db_index=True)

    def __str__(self):
        return f"review of {self.task_state_id} by {self.reviewer or 'any reviewer'}"


# Who may be asked to review a change: someone who can approve a step of the page's workflow. The
# edit form checks the "Reviewer" field with it, and pages.editorial.approvals assigns the task.


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
