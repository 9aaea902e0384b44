"""
Search at /search/?q=: live, public pages only, ranked, with highlighted snippets, filters and
pages of results. Editors pin results for a query with Wagtail's search promotions.

Any query answers 200: an empty one shows the form, a very long one is cut to the length the
index accepts, quotes make a phrase, and a NUL character counts as a space. Pages must hold
every word; when none does, the search widens to any of the words and says so.
"""

import re

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe

from wagtail.contrib.search_promotions.models import SearchPromotion
from wagtail.fields import StreamField
from wagtail.models import Page, Site
from wagtail.search.query import And, Or, Phrase, PlainText
from wagtail.search.utils import (
    MATCH_NONE,
    MAX_QUERY_STRING_LENGTH,
    normalise_query_string,
    parse_query_string,
)

from pages.gitbook import types as page_types
from pages.models import PageTag
from pages.reading.visibility import tags_in_use, visible_pages

RESULTS_PER_PAGE = 10
SNIPPET_LENGTH = 240


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


class SearchForm(forms.Form):
    q = QueryField(required=False, label="Search the knowledge base")
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
    truncated = False  # whether clean_q cut the query to the length the index accepts

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
        words = " ".join(self.cleaned_data["q"].split())
        self.truncated = len(words) > MAX_QUERY_STRING_LENGTH
        return words[:MAX_QUERY_STRING_LENGTH]


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
        pages = pages.type(*PAGE_TYPES[data["type"]][1])
    if data.get("tag"):
        tagged = PageTag.objects.filter(tag__slug=data["tag"]).values("content_object_id")
        pages = pages.filter(id__in=tagged)
    if data.get("development"):
        flagged = Q()
        for model in FLAGGED_TYPES:
            flagged |= Q(id__in=model.objects.filter(in_development=True).values("pk"))
        pages = pages.filter(flagged) if data["development"] == "yes" else pages.exclude(flagged)
    return pages


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
            field, value = page._meta.get_field(name), getattr(page, name)
            if isinstance(field, StreamField):
                # From the stored blocks, not the blocks' Python values: those would read each
                # result's images, documents and linked pages, a query or more a result.
                parts += stream_text(value.raw_data)
            else:
                extract = getattr(field, "get_searchable_content", None)
                parts += [str(text) for text in extract(value)] if extract else [str(value)]
    return " ".join(part for part in parts if part)


def stream_text(raw_blocks):
    """The words of a StreamField's stored blocks: each block's text and rich text (tags
    stripped by Django's HTML parser), nested blocks included; ids, numbers and addresses are
    left out."""
    for block in raw_blocks:
        yield from block_text(block.get("value") if isinstance(block, dict) else block)


def block_text(value):
    if isinstance(value, str):
        if not value.startswith(("http://", "https://")):
            yield strip_tags(value) if "<" in value else value
    elif isinstance(value, dict):
        if "type" in value and "value" in value:  # a block inside a stream (tabs, expandables)
            yield from block_text(value["value"])
        else:
            for key, item in value.items():
                if key not in ("type", "id"):  # a table column's type, a list item's id
                    yield from block_text(item)
    elif isinstance(value, list):
        for item in value:
            yield from block_text(item)


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
        context["truncated"] = form.truncated
        if query:
            pages = filtered_pages(form.cleaned_data)
            results = TitleMatchesFirst(pages, search_query(query, "and"))
            if not results.count():
                widened = TitleMatchesFirst(pages, search_query(query, "or"))
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
