"""
The admin dashboard's panels for keeping the knowledge base current:

- "Needs attention" (above Wagtail's own panels): drafts awaiting your review, pages in
  development, overdue reviews, pages flagged as needing change, pages readers' "not helpful"
  answers suggest reviewing, and the least helpful pages, five of each, each list linking to
  the full listing or report. Only the part of the tree the user may explore is counted.
- "Awaiting your review", Wagtail's own panel (same id, same rows) ordered by due date: overdue
  tasks first, then dated ones, then the rest, longest-waiting first, each with its due date and
  named reviewer (pages.editorial.approvals assigns them).
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.timezone import localdate

from wagtail.admin.ui.components import Component
from wagtail.admin.views.home import WorkflowObjectsToModeratePanel
from wagtail.models import Page
from wagtail.permissions import policy_registry

from pages.editorial import attention, search_terms
from pages.editorial.listing import can_list_knowledge_base_pages, knowledge_base_pages_url
from pages.feedback.figures import least_helpful_pages
from pages.models import ReviewAssignment, ReviewSchedule
from pages.models.base import is_review_overdue

# The panel names this many pages of each list, and links to the listing for the rest.
NEEDS_ATTENTION_SHOWN = 5


@dataclass
class AttentionList:
    """One kind of page that needs attention, as the panel shows it."""

    name: str
    label: str
    pages: QuerySet
    listing_url: str
    # The keys of the same pages from a narrower source (each page type's own table), to count
    # without reading the pages themselves: thousands of pages can be in development.
    keys: QuerySet | None = None

    @cached_property
    def count(self):
        return (self.pages if self.keys is None else self.keys).count()

    @cached_property
    def shown(self):
        return list(self.pages[:NEEDS_ATTENTION_SHOWN])

    @property
    def more(self):
        return self.count - len(self.shown)


class NeedsAttentionPanel(Component):
    name = "needs_attention"
    template_name = "pages/admin/needs_attention_panel.html"
    # Above Wagtail's own panels, the first of which ("Awaiting your review") is 220.
    order = 100

    def get_context_data(self, parent_context):
        request = parent_context["request"]
        user = request.user
        explorable = explorable_keys(user)

        def within_reach(pages):
            return pages if explorable is None else pages.filter(pk__in=explorable)

        def counted_from(keys):
            # Only when nothing narrows the pages to part of the tree are the keys the same set.
            return keys if explorable is None else None

        not_helpful_threshold = ReviewSchedule.for_request(request).not_helpful_threshold
        today = localdate()
        return {
            "lists": [
                AttentionList(
                    name="awaiting-your-review",
                    label="Drafts awaiting your review",
                    pages=within_reach(attention.pages_awaiting_review(user)),
                    listing_url=knowledge_base_pages_url(awaiting_review="you"),
                ),
                AttentionList(
                    name="in-development",
                    label="Pages in development",
                    pages=within_reach(attention.pages_in_development()),
                    keys=counted_from(attention.keys_in_development()),
                    listing_url=knowledge_base_pages_url(in_development="true"),
                ),
                AttentionList(
                    name="review-overdue",
                    label="Pages with an overdue review",
                    pages=within_reach(attention.pages_with_review_overdue(today)),
                    keys=counted_from(attention.keys_with_review_overdue(today)),
                    listing_url=knowledge_base_pages_url(
                        review=attention.REVIEW_OVERDUE, ordering="review_due"
                    ),
                ),
                AttentionList(
                    name="needs-change",
                    label="Pages flagged as needing change",
                    pages=within_reach(attention.pages_needing_change()),
                    listing_url=knowledge_base_pages_url(needs_change="true"),
                ),
                AttentionList(
                    name="review-suggested",
                    label="Suggested for review: readers said “not helpful”",
                    pages=within_reach(attention.pages_suggested_for_review(not_helpful_threshold)),
                    listing_url=reverse("reader_feedback"),
                ),
                AttentionList(
                    name="least-helpful",
                    label=f"Least helpful pages ({settings.KB_FEEDBACK_DAYS} days)",
                    # Only pages with an open "No" can be on it: their answers alone are counted.
                    pages=within_reach(least_helpful_pages(attention.pages_answered_not_helpful())),
                    listing_url=reverse("reader_feedback"),
                ),
            ],
            # Not a list of pages: a count, for those who may open Reports → Search terms.
            "found_nothing": search_terms.found_nothing_this_week(user),
        }


def explorable_keys(user):
    """
    The keys of the pages `user` may explore, to keep the panel to their part of the tree, as
    the listing it links to is: an editor of one section is not told about drafts elsewhere.
    None for someone who may explore every page (a superuser): asking whether each page is among
    all the site's pages would read every page of the site for each list.
    """
    explorable = policy_registry.get_by_type(Page).explorable_instances(user)
    return explorable.values("pk") if explorable.query.has_filters() else None


def add_needs_attention_panel(request, panels):
    if can_list_knowledge_base_pages(request.user):
        panels.append(NeedsAttentionPanel())


def review_order(due_date, waiting_since):
    """Overdue tasks first (the longest overdue first), then dated ones, then the rest, oldest
    first: due dates ascending with undated last puts the overdue ones first by itself."""
    return (due_date is None, due_date or date.max, waiting_since)


class AwaitingReviewPanel(WorkflowObjectsToModeratePanel):
    """Wagtail's panel (same id, same rows), ordered by due date, with due date and reviewer."""

    template_name = "pages/admin/approval_awaiting_review_panel.html"

    def get_context_data(self, parent_context):
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


def order_awaiting_review_by_due_date(panels):
    """Wagtail's "Awaiting your review" panel replaced by AwaitingReviewPanel, in its place."""
    panels[:] = [
        AwaitingReviewPanel() if type(panel) is WorkflowObjectsToModeratePanel else panel
        for panel in panels
    ]
