"""
Admin → Knowledge base pages: every knowledge-base page in one list, filterable by "In
development", review state, drafts awaiting review and "Needs change", sortable by review
date, to find what to revise or check next. Its pages come from pages.editorial.attention, as
the dashboard's "Needs attention" panel's and `manage.py content_report`'s do.
"""

from urllib.parse import urlencode

import django_filters

from django import forms
from django.db.models import BooleanField, DateField
from django.urls import reverse

from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, StatusFlagColumn
from wagtail.admin.ui.tables.pages import PageTitleColumn
from wagtail.admin.views.pages.listing import GenericPageFilterSet, IndexView, PageListingMixin
from wagtail.admin.viewsets.pages import PageListingViewSet
from wagtail.models import Page
from wagtail.permissions import policy_registry

from pages.editorial import attention
from pages.models.base import is_review_overdue

YES_OR_NO = [("true", "Yes"), ("false", "No")]


class KnowledgeBasePageFilterSet(GenericPageFilterSet):
    in_development = django_filters.ChoiceFilter(
        label="In development",
        empty_label="Any",
        choices=YES_OR_NO,
        widget=forms.RadioSelect,
        method="filter_in_development",
    )
    review = django_filters.ChoiceFilter(
        label="Review",
        empty_label="Any",
        choices=attention.REVIEW_CHOICES,
        widget=forms.RadioSelect,
        method="filter_review",
    )
    needs_change = django_filters.ChoiceFilter(
        label="Needs change",
        empty_label="Any",
        choices=YES_OR_NO,
        widget=forms.RadioSelect,
        method="filter_needs_change",
    )
    awaiting_review = django_filters.ChoiceFilter(
        label="Draft awaiting review",
        empty_label="All pages",
        choices=[("you", "By you"), ("anyone", "By any reviewer")],
        widget=forms.RadioSelect,
        method="filter_awaiting_review",
    )

    # Each filter narrows by key to pages matched in pages.editorial.attention: a search backend
    # can only filter on indexed fields such as `id`, never on the listing's annotations. The
    # keys come from the narrowest source (each page type's table, the notes, the review
    # tasks), never from a filter on the listing's join of every page type's table.

    def filter_in_development(self, queryset, name, value):
        return queryset.filter(pk__in=attention.pages_whose(in_development=(value == "true")))

    def filter_review(self, queryset, name, value):
        return queryset.filter(pk__in=attention.pages_whose(attention.review_q(value)))

    def filter_needs_change(self, queryset, name, value):
        return queryset.filter(attention.needs_change_q(value == "true"))

    def filter_awaiting_review(self, queryset, name, value):
        reviewer = self.request.user if value == "you" else None
        matching = attention.pages_awaiting_review(reviewer)
        return queryset.filter(pk__in=matching.values("pk"))


EDITORIAL_ORDERINGS = {"in_development", "-in_development", "review_due", "-review_due"}


class SortableUnlessSearchingMixin:
    # Search results are sorted by the search backend, which knows only indexed fields, not the
    # listing's annotations (Wagtail's own "Type" column does the same).
    def get_header_context_data(self, parent_context):
        context = super().get_header_context_data(parent_context)
        context["is_orderable"] = context["is_orderable"] and not parent_context.get("is_searching")
        return context


class InDevelopmentColumn(SortableUnlessSearchingMixin, StatusFlagColumn):
    pass


class ReviewDueColumn(SortableUnlessSearchingMixin, Column):
    cell_template_name = "pages/admin/review_due_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["overdue"] = is_review_overdue(context["raw_value"])
        return context


class NeedsChangeColumn(Column):
    cell_template_name = "pages/admin/needs_change_cell.html"


class KnowledgeBasePageTitleColumn(PageTitleColumn):
    # Wagtail's menu of actions on each row checks Move and Delete with a query per page for anyone
    # who cannot publish, such as editors; here the title opens the editor, and the Pages explorer
    # keeps the menu.
    cell_template_name = "pages/admin/page_title_cell.html"


class KnowledgeBasePagesIndexView(IndexView):
    page_title = "Knowledge base pages"

    def get_base_queryset(self):
        # The open needs-change notes come as subqueries of the same query: none per row.
        return attention.with_needs_change(
            attention.with_editorial_status(super().get_base_queryset())
        )

    def get_valid_orderings(self):
        orderings = super().get_valid_orderings()
        if self.is_searching:
            orderings = [ordering for ordering in orderings if ordering not in EDITORIAL_ORDERINGS]
        return orderings

    def order_queryset(self, queryset):
        # Sorting reads the field of every page: through joins to the page types' tables, not
        # the annotation's lookup per page (pages.editorial.attention.joined_editorial_field).
        if self.ordering in ("in_development", "-in_development"):
            in_development = attention.joined_editorial_field(
                "in_development", BooleanField(), default=False
            )
            if self.ordering == "in_development":
                return queryset.order_by(in_development.asc())
            return queryset.order_by(in_development.desc())
        # Pages without a review date come last both ways: sorting by review date is for finding
        # what to check next, or what was checked furthest ahead.
        if self.ordering in ("review_due", "-review_due"):
            review_due = attention.joined_editorial_field("review_due", DateField())
            if self.ordering == "review_due":
                return queryset.order_by(review_due.asc(nulls_last=True), "title", "pk")
            return queryset.order_by(review_due.desc(nulls_last=True), "title", "pk")
        return super().order_queryset(queryset)


def can_list_knowledge_base_pages(user):
    """The listing's own permission rule: any page permission, such as an editor's or reviewer's."""
    return policy_registry.get_by_type(Page).user_has_any_permission(
        user, KnowledgeBasePagesIndexView.any_permission_required
    )


class KnowledgeBasePagesMenuItem(MenuItem):
    def is_shown(self, request):
        return can_list_knowledge_base_pages(request.user)


class KnowledgeBasePagesViewSet(PageListingViewSet):
    """Every knowledge-base page in one list, to find what is in development or due a review."""

    model = Page
    index_view_class = KnowledgeBasePagesIndexView
    filterset_class = KnowledgeBasePageFilterSet
    icon = "list-ul"
    menu_label = "Knowledge base pages"
    menu_item_class = KnowledgeBasePagesMenuItem
    # Straight after Wagtail's "Pages" explorer.
    menu_order = 150
    add_to_admin_menu = True
    url_prefix = "knowledge-base-pages"
    columns = [
        KnowledgeBasePageTitleColumn("title", label="Title", sort_key="title", classname="title")
        if column.name == "title"
        else column
        for column in PageListingMixin.base_columns
    ] + [
        InDevelopmentColumn(
            "in_development",
            label="In development",
            true_label="In development",
            sort_key="in_development",
            width="12%",
        ),
        ReviewDueColumn("review_due", label="Review due", sort_key="review_due", width="14%"),
        NeedsChangeColumn("needs_change_reason", label="Needs change", width="18%"),
    ]


knowledge_base_pages_viewset = KnowledgeBasePagesViewSet("knowledge_base_pages")


def knowledge_base_pages_url(**filters):
    url = reverse(knowledge_base_pages_viewset.get_url_name("index"))
    return f"{url}?{urlencode(filters)}" if filters else url
