"""
Figures from readers' answers to "Was this page helpful?", over the last KB_FEEDBACK_DAYS, as
subqueries on any queryset of pages: one query for a list of any length, never one per page.

The report (report.py), the dashboard's "Least helpful pages" and "Suggested for review"
(pages.editorial) and `manage.py content_report` all count answers here, so their figures agree.
"Least helpful" and "Suggested for review" count open answers only: an answer an editor marked
handled (triage.py) has had its attention.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, F, FloatField, IntegerField, Max, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone

from pages.models import PageFeedback


def feedback_window_start(now=None):
    return (now or timezone.now()) - timedelta(days=settings.KB_FEEDBACK_DAYS)


def answers_since(since, open_only=False):
    """
    The answers about the page of the outer query since `since`, for a subquery; with
    `open_only`, only those nobody has marked handled.
    """
    answers = PageFeedback.objects.filter(page=OuterRef("pk"), created_at__gte=since)
    if open_only:
        answers = answers.filter(handled_at__isnull=True)
    return answers.order_by()


def count_of(answers):
    """How many of `answers` (a subquery from answers_since), as a number: 0 for none."""
    counted = answers.values("page").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted[:1], output_field=IntegerField()), 0)


def with_feedback(pages, since=None, open_only=False):
    """
    `pages` annotated with their readers' answers since `since` (KB_FEEDBACK_DAYS ago), with
    `open_only` only those not marked handled: `feedback_answers`, `helpful_answers`,
    `not_helpful_answers`, `helpful_ratio` (0 to 1, None without answers), `last_answer_at` and
    `latest_comment`. One subquery each, never a query per page.
    """
    answers = answers_since(since or feedback_window_start(), open_only)
    return pages.annotate(
        feedback_answers=count_of(answers),
        helpful_answers=count_of(answers.filter(helpful=True)),
        last_answer_at=Subquery(
            answers.values("page").annotate(last=Max("created_at")).values("last")[:1]
        ),
        latest_comment=Subquery(
            answers.exclude(comment="").order_by("-created_at", "-pk").values("comment")[:1]
        ),
    ).annotate(
        not_helpful_answers=F("feedback_answers") - F("helpful_answers"),
        helpful_ratio=Cast("helpful_answers", FloatField())
        / NullIf(Cast("feedback_answers", FloatField()), Value(0.0)),
    )


def least_helpful_pages(pages, since=None):
    """
    Those of `pages` with at least KB_FEEDBACK_LEAST_HELPFUL_MIN_ANSWERS open answers in the
    window and at least one open "No", the lowest share of "Yes" first (then the most answers).
    Handled answers are left out: once an editor has dealt with every "No", the page is off the
    list, and a new "No" brings it back.
    """
    return (
        with_feedback(pages, since, open_only=True)
        .filter(
            feedback_answers__gte=max(settings.KB_FEEDBACK_LEAST_HELPFUL_MIN_ANSWERS, 1),
            not_helpful_answers__gt=0,
        )
        .order_by("helpful_ratio", "-feedback_answers", "title", "pk")
    )
