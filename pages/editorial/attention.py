"""
What in the knowledge base needs an editor's attention: pages still in development, pages whose
review is overdue or coming up, drafts waiting for a reviewer, pages someone flagged as needing
change (pages.editorial.needs_change), pages readers' answers suggest reviewing (counted by
pages.feedback.figures), and what readers searched for and did not find (counted by
pages.search.analytics).

The dashboard's "Needs attention" panel, the "Knowledge base pages" listing and
`manage.py content_report` all take their pages from here, so their figures always agree.

`in_development` and `review_due` live in each page type's own table (multi-table inheritance).
Which pages a list holds is decided from the narrowest source: each page type's own table, where
its indexes on those fields serve the filter (`pages_whose`), the review tasks under way, the
open needs-change notes. The fields are then read onto the base `Page` rows the query returns,
one lookup by key per page in the same query, never one query per page. Filtering on fields
joined from every page type's table instead made PostgreSQL join every page of the site to each
table to find the few that match (issue 24: at 50,000 pages, each of the dashboard's counts read
the whole site).
"""

from datetime import timedelta

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateField,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, Trim
from django.utils.timezone import localdate

from wagtail.models import (
    Page,
    TaskState,
    WorkflowState,
    get_default_page_content_type,
)

from pages.feedback.figures import answers_since, count_of, feedback_window_start
from pages.models import EditorialMixin, NeedsChangeNote, PageFeedback
from pages.models.editorial_fields import editorial_field, models_with_editorial_fields
from pages.search import analytics

REVIEW_SOON_DAYS = 14

# The choices of the listing's "Review" filter, which the panel's links also use.
REVIEW_OVERDUE = "overdue"
REVIEW_DUE_SOON = "due_soon"
REVIEW_NOT_SET = "not_set"
REVIEW_CHOICES = [
    (REVIEW_OVERDUE, "Overdue"),
    (REVIEW_DUE_SOON, f"Due within {REVIEW_SOON_DAYS} days"),
    (REVIEW_NOT_SET, "Not set"),
]


def pages_whose(*conditions, **lookups):
    """
    The keys of the knowledge-base pages whose editorial fields match (`in_development=True`,
    `review_q(...)`), for `pk__in=`: one subquery per page type's table, each served by that
    table's own index, joined by UNION ALL (a page has a row in one of them only).
    """
    keys = [
        model.objects.filter(*conditions, **lookups).order_by().values(model._meta.pk.attname)
        for model in models_with_editorial_fields()
    ]
    return keys[0].union(*keys[1:], all=True) if len(keys) > 1 else keys[0]


def joined_editorial_field(name, output_field, default=None):
    """
    `name` read through a join to every page type's table, for sorting every page of a listing
    on it: PostgreSQL reads each table once (hash joins), where a lookup per page would be one
    index probe for each of thousands of pages. Filters never use it (pages_whose instead).
    """
    expressions = [
        F(f"{model._meta.parents[Page].related_query_name()}__{name}")
        for model in models_with_editorial_fields()
    ]
    if default is not None:
        expressions.append(Value(default))
    if len(expressions) == 1:
        return expressions[0]
    return Coalesce(*expressions, output_field=output_field)


def with_editorial_status(pages):
    """
    Knowledge-base pages of `pages` (a `Page` queryset), annotated with their `in_development`
    and `review_due`, so they can be filtered and sorted on them like fields.
    """
    return pages.type(EditorialMixin).annotate(
        in_development=editorial_field("in_development", BooleanField(), default=False),
        review_due=editorial_field("review_due", DateField()),
    )


def knowledge_base_pages():
    """
    Every knowledge-base page, annotated with its `review_due`: what the lists built on it show
    and sort on (the listing's `in_development` column comes from with_editorial_status).
    """
    return Page.objects.type(EditorialMixin).annotate(
        review_due=editorial_field("review_due", DateField())
    )


def review_q(choice, today=None):
    """Pages whose review is in the state `choice` (one of REVIEW_CHOICES) on `today`: a
    condition on `review_due`, the field or with_editorial_status's annotation."""
    today = today or localdate()
    if choice == REVIEW_OVERDUE:
        return Q(review_due__lt=today)
    if choice == REVIEW_DUE_SOON:
        return Q(review_due__gte=today, review_due__lte=today + timedelta(days=REVIEW_SOON_DAYS))
    if choice == REVIEW_NOT_SET:
        return Q(review_due__isnull=True)
    raise ValueError(f"Unknown review state {choice!r}; expected one of {dict(REVIEW_CHOICES)}.")


def _review_tasks_under_way(user=None):
    """
    The review tasks under way on pages; with `user`, only those that user may approve or reject
    (Wagtail's own rule, which the dashboard's "Awaiting your review" also follows).
    """
    task_states = (
        TaskState.objects.reviewable_by(user)
        if user is not None
        else TaskState.objects.filter(status=TaskState.STATUS_IN_PROGRESS)
    )
    return task_states.filter(
        workflow_state__status=WorkflowState.STATUS_IN_PROGRESS,
        workflow_state__base_content_type=get_default_page_content_type(),
    )


def _reviews_in_progress(task_states):
    """Those of `task_states` on the page of the outer query, for a subquery."""
    # WorkflowState.object_id is text, to hold any model's key; PostgreSQL will not compare it
    # with an integer.
    return task_states.filter(workflow_state__object_id=Cast(OuterRef("pk"), CharField()))


def _pages_in_review(task_states):
    """
    The keys of the pages `task_states` are on, for `pk__in=`: read from the tasks, which are
    few, rather than by asking every page of the site whether it has one.
    """
    return task_states.order_by().values(page_id=Cast("workflow_state__object_id", IntegerField()))


# The three lists, in the order an editor would work through them.


def keys_in_development():
    return pages_whose(in_development=True)


def pages_in_development():
    return knowledge_base_pages().filter(pk__in=keys_in_development()).order_by("title", "pk")


def keys_with_review_overdue(today=None):
    return pages_whose(review_q(REVIEW_OVERDUE, today))


def pages_with_review_overdue(today=None):
    return (
        knowledge_base_pages()
        .filter(pk__in=keys_with_review_overdue(today))
        .order_by("review_due", "title", "pk")
    )


def _display_name(prefix):
    """A user's name as the admin shows it (full name, else username), read in SQL from the
    user at `prefix` ("review_assignment__reviewer")."""
    first, last = F(f"{prefix}__first_name"), F(f"{prefix}__last_name")
    return Case(
        When(
            Q(**{f"{prefix}__first_name": ""}) & Q(**{f"{prefix}__last_name": ""}),
            then=F(f"{prefix}__username"),
        ),
        default=Trim(Concat(first, Value(" "), last)),
        output_field=CharField(),
    )


def pages_awaiting_review(user=None, today=None):
    """
    Pages whose latest draft waits for a reviewer (with `user`, only those they may act on),
    annotated with `submitted_at` and the task's ReviewAssignment (pages/editorial/approvals.py):
    `task_due_date`, `task_overdue` (due before `today`), `task_reviewer_name` and, with `user`,
    `task_assigned_to_you`. Overdue tasks first (longest overdue first), then the other dated
    ones by date, then the rest, longest-waiting first. Subqueries only: one query for any
    number of pages.
    """
    task_states = _review_tasks_under_way(user)
    reviews = _reviews_in_progress(task_states)
    assignment = "review_assignment"
    pages = (
        knowledge_base_pages()
        .filter(pk__in=_pages_in_review(task_states))
        .annotate(
            submitted_at=Subquery(reviews.values("workflow_state__created_at")[:1]),
            task_due_date=Subquery(reviews.values(f"{assignment}__due_date")[:1]),
            task_reviewer_id=Subquery(reviews.values(f"{assignment}__reviewer")[:1]),
            task_reviewer_name=Subquery(
                reviews.filter(**{f"{assignment}__reviewer__isnull": False})
                .annotate(name=_display_name(f"{assignment}__reviewer"))
                .values("name")[:1]
            ),
            task_overdue=Case(
                When(task_due_date__lt=today or localdate(), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
    )
    if user is not None:
        pages = pages.annotate(
            task_assigned_to_you=Case(
                When(task_reviewer_id=user.pk, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    return pages.order_by(F("task_due_date").asc(nulls_last=True), "submitted_at", "pk")


def pages_suggested_for_review(threshold, now=None):
    """
    Pages readers answered "No" about at least `threshold` times in the feedback window, since
    their last review (a review answers the complaints before it) and not marked handled, the
    most "No" first; pages already in review are left out, being on their way. Annotated with
    `not_helpful_since_review` and `last_reviewed`.
    """
    window_start = feedback_window_start(now)
    since_review = answers_since(window_start, open_only=True).filter(
        helpful=False,
        created_at__gte=Coalesce(OuterRef("last_reviewed"), Value(window_start)),
    )
    return (
        pages_answered_not_helpful(now)
        .annotate(last_reviewed=editorial_field("last_reviewed", DateTimeField()))
        .annotate(not_helpful_since_review=count_of(since_review))
        .filter(not_helpful_since_review__gte=threshold)
        .exclude(pk__in=_pages_in_review(_review_tasks_under_way()))
        .order_by("-not_helpful_since_review", "title", "pk")
    )


def pages_answered_not_helpful(now=None):
    """
    Knowledge-base pages with at least one open "No" in the feedback window: the only pages the
    review suggestions and the least helpful pages can hold. Narrowing to them first (a join on
    the answers) counts answers for those pages alone, rather than for every page of the site.
    """
    open_no = PageFeedback.objects.filter(
        helpful=False, handled_at__isnull=True, created_at__gte=feedback_window_start(now)
    )
    return knowledge_base_pages().filter(pk__in=open_no.values("page"))


def open_needs_change_notes():
    """Needs-change notes nobody has cleared yet (an approved version or a publisher's "Clear")."""
    return NeedsChangeNote.objects.filter(cleared_at__isnull=True)


def with_needs_change(pages):
    """
    `pages` annotated with their newest open needs-change note: `needs_change_reason`,
    `needs_change_noted_at` and `needs_change_noted_by` (the name the admin shows), all None for a
    page without one. Subqueries of the same query: never a query per page.
    """
    newest = open_needs_change_notes().filter(page=OuterRef("pk")).order_by("-noted_at", "-pk")
    return pages.annotate(
        needs_change_reason=Subquery(newest.values("reason")[:1]),
        needs_change_noted_at=Subquery(newest.values("noted_at")[:1]),
        needs_change_noted_by=Subquery(
            newest.annotate(name=_display_name("noted_by")).values("name")[:1]
        ),
    )


def needs_change_q(value=True):
    """Pages with an open needs-change note (or, with `value` False, without one): their keys
    read from the notes, which are few, never a question asked of every page."""
    flagged = Q(pk__in=open_needs_change_notes().order_by().values("page"))
    return flagged if value else ~flagged


def pages_needing_change():
    """Pages flagged as needing change and not yet cleared, the longest waiting first."""
    return (
        with_needs_change(knowledge_base_pages())
        .filter(needs_change_q())
        .order_by("needs_change_noted_at", "title", "pk")
    )


def searches_found_nothing(days=analytics.ATTENTION_DAYS):
    """The search terms readers used in the last `days` days whose latest search found nothing,
    most searched first (Reports → Search terms, pages.editorial.search_terms)."""
    return analytics.no_result_queries(days)
