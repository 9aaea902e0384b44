"""
Search at /search/?q=: live, public pages only, ranked, with highlighted snippets, filters and
pages of results. Editors pin results for a query with Wagtail's search promotions.

Any query answers 200: an empty one shows the form, a very long one is cut to the length the
index accepts, and quotes make a phrase. Pages must hold every word; when none does, the search
widens to any of the words and says so.
"""

import re

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import mark_safe

from wagtail.contrib.search_promotions.models import SearchPromotion
from wagtail.models import Page, Site
from wagtail.search.utils import MAX_QUERY_STRING_LENGTH, normalise_query_string, parse_query_string

from pages.models import (
    DeepDivePage,
    FaqIndexPage,
    FaqPage,
    PageTag,
    SectionPage,
    TopicPage,
    VideoPage,
)
from pages.navigation import visible_pages
from pages.views import tags_in_use

RESULTS_PER_PAGE = 10
SNIPPET_LENGTH = 240
PAGE_TYPES = {
    "topic": ("Topics", TopicPage),
    "deep-dive": ("Deep dives", DeepDivePage),
    "faq": ("FAQ entries", FaqPage),
    "video": ("Videos", VideoPage),
    "listing": ("Sections and indexes", (SectionPage, FaqIndexPage)),
}
FLAGGED_TYPES = (TopicPage, DeepDivePage, FaqPage, VideoPage, SectionPage, FaqIndexPage)


class SearchForm(forms.Form):
    q = forms.CharField(required=False, label="Search the knowledge base")
    section = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    type = forms.ChoiceField(
        required=False,
        label="Page type",
        choices=[("", "Any type")] + [(key, label) for key, (label, _) in PAGE_TYPES.items()],
    )
    tag = forms.ChoiceField(required=False)
    development = forms.ChoiceField(
        required=False,
        label="Status",
        choices=[
            ("", "Any status"),
            ("yes", "Still in development"),
            ("no", "Settled"),
        ],
    )

    def __init__(self, *args, root=None, **kwargs):
        super().__init__(*args, **kwargs)
        sections = Page.objects.none()
        if root is not None:
            sections = visible_pages().child_of(root)
        self.fields["section"].choices = [("", "All sections")] + [
            (page.pk, page.title) for page in sections
        ]
        tags = tags_in_use().distinct().order_by("name")
        self.fields["tag"].choices = [("", "Any tag")] + [(tag.slug, tag.name) for tag in tags]

    def clean_q(self):
        return " ".join(self.cleaned_data["q"].split())[:MAX_QUERY_STRING_LENGTH]


class TitleMatchesFirst:
    """Search results with the pages whose title matches ahead of the rest, as readers expect.

    PostgreSQL's ranking already weighs titles higher; SQLite's ranks by the whole text alone,
    so a page named after the word could come last. Sliceable and countable, for Paginator.
    """

    MOST_TITLE_MATCHES = 50

    def __init__(self, pages, query):
        self.title_matches = list(pages.search(query, fields=["title"])[: self.MOST_TITLE_MATCHES])
        ids = [page.pk for page in self.title_matches]
        self.rest = pages.exclude(pk__in=ids).search(query)

    def count(self):
        return len(self.title_matches) + self.rest.count()

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        first = len(self.title_matches)
        pages = self.title_matches[start:stop]
        if stop is None or stop > first:
            rest_stop = None if stop is None else stop - first
            pages += list(self.rest[max(0, start - first) : rest_stop])
        return pages


def filtered_pages(data):
    pages = visible_pages()
    if data.get("section"):
        section = Page.objects.filter(pk=data["section"]).first()
        pages = pages.descendant_of(section, inclusive=True) if section else pages.none()
    if data.get("type"):
        pages = pages.type(*_as_tuple(PAGE_TYPES[data["type"]][1]))
    if data.get("tag"):
        tagged = PageTag.objects.filter(tag__slug=data["tag"]).values("content_object_id")
        pages = pages.filter(id__in=tagged)
    if data.get("development"):
        flagged = Q()
        for model in FLAGGED_TYPES:
            flagged |= Q(id__in=model.objects.filter(in_development=True).values("pk"))
        pages = pages.filter(flagged) if data["development"] == "yes" else pages.exclude(flagged)
    return pages


def _as_tuple(value):
    return value if isinstance(value, tuple) else (value,)


def query_terms(query):
    """The words to highlight: quotes dropped, one-letter words ignored."""
    return [word for word in re.split(r"[\s\"']+", query) if len(word) > 1]


def snippet(text, terms):
    """A stretch of `text` around the first word searched for, with every such word marked."""
    text = " ".join(text.split())
    if not text:
        return ""
    pattern = None
    if terms:
        pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    match = pattern.search(text) if pattern else None
    start = max(0, match.start() - SNIPPET_LENGTH // 3) if match else 0
    if start:
        start = text.find(" ", start) + 1 or start
    excerpt = text[start : start + SNIPPET_LENGTH]
    if start + SNIPPET_LENGTH < len(text):
        excerpt = excerpt.rsplit(" ", 1)[0] + " …"
    if start:
        excerpt = "… " + excerpt
    if pattern is None:
        return escape(excerpt)
    parts, position = [], 0
    for found in pattern.finditer(excerpt):
        parts.append(escape(excerpt[position : found.start()]))
        parts.append(f"<mark>{escape(found.group())}</mark>")
        position = found.end()
    parts.append(escape(excerpt[position:]))
    return mark_safe("".join(parts))


def searchable_text(page):
    """What the search index holds of a page, as plain text: summary, then body or answer."""
    parts = [getattr(page, "summary", "")]
    for name in ("body", "answer", "current_state", "transcript", "introduction"):
        if hasattr(page, name):
            value = getattr(page, name)
            extract = getattr(page._meta.get_field(name), "get_searchable_content", None)
            parts += [str(text) for text in extract(value)] if extract else [str(value)]
    return " ".join(part for part in parts if part)


def promotions_for(query):
    """Editors' picks for this query that a reader may follow: external links, or live pages."""
    picks = SearchPromotion.objects.filter(
        query__query_string=normalise_query_string(query)
    ).select_related("page")
    visible = set(
        visible_pages()
        .filter(pk__in=[p.page_id for p in picks if p.page_id])
        .values_list("pk", flat=True)
    )
    return [pick for pick in picks if pick.page_id is None or pick.page_id in visible]


def search(request):
    site = Site.find_for_request(request)
    form = SearchForm(request.GET or None, root=site.root_page if site else None)
    context = {"form": form, "query": "", "listing": None, "promotions": [], "widened": False}
    # A filter that no longer exists (a tag since removed, say) is reported and left out; the
    # rest of the search still runs.
    if form.is_bound and (form.is_valid() or "q" in form.cleaned_data):
        query = form.cleaned_data["q"]
        context["query"] = query
        context["truncated"] = len(" ".join(request.GET.get("q", "").split())) > len(query)
        if query:
            pages = filtered_pages(form.cleaned_data)
            results = TitleMatchesFirst(pages, parse_query_string(query, operator="and")[1])
            if not results.count():
                widened = TitleMatchesFirst(pages, parse_query_string(query, operator="or")[1])
                context["widened"] = bool(widened.count())
                results = widened
            listing = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
            specific = {
                page.pk: page
                for page in Page.objects.filter(
                    pk__in=[page.pk for page in listing.object_list]
                ).specific()
            }
            terms = query_terms(query)
            context["listing"] = listing
            context["results"] = [
                {
                    "page": specific[page.pk],
                    "snippet": snippet(searchable_text(specific[page.pk]), terms),
                }
                for page in listing.object_list
                if page.pk in specific
            ]
            context["promotions"] = promotions_for(query)
            context["filter_query"] = request.GET.copy()
            context["filter_query"].pop("page", None)
    return render(request, "pages/search.html", context)
