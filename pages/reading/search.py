"""
Search at /search/?q=: live, public pages only, best first, each with its place in the book and
a snippet with the words marked; filters, pages of results, "Did you mean …?" and editors'
picks. The finding is pages.search.engine's: typos, word variants, synonyms and questions.

Any query answers 200: an empty one shows the form, a very long one is cut to the length the
index accepts, and a NUL character counts as a space. Pages holding every word come first; when
none does, the search widens to pages holding some of them and says so.

Responses are private: a search is counted when it is served (pages.search.analytics), so a
shared cache must not answer it. Instant search (pages.reading.search_api) is the cacheable one.
"""

import hashlib
import re

from django import forms
from django.core.cache import cache
from django.core.paginator import Paginator
from django.forms.utils import flatatt
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from wagtail.contrib.search_promotions.models import SearchPromotion
from wagtail.models import Page, Site
from wagtail.search.query import And, Or, Phrase, PlainText
from wagtail.search.utils import (
    MATCH_NONE,
    MAX_QUERY_STRING_LENGTH,
    normalise_query_string,
    parse_query_string,
)

from pages.gitbook import types as page_types
from pages.reading.query import reads_query
from pages.reading.visibility import tags_in_use, visible_links, visible_pages
from pages.sanitising import is_safe_url
from pages.search import analytics, engine
from pages.search.indexer import index_version

RESULTS_PER_PAGE = 10


def page_type_choices():
    """The "Page type" filter, from the page types' table (pages/gitbook/types.py): `?type=`
    value -> (label, models). Each type with a choice of its own, in the table's order, then
    the choices several types share (sections and FAQ indexes: "listing")."""
    choices = {}
    in_search = [page_type for page_type in page_types.PAGE_TYPES if page_type.search]
    for page_type in sorted(in_search, key=lambda t: t.search in page_types.SHARED_SEARCH_CHOICES):
        label = page_types.SHARED_SEARCH_CHOICES.get(page_type.search, page_type.plural)
        choices.setdefault(page_type.search, (label, []))[1].append(page_type.model)
    return {value: (label, tuple(models)) for value, (label, models) in choices.items()}


PAGE_TYPES = page_type_choices()
# The "Status" filter's pages: those any "Page type" choice finds.
FLAGGED_TYPES = tuple(model for _, models in PAGE_TYPES.values() for model in models)
HAS_WORD = re.compile(r"\w")  # a letter, digit or underscore, in any script


class QueryField(forms.CharField):
    """The words searched for. A NUL character (no reader types one; PostgreSQL cannot hold one)
    separates words like a space, rather than failing the form and the whole search with it."""

    def to_python(self, value):
        return super().to_python(value).replace("\x00", " ")


class FilterSelect(forms.Select):
    """A filter's <select>, written directly: Django renders each option through a template,
    which for a site's hundreds of sections and tags costs more than the search itself."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        chosen = "" if value is None else str(value[0] if isinstance(value, list) else value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if str(key) == chosen else "", label)
                for key, label in self.choices
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(attrs), options)


class SearchForm(forms.Form):
    q = QueryField(required=False, label="Search the knowledge base")
    section = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, widget=FilterSelect
    )
    type = forms.ChoiceField(
        required=False,
        widget=FilterSelect,
        label="Page type",
        choices=[("", "Any type")] + [(key, label) for key, (label, _) in PAGE_TYPES.items()],
    )
    tag = forms.ChoiceField(required=False, widget=FilterSelect)
    development = forms.ChoiceField(
        required=False,
        widget=FilterSelect,
        label="Status",
        choices=[
            ("", "Any status"),
            ("yes", "Still in development"),
            ("no", "Settled"),
        ],
    )
    truncated = False  # whether clean_q cut the query to the length the index accepts

    def __init__(self, *args, root=None, version=None, **kwargs):
        super().__init__(*args, **kwargs)
        sections, tags = filter_choices(root, version)
        self.fields["section"].choices = [("", "All sections"), *sections]
        self.fields["tag"].choices = [("", "Any tag"), *tags]

    def clean_q(self):
        words = " ".join(self.cleaned_data["q"].split())
        self.truncated = len(words) > MAX_QUERY_STRING_LENGTH
        return words[:MAX_QUERY_STRING_LENGTH]


def filter_choices(root, version=None):
    """The sections under `root` and the tags readers may filter by, as (value, label) lists:
    cached until the search index changes (a publish, a move, a restriction). `version`: the
    index version, when the caller has read it already."""
    key = f"pages:search:filters:{version or index_version()}:{root.pk if root else 0}"
    choices = cache.get(key)
    if choices is None:
        sections = visible_pages().child_of(root) if root is not None else Page.objects.none()
        tags = tags_in_use().distinct().order_by("name")
        choices = (
            [(page.pk, page.title) for page in sections],
            [(tag.slug, tag.name) for tag in tags],
        )
        cache.set(key, choices, 60 * 60)
    return choices


def search_query(text, operator):
    """What the reader typed as a query for the search backend: quoted parts are phrases, as
    Wagtail parses them, and words and phrases with no letter or digit are left out.

    PostgreSQL's backend splits words on spaces and hyphens and fails on a part with nothing
    left (`-`, `- --`); SQLite's would look for `-` as a word and, with "and", find nothing.
    A query with nothing left matches nothing.
    """
    _, query = parse_query_string(text, operator=operator)
    return with_words_only(query) or MATCH_NONE


def with_words_only(query):
    if isinstance(query, PlainText):
        words = [word for word in query.query_string.split() if HAS_WORD.search(word)]
        return PlainText(" ".join(words), query.operator, query.boost) if words else None
    if isinstance(query, Phrase):
        return query if HAS_WORD.search(query.query_string) else None
    if isinstance(query, And | Or):
        parts = [part for part in map(with_words_only, query.subqueries) if part is not None]
        if len(parts) > 1:
            return type(query)(parts)
        return parts[0] if parts else None
    return query


# The queries editors pinned results for, as of one index version (which a pin's change renews):
# kept in each process, so that a search for anything else, nearly every search, reads neither
# the cache nor the database for picks.
_pinned = (None, frozenset())


def pinned_queries(version):
    global _pinned
    kept_version, queries = _pinned
    if kept_version != version:
        queries = frozenset(
            SearchPromotion.objects.values_list("query__query_string", flat=True).distinct()
        )
        _pinned = (version, queries)
    return queries


def promotions_for(query, version=None):
    """Editors' picks for this query that a reader may follow: external links, or live pages.
    Cached under the index version, which a pin's change renews too (pages.signal_handlers).
    `version`: the index version, when the caller has read it already."""
    version = version or index_version()
    normalised = normalise_query_string(query)
    if normalised not in pinned_queries(version):
        return []
    wanted = hashlib.sha256(normalised.encode()).hexdigest()[:32]
    key = f"pages:search:pins:{version}:{wanted}"
    picks = cache.get(key)
    if picks is None:
        promotions = SearchPromotion.objects.filter(query__query_string=normalised)
        links = visible_links([pick.page_id for pick in promotions if pick.page_id])
        picks = []
        for pick in promotions:
            if pick.page_id is None:
                url = pick.external_link_url if is_safe_url(pick.external_link_url) else ""
            elif pick.page_id in links:
                url = links[pick.page_id].url
            else:
                continue
            if url:
                picks.append({"title": pick.title, "url": url, "description": pick.description})
        cache.set(key, picks, 60 * 60)
    return picks


# The form's fields and the page of results.
@reads_query(*SearchForm.base_fields, "page")
def search(request):
    site = Site.find_for_request(request)
    # Read once for the whole request: the filters, the results and the pins are all kept
    # under it, and each read is a round trip to the shared cache.
    version = index_version()
    form = SearchForm(request.GET or None, root=site.root_page if site else None, version=version)
    context = {"form": form, "query": "", "listing": None, "promotions": [], "widened": False}
    # A filter that no longer exists (a tag since removed, say) is reported and left out; the
    # rest of the search still runs.
    if form.is_bound and (form.is_valid() or "q" in form.cleaned_data):
        query = form.cleaned_data["q"]
        context["query"] = query
        context["truncated"] = form.truncated
        if query:
            filters = {
                name: form.cleaned_data.get(name)
                for name in ("section", "type", "tag", "development")
            }
            number = page_number(request.GET.get("page"))
            results = engine.search(
                query,
                filters=filters,
                offset=(number - 1) * RESULTS_PER_PAGE,
                limit=RESULTS_PER_PAGE,
                version=version,
            )
            listing = Paginator(range(results.total), RESULTS_PER_PAGE).get_page(number)
            if listing.number != number:  # past the last page: show the last page's results
                results = engine.search(
                    query,
                    filters=filters,
                    offset=listing.start_index() - 1 if results.total else 0,
                    limit=RESULTS_PER_PAGE,
                    version=version,
                )
            if listing.number == 1:
                analytics.record_search(query, results.total)
            context.update(
                listing=listing,
                results=results.hits,
                widened=results.widened,
                more=results.more,
                suggestion=results.suggestion,
                promotions=promotions_for(query, version),
                filter_query=request.GET.copy(),
            )
            context["filter_query"].pop("page", None)
            if results.suggestion:
                suggested = request.GET.copy()
                suggested["q"] = results.suggestion
                suggested.pop("page", None)
                context["suggestion_query"] = suggested.urlencode()
    response = render(request, "pages/search.html", context)
    # Counted when served, so never answered from a shared cache (see the module's docstring).
    patch_cache_control(response, private=True, no_cache=True)
    return response


def page_number(value):
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1
