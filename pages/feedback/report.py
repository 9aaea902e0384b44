"""
Reports → Reader feedback: what readers answered to "Was this page helpful?", for editors.

The report lists every page readers answered about in the last KB_FEEDBACK_DAYS, least helpful
first, with its answers, share of "Yes" and latest comment, filterable by section. Each page
opens its answers one by one, with what was missing and the version the reader saw, to triage
(triage.py): mark each handled, with the version that addressed it, or open again. Comments are
readers' plain text: the templates escape them like any other value, and nothing marks them safe.

Editors see only the part of the tree they may explore, as in the "Needs attention" panel.
"""

import django_filters

from django import forms
from django.conf import settings
from django.db.models import Q
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.functional import cached_property

from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn, NumberColumn, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.models import Page, Site
from wagtail.permissions import policy_registry

from pages.feedback import triage
from pages.feedback.figures import with_feedback
from pages.models import EditorialMixin, PageFeedback

# Anyone who may work on pages: the permissions the "Knowledge base pages" listing asks for.
ANY_PAGE_PERMISSION = ["add", "change", "publish"]


def explorable_pages(user):
    return policy_registry.get_by_type(Page).explorable_instances(user)


def section_choices(request):
    """The sections under each site's home page, which the report can be narrowed to."""
    roots = Site.objects.values_list("root_page__path", "root_page__depth")
    match = Q(pk__in=[])
    for root_path, depth in roots:
        match |= Q(path__startswith=root_path, depth=depth + 1)
    return explorable_pages(request.user).filter(match).order_by("path")


class ReaderFeedbackFilterSet(WagtailFilterSet):
    section = django_filters.ModelChoiceFilter(
        label="Section",
        queryset=section_choices,
        empty_label="All sections",
        method="filter_section",
    )
    commented = django_filters.BooleanFilter(
        label="With comments",
        method="filter_commented",
        widget=django_filters.widgets.BooleanWidget,
    )

    class Meta:
        model = Page
        fields = []

    def filter_section(self, queryset, name, section):
        return queryset.filter(path__startswith=section.path)

    def filter_commented(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(latest_comment__isnull=not value)


class HelpfulRatioColumn(Column):
    cell_template_name = "pages/admin/helpful_ratio_cell.html"


class CommentColumn(Column):
    cell_template_name = "pages/admin/feedback_comment_cell.html"


def page_feedback_url(page):
    return reverse("reader_feedback_page", args=[page.pk])


class ReaderFeedbackReportView(ReportView):
    page_title = "Reader feedback"
    header_icon = "help"
    index_url_name = "reader_feedback"
    index_results_url_name = "reader_feedback_results"
    filterset_class = ReaderFeedbackFilterSet
    model = Page
    any_permission_required = ANY_PAGE_PERMISSION
    default_ordering = "helpful_ratio"
    verbose_name_plural = "pages with answers"
    list_export = [
        "title",
        "url_path",
        "feedback_answers",
        "helpful_answers",
        "not_helpful_answers",
        "helpful_ratio",
        "last_answer_at",
        "latest_comment",
    ]
    export_headings = {
        "url_path": "Tree path",
        "feedback_answers": "Answers",
        "helpful_answers": "Helpful",
        "not_helpful_answers": "Not helpful",
        "helpful_ratio": "Helpful ratio",
        "last_answer_at": "Last answer",
        "latest_comment": "Latest comment",
    }
    columns = [
        TitleColumn(
            "title",
            label="Page",
            accessor="get_admin_display_title",
            get_url=page_feedback_url,
            sort_key="title",
            classname="title",
        ),
        NumberColumn("feedback_answers", label="Answers", sort_key="feedback_answers"),
        HelpfulRatioColumn("helpful_ratio", label="Helpful", sort_key="helpful_ratio"),
        NumberColumn("not_helpful_answers", label="Not helpful", sort_key="not_helpful_answers"),
        CommentColumn("latest_comment", label="Latest comment", width="35%"),
        DateColumn("last_answer_at", label="Last answer", sort_key="last_answer_at"),
    ]

    @cached_property
    def days(self):
        return settings.KB_FEEDBACK_DAYS

    def get_page_subtitle(self):
        return f"Last {self.days} days"

    def get_base_queryset(self):
        return (
            with_feedback(Page.objects.type(EditorialMixin))
            .filter(pk__in=explorable_pages(self.request.user).values("pk"), feedback_answers__gt=0)
            .select_related("content_type")
        )

    def order_queryset(self, queryset):
        ordering = self.ordering or self.default_ordering
        # The least helpful, then the most answered: the page to revise first comes first.
        return queryset.order_by(ordering, "-feedback_answers", "title", "pk")


# The answers list's triage filter; "open" (answers still to triage) unless another is chosen.
TRIAGE_OPEN, TRIAGE_HANDLED, TRIAGE_ALL = "open", "handled", "all"


class PageFeedbackFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label="Triage",
        choices=[
            (TRIAGE_OPEN, "Open: to triage"),
            (TRIAGE_HANDLED, "Handled"),
            (TRIAGE_ALL, "All answers"),
        ],
        empty_label=None,
        initial=TRIAGE_OPEN,
        widget=forms.RadioSelect,
        method="filter_status",
    )
    helpful = django_filters.BooleanFilter(
        label="Helpful", widget=django_filters.widgets.BooleanWidget
    )
    commented = django_filters.BooleanFilter(
        label="With a comment",
        method="filter_commented",
        widget=django_filters.widgets.BooleanWidget,
    )

    class Meta:
        model = PageFeedback
        fields = []

    def filter_commented(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(comment="") if value else queryset.filter(comment="")

    def filter_status(self, queryset, name, value):
        if value == TRIAGE_OPEN:
            # A "Yes" without a comment asks nothing of an editor: it is not left open.
            return queryset.filter(triage.NEEDS_TRIAGE, handled_at__isnull=True)
        if value == TRIAGE_HANDLED:
            return queryset.filter(handled_at__isnull=False)
        return queryset


class AnswerColumn(Column):
    cell_template_name = "pages/admin/feedback_answer_cell.html"


class RevisionSeenColumn(Column):
    cell_template_name = "pages/admin/feedback_revision_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        # Not Column's: it turns the value into text, and a revision's text is its page's title,
        # read with a query per row.
        context = super(Column, self).get_cell_context_data(instance, parent_context)
        context["raw_value"] = self.get_value(instance)
        return context


class TriageColumn(Column):
    cell_template_name = "pages/admin/feedback_triage_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        # A cell renders from a plain dict, without the request's context processors: its forms
        # get the CSRF token here.
        context["csrf_token"] = get_token(parent_context["request"])
        return context


class PageFeedbackView(ReportView):
    """One page's answers, newest first, all of them (the figures above are for the window)."""

    template_name = "pages/admin/page_feedback.html"
    header_icon = "help"
    index_results_url_name = "reader_feedback_page_results"
    filterset_class = PageFeedbackFilterSet
    model = PageFeedback
    any_permission_required = None
    default_ordering = "-created_at"
    verbose_name_plural = "answers"
    list_export = [
        "created_at",
        "helpful",
        "comment",
        "revision_id",
        "handled_at",
        "addressed_by_id",
    ]
    export_headings = {
        "created_at": "When",
        "helpful": "Helpful",
        "comment": "Comment",
        "revision_id": "Revision seen",
        "handled_at": "Handled",
        "addressed_by_id": "Addressed by revision",
    }
    columns = [
        DateColumn("created_at", label="When", sort_key="created_at", width="15%"),
        AnswerColumn("helpful", label="Answer", width="12%"),
        CommentColumn("comment", label="What was missing"),
        RevisionSeenColumn("revision", label="Version seen", width="15%"),
        TriageColumn("handled_at", label="Triage", width="30%"),
    ]

    def dispatch(self, request, page_id, *args, **kwargs):
        # A page outside what the user may explore does not exist for them.
        self.page = get_object_or_404(
            explorable_pages(request.user).specific(defer=True), pk=page_id
        )
        return super().dispatch(request, page_id, *args, **kwargs)

    @cached_property
    def permission_policy(self):
        return None  # the page, not the answers, decides who may read them (dispatch)

    def get_page_title(self):
        return f"Reader feedback: {self.page.get_admin_display_title()}"

    def get_index_url(self):
        return reverse("reader_feedback_page", args=[self.page.pk])

    def get_index_results_url(self):
        return reverse(self.index_results_url_name, args=[self.page.pk])

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("reader_feedback"), "label": "Reader feedback"},
            {"url": "", "label": self.page.get_admin_display_title()},
        ]

    def get_filterset_kwargs(self):
        kwargs = super().get_filterset_kwargs()
        kwargs["data"] = data = kwargs["data"].copy()
        data.setdefault("status", TRIAGE_OPEN)
        return kwargs

    def get_base_queryset(self):
        return PageFeedback.objects.filter(page=self.page).select_related(
            "revision", "handled_by", "addressed_by"
        )

    def order_queryset(self, queryset):
        return queryset.order_by(self.ordering or self.default_ordering, "-pk")

    def decorate_paginated_queryset(self, answers):
        answers = list(answers)
        may_triage = triage.may_triage(self.page, self.request.user)
        forms_by_answer = triage.mark_handled_forms(self.page, answers) if may_triage else {}
        # Back to this list as filtered, also when the filters were refreshed in place (the
        # results URL, which renders the table alone).
        query = self.request.GET.copy()
        query.pop("_w_filter_fragment", None)
        back = f"{self.get_index_url()}?{query.urlencode()}" if query else self.get_index_url()
        for answer in answers:
            answer.triage_next_url = back
            answer.saw_live_version = answer.revision_id == self.page.live_revision_id
            answer.may_triage = may_triage
            answer.mark_handled_form = forms_by_answer.get(answer.pk)
            if answer.handled_at:
                answer.handled_by_name = triage.handled_by_name(answer)
                answer.addressed_url = triage.compare_with_seen_url(answer)
        return answers

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        figures = (
            with_feedback(Page.objects.filter(pk=self.page.pk))
            .values("feedback_answers", "helpful_answers", "not_helpful_answers", "helpful_ratio")
            .get()
        )
        context.update(page=self.page, figures=figures, days=settings.KB_FEEDBACK_DAYS)
        return context


def admin_urls():
    return [
        path(
            "reports/reader-feedback/",
            ReaderFeedbackReportView.as_view(),
            name="reader_feedback",
        ),
        path(
            "reports/reader-feedback/results/",
            ReaderFeedbackReportView.as_view(results_only=True),
            name="reader_feedback_results",
        ),
        path(
            "reports/reader-feedback/<int:page_id>/",
            PageFeedbackView.as_view(),
            name="reader_feedback_page",
        ),
        path(
            "reports/reader-feedback/<int:page_id>/results/",
            PageFeedbackView.as_view(results_only=True),
            name="reader_feedback_page_results",
        ),
    ]


class ReaderFeedbackMenuItem(MenuItem):
    def is_shown(self, request):
        return policy_registry.get_by_type(Page).user_has_any_permission(
            request.user, ANY_PAGE_PERMISSION
        )


def menu_item():
    """Reports → Reader feedback, for whoever may open the report."""
    return ReaderFeedbackMenuItem(
        "Reader feedback",
        reverse("reader_feedback"),
        name="reader-feedback",
        icon_name="help",
        # First among the reports: what readers say decides what to revise next.
        order=650,
    )
