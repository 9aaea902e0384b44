"""
Reports → Search terms: what readers searched for in the last 30 days and could not find, from
the counts pages.search.analytics keeps (query text only, nothing about the reader).

Three tables: the top searches, the searches that found nothing, and the searches whose results
nobody clicked. A row of the last two offers "Pin a page": the editor picks a page, saves, and
the page is promoted for that query (Wagtail's search promotions) without retyping it.

Reviewers and administrators see the report (they pin results and keep synonyms; editors do
not), and on the dashboard's "Needs attention" panel how many searches found nothing this week.
Wagtail's own "Search terms" report, which reads Wagtail's query daily hits that this site does
not record, is taken out of the menu in its favour.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.db import transaction
from django.db.models import Max
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.generic import FormView, TemplateView

from wagtail.admin import messages
from wagtail.admin.auth import permission_denied
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminPageChooser
from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.log_actions import log
from wagtail.models import Page

from pages.editorial import attention
from pages.search import analytics

# Everyone in the admin reads the report (an editor can write the page readers did not find);
# pins reach readers without a review, so only those who may add a promotion make them.
REPORT_PERMISSION = "wagtailadmin.access_admin"
PIN_PERMISSION = "wagtailsearchpromotions.add_searchpromotion"

# Each table shows this many queries, the most searched first.
ROWS_SHOWN = 50


def may_see_search_terms(user):
    return user.is_active and user.has_perm(REPORT_PERMISSION)


def may_pin(user):
    return user.is_active and user.has_perm(PIN_PERMISSION)


def pin_url(query):
    return f"{reverse('search_terms_pin')}?{urlencode({'query': query})}"


@dataclass
class QueryTable:
    """One of the report's tables: its rows are query_figures dicts."""

    name: str
    heading: str
    help_text: str
    rows: list
    offers_pin: bool


class SearchTermsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "pages/admin/search_terms.html"
    page_title = "Search terms"
    header_icon = "search"
    days = analytics.REPORT_DAYS

    def dispatch(self, request, *args, **kwargs):
        if not may_see_search_terms(request.user):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return f"Last {self.days} days"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tables = [
            QueryTable(
                name="top",
                heading="Top searches",
                help_text="What readers searched for most often.",
                rows=list(analytics.top_queries(self.days)[:ROWS_SHOWN]),
                offers_pin=False,
            ),
            QueryTable(
                name="no-results",
                heading="No results",
                help_text=(
                    "Searches whose latest try found nothing. Pin the page that answers them, "
                    "add a synonym (Settings → Search synonyms) or write the missing page."
                ),
                rows=list(analytics.no_result_queries(self.days)[:ROWS_SHOWN]),
                offers_pin=True,
            ),
            QueryTable(
                name="nobody-clicked",
                heading="Nobody clicked",
                help_text=(
                    "Searches that found pages, none of which readers opened: the right page "
                    "may be missing from the results, or look like the wrong one."
                ),
                rows=list(analytics.unclicked_queries(self.days)[:ROWS_SHOWN]),
                offers_pin=True,
            ),
        ]
        can_pin = may_pin(self.request.user)
        # The queries that already have pins, for an "Edit pins" link in place of "Pin a page":
        # one query for every row of every table.
        pinned = dict(
            Query.objects.filter(
                query_string__in={row["query"] for table in tables for row in table.rows},
                editors_picks__isnull=False,
            )
            .values("query_string")
            .annotate(pk=Max("pk"))
            .values_list("query_string", "pk")
        )
        for table in tables:
            for row in table.rows:
                row["pinned_url"] = (
                    reverse("wagtailsearchpromotions:edit", args=[pinned[row["query"]]])
                    if row["query"] in pinned
                    else None
                )
                row["pin_url"] = pin_url(row["query"]) if can_pin and table.offers_pin else None
        context.update(tables=tables, days=self.days, can_pin=can_pin)
        return context


class PinForm(forms.Form):
    query = forms.CharField(max_length=analytics.MAX_QUERY_LENGTH, widget=forms.HiddenInput)
    page = forms.ModelChoiceField(
        queryset=Page.objects.filter(depth__gt=1),
        widget=AdminPageChooser(),
        help_text="The page readers should see first when they search for this.",
    )
    description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional: a line shown with the pinned page in the results.",
    )

    def clean_query(self):
        query = analytics.counted_query(self.cleaned_data["query"])
        if not query:
            raise forms.ValidationError("There is no search to pin a page for.")
        return query


class PinPageView(WagtailAdminTemplateMixin, FormView):
    """Pin a page for one query, the query already filled in from the report's row."""

    template_name = "pages/admin/search_terms_pin.html"
    form_class = PinForm
    page_title = "Pin a page"
    header_icon = "pick"

    def dispatch(self, request, *args, **kwargs):
        if not may_pin(request.user):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"query": self.request.GET.get("query", "")}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("search_terms"), "label": "Search terms"},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        query = form["query"].value() or ""
        context.update(
            query=analytics.counted_query(query),
            media=form.media,
            cancel_url=reverse("search_terms"),
        )
        return context

    def form_valid(self, form):
        query_text, page = form.cleaned_data["query"], form.cleaned_data["page"]
        with transaction.atomic():
            query = Query.get(query_text)
            promotion = query.editors_picks.filter(page=page).first()
            if promotion is None:
                last = query.editors_picks.aggregate(last=Max("sort_order"))["last"]
                promotion = SearchPromotion.objects.create(
                    query=query,
                    page=page,
                    description=form.cleaned_data["description"],
                    sort_order=0 if last is None else last + 1,
                )
                log(promotion, "wagtail.create", user=self.request.user)
        messages.success(
            self.request,
            f"“{page.get_admin_display_title()}” is pinned for “{query.query_string}”.",
            buttons=[
                messages.button(
                    reverse("wagtailsearchpromotions:edit", args=[query.pk]), "Edit pins"
                )
            ],
        )
        return redirect("search_terms")


def admin_urls():
    return [
        path("reports/search-terms/", SearchTermsView.as_view(), name="search_terms"),
        path("reports/search-terms/pin/", PinPageView.as_view(), name="search_terms_pin"),
    ]


class SearchTermsMenuItem(MenuItem):
    def is_shown(self, request):
        return may_see_search_terms(request.user)


def menu_item():
    """Reports → Search terms, for whoever may open the report."""
    return SearchTermsMenuItem(
        "Search terms",
        reverse("search_terms"),
        name="reader-search-terms",
        icon_name="search",
        # Beside "Reader feedback" (650): what readers looked for and could not find.
        order=660,
    )


def without_wagtails_search_terms(menu_items):
    """Wagtail's own "Search terms" report reads query daily hits this site does not record:
    ours takes its place."""
    menu_items[:] = [item for item in menu_items if item.name != "search-terms"]


# The dashboard's "Needs attention" panel ---------------------------------------------------------


@dataclass
class FoundNothing:
    """How many search terms found nothing this week, and where to read them."""

    count: int
    unclicked: int
    days: int
    report_url: str


def found_nothing_this_week(user):
    """The panel's item, or None for a user who may not see the report."""
    if not may_see_search_terms(user):
        return None
    return FoundNothing(
        count=attention.searches_found_nothing(analytics.ATTENTION_DAYS).count(),
        unclicked=analytics.unclicked_queries(analytics.ATTENTION_DAYS).count(),
        days=analytics.ATTENTION_DAYS,
        report_url=f"{reverse('search_terms')}#search-terms-no-results",
    )
