"""
The editorial fields (`in_development`, `review_due`, `summary`, ...) read onto base `Page` rows.

They live in each page type's own table (multi-table inheritance, EditorialMixin), so a query of
`Page` rows reads them from the table of each row's page type. The admin's editorial lists
(pages.editorial.attention) and the readers' llms.txt (pages.reading.machine_readable) both do.
"""

from functools import cache

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, OuterRef, Subquery, Value, When

from wagtail.models import get_page_models

from .base import EditorialMixin


@cache
def models_with_editorial_fields():
    """
    The page types whose tables hold the editorial fields, such as TopicPage.

    A subclass of TopicPage keeps its editorial fields in TopicPage's table, so only the page
    types that declare the fields are read.
    """
    declaring_models = {
        model._meta.get_field("review_due").model
        for model in get_page_models()
        if issubclass(model, EditorialMixin)
    }
    return sorted(declaring_models, key=lambda model: model._meta.label)


def editorial_field(name, output_field, default=None):
    """
    `name` read for each page from the table of its own page type: one lookup by key, chosen by
    the page's content type, evaluated for the rows the query returns (or sorts on). A join to
    every page type's table instead would have PostgreSQL join all of them for every page of the
    site before it can narrow to the few the query wants.
    """
    content_types = ContentType.objects.get_for_models(*get_page_models())
    return Case(
        *(
            When(
                content_type__in=[content_types[model] for model in models],
                then=Subquery(
                    declaring.objects.filter(pk=OuterRef("pk")).order_by().values(name)[:1]
                ),
            )
            for declaring, models in _page_types_by_table().items()
        ),
        default=Value(default),
        output_field=output_field,
    )


@cache
def _page_types_by_table():
    """{TopicPage: [TopicPage and its subclasses], ...}: the page types whose editorial fields
    each table holds."""
    return {
        declaring: [model for model in get_page_models() if issubclass(model, declaring)]
        for declaring in models_with_editorial_fields()
    }
