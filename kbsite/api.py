"""
The read-only JSON API at /api/v2/: Wagtail's pages endpoint, live public pages only.

Wagtail's endpoint answers most bad parameters with a 400 of its own. What it would let through
to the database, or to a recursion, as a 500 is refused here first, also with a 400 and a message
saying why:

- a NUL character anywhere (PostgreSQL cannot hold one in a query);
- an offset past any database's integers, or `fields` nested deeper than any real request;
- a search operator other than `and` / `or`, a search longer than the site's own search takes;
- a field filter whose value the field cannot hold (`?review_due=soon`, a 30-digit id), and
  `?find/?id=` that is not a number;
- more tags in `?tags=` than MAX_FILTER_TAGS.

A search is parsed as the site's search parses it (pages.reading.search.search_query: quotes make a
phrase), so quotes and the full-text syntax of SQLite and PostgreSQL are words, never syntax.
Its `html_url` and `detail_url` (and the `find` redirect) are at the site's public address, by the
rule every absolute URL follows (pages/reading/addresses.py), not at the Site record's host name.

Filtering by tag (`?type=pages.TopicPage&tags=plasma`) goes through the one tag table all page
types share, which the models' own tag lookups cannot reach from a page type's table, in one
grouped subquery however many tags are named.
"""

from functools import cache
from urllib.parse import urlsplit

from rest_framework.fields import SkipField

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Count
from django.utils import timezone

from taggit.managers import TaggableManager
from wagtail.api.v2.filters import FieldsFilter, SearchFilter
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.serializers import (
    DetailUrlField,
    PageAliasOfField,
    PageHtmlUrlField,
    PageParentField,
    PageSerializer,
    get_serializer_class,
)
from wagtail.api.v2.utils import BadRequestError, parse_boolean
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.models import Page, get_page_models
from wagtail.search.backends import get_search_backend
from wagtail.search.backends.base import FilterFieldError, OrderByFieldError
from wagtail.search.utils import MAX_QUERY_STRING_LENGTH

from pages.models import PageTag
from pages.reading.addresses import absolute_url, page_url
from pages.reading.search import search_query

# Far past the last page of any knowledge base (ours has about 70 pages), and far below the
# largest OFFSET SQLite and PostgreSQL take (2**63 - 1).
MAX_OFFSET = 1_000_000
# Wagtail parses ?fields= recursively; real requests nest one or two levels (parent(title)).
MAX_FIELDS_NESTING = 10
SEARCH_OPERATORS = ("and", "or")
# `?tags=a,b` asks for pages carrying every tag named; a reader narrows a listing by two or three.
# One subquery per tag made PostgreSQL plan for minutes at a hundred tags (issue 22); the
# grouped subquery is cheap at any count, and this bound keeps the parameter a question, not a
# load test.
MAX_FILTER_TAGS = 10
# Fields whose filter value is converted, and so checked, before the query is built; Wagtail
# converts booleans and integers only.
CONVERTED_FIELDS = (
    models.DateField,  # and DateTimeField
    models.TimeField,
    models.DecimalField,
    models.FloatField,
    models.DurationField,
    models.UUIDField,
)
# The integers SQLite and PostgreSQL can compare a column with (SQLite fails on larger ones).
SMALLEST_INTEGER, LARGEST_INTEGER = -(2**63), 2**63 - 1


def refuse_bad_parameters(parameters):
    """Raise BadRequestError for a query Wagtail's own checks would pass to the database."""
    for name, values in parameters.lists():
        if any("\x00" in text for text in (name, *values)):
            raise BadRequestError("query parameters cannot contain NUL (\\x00) characters")
    try:
        offset = int(parameters.get("offset", 0))
    except ValueError:
        offset = 0  # Wagtail's pagination answers "offset must be a positive integer"
    if offset > MAX_OFFSET:
        raise BadRequestError(f"offset cannot be higher than {MAX_OFFSET}")
    if nesting(parameters.get("fields", "")) > MAX_FIELDS_NESTING:
        raise BadRequestError(f"fields cannot be nested more than {MAX_FIELDS_NESTING} levels deep")
    operator = parameters.get("search_operator")
    if operator and operator not in SEARCH_OPERATORS:
        raise BadRequestError("search_operator must be 'and' or 'or'")
    if len(parameters.get("search", "")) > MAX_QUERY_STRING_LENGTH:
        raise BadRequestError(f"search cannot be longer than {MAX_QUERY_STRING_LENGTH} characters")
    if len(parameters.get("tags", "").split(",")) > MAX_FILTER_TAGS:
        raise BadRequestError(f"tags cannot name more than {MAX_FILTER_TAGS} tags")


def nesting(fields):
    deepest = depth = 0
    for character in fields:
        depth += {"(": 1, ")": -1}.get(character, 0)
        deepest = max(deepest, depth)
    return deepest


def filter_value(field, name, value):
    """`value` as `field` holds it; BadRequestError if it cannot, before the database sees it."""
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    try:
        if isinstance(field, models.BooleanField):
            return parse_boolean(value)
        if isinstance(field, models.IntegerField | models.AutoField):
            number = int(value)
            if not SMALLEST_INTEGER <= number <= LARGEST_INTEGER:
                raise ValueError("out of range")
            return number
        if isinstance(field, CONVERTED_FIELDS):
            converted = field.to_python(value)
            if isinstance(field, models.DateTimeField) and timezone.is_naive(converted):
                # `?first_published_at=2020-06-01` means that time where the site is.
                converted = timezone.make_aware(converted)
            return converted
        return value  # text, as Wagtail passes it
    except (ValueError, ValidationError) as error:
        reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        raise BadRequestError(
            f"field filter error. {value!r} is not a valid value for {name} ({reason})"
        ) from error


class CheckedFieldsFilter(FieldsFilter):
    """Wagtail's field filters (`?slug=`, `?in_development=true`), each value checked first.

    Wagtail converts booleans and integers only: any other value (a date, a 30-digit foreign
    key on SQLite) reached the database and came back as a 500. Tags are filtered through the
    shared tag table.
    """

    def filter_queryset(self, request, queryset, view):
        fields = set(view.get_available_fields(queryset.model, db_fields_only=True))
        # Locale is a database field, but it has a filter of its own (LocaleFilter).
        fields.discard("locale")
        for name, value in request.GET.items():
            if name not in fields:
                continue
            try:
                field = queryset.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if isinstance(field, TaggableManager):
                queryset = queryset.filter(pk__in=pages_tagged_with_all(value.split(",")))
                # Wagtail's search refuses a queryset filtered by tag; it looks for this mark.
                queryset._filtered_by_tag = True
            else:
                queryset = queryset.filter(**{name: filter_value(field, name, value)})
        return queryset


class QuerySearchFilter(SearchFilter):
    """Wagtail's ?search=, with the query parsed as /search/ parses it.

    Wagtail hands the raw string to the search backend, whose SQLite query puts each word in
    double quotes without escaping the quotes inside it (`?search="plasma` was a database error),
    and whose PostgreSQL query fails on a word of hyphens only (`?search=-`). Parsed, a quoted
    part is a phrase, no word holds a quote, and a part without a letter or digit is left out.
    """

    def filter_queryset(self, request, queryset, view):
        if "search" not in request.GET:
            return queryset
        if not getattr(settings, "WAGTAILAPI_SEARCH_ENABLED", True):
            raise BadRequestError("search is disabled")
        if getattr(queryset, "_filtered_by_tag", False):
            raise BadRequestError("filtering by tag with a search query is not supported")
        backend = get_search_backend()
        # Each backend's own default, as Wagtail's filter leaves it: "and" for the database's,
        # "or" for OpenSearch.
        default_operator = backend.query_compiler_class.DEFAULT_OPERATOR.lower()
        operator = request.GET.get("search_operator") or default_operator
        try:
            return backend.search(
                search_query(request.GET["search"], operator),
                queryset,
                operator=operator,
                order_by_relevance="order" not in request.GET,
            )
        except FilterFieldError as error:
            raise BadRequestError(
                f"cannot filter by '{error.field_name}' while searching (field is not indexed)"
            ) from error
        except OrderByFieldError as error:
            raise BadRequestError(
                f"cannot order by '{error.field_name}' while searching (field is not indexed)"
            ) from error


def pages_tagged_with_all(names):
    """The ids of the pages that carry every tag in `names`, as one subquery: each page's rows
    among those tags, grouped, kept where it has as many distinct tags as were named."""
    names = set(names)
    return (
        PageTag.objects.filter(tag__name__in=names)
        .values("content_object_id")
        .annotate(tags_carried=Count("tag_id", distinct=True))
        .filter(tags_carried=len(names))
        .values("content_object_id")
    )


CHECKED_FILTERS = {FieldsFilter: CheckedFieldsFilter, SearchFilter: QuerySearchFilter}


class PublicDetailUrlField(DetailUrlField):
    def get_attribute(self, instance):
        path = self.context["router"].get_object_detail_urlpath(type(instance), instance.pk)
        if not path:
            raise SkipField  # as Wagtail's: no endpoint for that kind of object
        return absolute_url(self.context["request"], path)


class PublicHtmlUrlField(PageHtmlUrlField):
    def to_representation(self, page):
        return page_url(self.context["request"], page)


class LinkedPageField:
    """The parent and alias_of pages, described with the same public addresses (Wagtail's
    fields build their small serializer on its PageSerializer, whatever the endpoint's)."""

    def to_representation(self, value):
        serializer_class = get_serializer_class(
            value.__class__,
            ["id", "type", "detail_url", "html_url", "title"],
            meta_fields=["type", "detail_url", "html_url"],
            base=PublicPageSerializer,
        )
        return serializer_class(context=self.context).to_representation(value)


class PublicParentField(LinkedPageField, PageParentField):
    pass


class PublicAliasOfField(LinkedPageField, PageAliasOfField):
    pass


class PublicPageSerializer(PageSerializer):
    detail_url = PublicDetailUrlField(read_only=True)
    html_url = PublicHtmlUrlField(read_only=True)
    parent = PublicParentField(read_only=True)
    alias_of = PublicAliasOfField(read_only=True)


class KnowledgeBasePagesAPIViewSet(PagesAPIViewSet):
    # Wagtail's filters in Wagtail's order, two of them checked; search stays last, as its
    # results cannot be filtered further.
    filter_backends = [
        CHECKED_FILTERS.get(backend, backend) for backend in PagesAPIViewSet.filter_backends
    ]
    base_serializer_class = PublicPageSerializer

    def initial(self, request, *args, **kwargs):
        # Runs before every listing, detail and find view, inside the handler that turns
        # BadRequestError into a 400.
        super().initial(request, *args, **kwargs)
        refuse_bad_parameters(request.GET)

    def find_view(self, request):
        response = super().find_view(request)
        if response.status_code in (301, 302):
            # Wagtail's redirect to the detail view names the Site record's host.
            location = urlsplit(response["Location"])
            path = location.path + (f"?{location.query}" if location.query else "")
            response["Location"] = absolute_url(request, path)
        return response

    def find_object(self, queryset, request):
        if "id" in request.GET and "html_path" not in request.GET:
            filter_value(queryset.model._meta.pk, "id", request.GET["id"])
        return super().find_object(queryset, request)

    @classmethod
    @cache
    def query_parameters(cls):
        """Every query parameter the endpoint reads, for the page cache (pages/reading/query.py):
        its operations, find's, and a filter on each database field of any page type
        (`?type=pages.TopicPage&slug=exits`). jQuery's cache-buster `_` is read by nothing."""
        fields = {
            name
            for model in {Page, *get_page_models()}
            for name in cls.get_available_fields(model, db_fields_only=True)
        }
        return (cls.known_query_parameters | cls.find_query_parameters | fields) - {"_"}


api_router = WagtailAPIRouter("wagtailapi")
# Wagtail's pages endpoint serves only live pages outside any view restriction, and only GET.
api_router.register_endpoint("pages", KnowledgeBasePagesAPIViewSet)
