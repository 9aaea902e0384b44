import re

from django import template
from django.conf import settings

from wagtail.models import Site

register = template.Library()


@register.simple_tag(takes_context=True)
def site_name(context):
    """The name given to the site in Settings → Sites, else the project's name."""
    request = context.get("request")
    # find_for_request caches the site on the request: one query per request at most.
    site = Site.find_for_request(request) if request is not None else None
    return (site and site.site_name) or settings.WAGTAIL_SITE_NAME


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
