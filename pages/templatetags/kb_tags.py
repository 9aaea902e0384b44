import re

from django import template

register = template.Library()


@register.filter
def page_type_class(page):
    """'TopicPage' -> 'template-topic-page', the body class Wagtail sites style page types by."""
    words = re.sub(r"(?<!^)(?=[A-Z])", "-", type(page).__name__).lower()
    return f"template-{words}"


@register.inclusion_tag("components/breadcrumbs.html")
def breadcrumbs(page):
    """The path from the home page down to the current page, in one query."""
    ancestors = page.get_ancestors().filter(depth__gt=1).live().public() if page else []
    return {"ancestors": ancestors, "page": page}
