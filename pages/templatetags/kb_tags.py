"""
The reading furniture's template tags: the sidebar, breadcrumbs and previous / next from the cached
tree (pages.reading.navigation), "On this page", the "Was this page helpful?" form, the
in-development wording, FAQ structured data, and the filters templates put links through.
"""

import html
import json
import re
from urllib.parse import urlsplit

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from wagtail.models import Site

from pages import embeds
from pages.blocks import heading_values
from pages.models import EditorialMixin, FaqPage, ReaderNotices
from pages.models.base import DEFAULT_DEVELOPMENT_NOTICE
from pages.models.feedback import COMMENT_MAX_LENGTH
from pages.reading import rendered, visibility
from pages.reading.navigation import markdown_url as page_markdown_url
from pages.reading.navigation import navigation_for_request
from pages.sanitising import is_safe_url

register = template.Library()


@register.simple_tag(takes_context=True)
def reader_link(context, page):
    """`{% reader_link value.page as link %}`: the page's title and URL while readers may see
    it, else None (pages/reading/visibility.py), from the tree the sidebar is drawn from."""
    return visibility.reader_link(page, context.get("request"))


class ReaderPartNode(template.Node):
    def __init__(self, name, nodelist):
        self.name = name
        self.nodelist = nodelist

    def render(self, context):
        name = self.name.resolve(context)
        parts = rendered.parts_for(context.get("request"), context.get("page"))
        if parts is None:
            return self.nodelist.render(context)
        kept = parts.html.get(name)
        # A plain link drawn where a provider failed holds only while the failure is remembered:
        # once it is forgotten (an hour on), the part is drawn again, with the player.
        # A part around this one (the whole page around its body) holds the same plain links,
        # so it is told of them too, and drawn again with this one.
        if kept is not None and (not kept[1] or embeds.still_failing(kept[1])):
            embeds.note_fallbacks(kept[1])
            return mark_safe(kept[0])  # noqa: S308 - the template's own output, escaped
        with embeds.noting_fallbacks() as fallbacks:
            html = str(self.nodelist.render(context))
        rendered.keep(parts, name, (html, tuple(fallbacks)))
        embeds.note_fallbacks(fallbacks)
        return mark_safe(html)  # noqa: S308 - the template's own output, escaped as it rendered


@register.tag
def reader_part(parser, token):
    """`{% reader_part "body" %}…{% endreader_part %}`: a part of the page being served that
    stays the same until something a reader sees changes, rendered once and then read from the
    cache (pages/reading/rendered.py). It must not depend on the reader, on the request but for
    the public address, nor on the time but for the day."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError(f"{bits[0]} takes the part's name, and only that.")
    nodelist = parser.parse(("endreader_part",))
    parser.delete_first_token()
    return ReaderPartNode(parser.compile_filter(bits[1]), nodelist)


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


@register.inclusion_tag("components/breadcrumbs.html", takes_context=True)
def breadcrumbs(context, page):
    """The path from the home page down to the current page, from the page's cached piece of the
    tree."""
    request = context.get("request")
    if request is None or page is None:
        return {"ancestors": [], "page": page}
    return {"ancestors": navigation_for_request(request).ancestors(page), "page": page}


@register.inclusion_tag("components/sidebar.html", takes_context=True)
def sidebar(context, page=None):
    """The tree, or as much of it as fits (Navigation.sidebar), around the current page."""
    request = context.get("request")
    if request is None:  # the 500 page renders without a request, and reads nothing
        return {"sidebar_list": None}
    # A template without a page (a 404) passes "" for it.
    tree = navigation_for_request(request).sidebar(page or None)
    return {"sidebar_list": sidebar_list_html(tree) if tree else None}


# The sidebar's lists are written here rather than by a template including itself once per
# branch, which took over ten times as long (bench/design-measurements.md). Every title and
# address goes through html.escape as it is written (what Django's escape and autoescaping call,
# without a SafeString per value); only the joined result is marked safe.
def sidebar_list_html(tree):
    """Home, then the sections, each with the pages under it that the tree lists."""
    root = tree.root
    parts = ['<ul class="nav-list"><li class="nav-item nav-item--home">']
    parts += [sidebar_link(root, tree), "</li>"]
    for section in root.children:
        parts += ['<li class="nav-item nav-item--section">', sidebar_link(section, tree)]
        if section.children and section.id in tree.expanded_ids:
            add_sidebar_items(parts, section, tree)  # sections are open: no toggle
        elif section.child_count:
            parts.append(pages_under_hint(section))
        parts.append("</li>")
    parts.append("</ul>")
    return mark_safe("".join(parts))


def add_sidebar_items(parts, parent, tree):
    """The pages under `parent` the tree lists, each branch under a toggle, open on the current
    page's branch; where it leaves some out, a link to `parent`, which lists them all."""
    parts.append('<ul class="nav-list">')
    if parent.unlisted_before:
        parts.append(unlisted_link(parent, parent.unlisted_before, "earlier"))
    for item in parent.children:
        parts += ['<li class="nav-item">', sidebar_link(item, tree)]
        if item.children and item.id in tree.expanded_ids:
            parts += [
                '<details class="nav-branch"',
                " open" if item.id in tree.open_ids else "",
                '><summary><span class="visually-hidden">Pages under ',
                html.escape(item.title),
                "</span></summary>",
            ]
            add_sidebar_items(parts, item, tree)
            parts.append("</details>")
        elif item.child_count:
            parts.append(pages_under_hint(item))
        parts.append("</li>")
    if parent.unlisted_after:
        parts.append(unlisted_link(parent, parent.unlisted_after, "more"))
    parts.append("</ul>")


def unlisted_link(parent, count, which):
    """ "12 earlier pages" / "940 more pages": to the page above them, which lists them all."""
    pages = "page" if count == 1 else "pages"
    return (
        f'<li class="nav-item nav-item--unlisted"><a href="{html.escape(parent.url)}">'
        f'{count} {which} {pages}<span class="visually-hidden"> under '
        f"{html.escape(parent.title)}</span></a></li>"
    )


def sidebar_link(item, tree):
    current = ' aria-current="page"' if item.id == tree.current_id else ""
    return f'<a href="{html.escape(item.url)}"{current}>{html.escape(item.title)}</a>'


def pages_under_hint(item):
    """A branch listed closed: how many pages are under it, where its toggle would be."""
    count = item.child_count
    pages = "page" if count == 1 else "pages"
    return (
        f'<span class="nav-more"><span aria-hidden="true">{count}</span>'
        f'<span class="visually-hidden">{count} {pages} under {html.escape(item.title)}</span>'
        "</span>"
    )


@register.inclusion_tag("components/page_feedback.html", takes_context=True)
def page_feedback(context, page):
    """ "Was this page helpful?" under a live knowledge-base page; not in an editor's preview,
    whose answers would be about a draft no reader has seen."""
    request = context.get("request")
    shown = (
        isinstance(page, EditorialMixin)
        and page.live
        and page.pk is not None
        and not getattr(request, "is_preview", False)
    )
    return {"page": page if shown else None, "comment_max_length": COMMENT_MAX_LENGTH}


@register.inclusion_tag("components/previous_next.html", takes_context=True)
def previous_next(context, page):
    """Links to the pages before and after this one, in the order the tree reads as a book."""
    request = context.get("request")
    if request is None or page is None:
        return {}
    previous, following = navigation_for_request(request).previous_and_next(page)
    return {"previous": previous, "next": following}


@register.inclusion_tag("components/table_of_contents.html")
def table_of_contents(page):
    """'On this page': the body's headings (those in parts in development too), then any the page
    adds after it, as anchor links."""
    body = getattr(page, "body", None) if page else None
    headings = [
        {"text": value["text"], "anchor": value.anchor_id(), "level": value["level"]}
        for value in heading_values(body)
    ]
    headings += [
        {"text": text, "anchor": anchor, "level": "h2"}
        for anchor, text in getattr(page, "closing_sections", ())
    ]
    return {"headings": headings}


@register.filter
def markdown_url(page):
    """Where the page's Markdown is: '/plasma/plasma-mvp/' -> '/plasma/plasma-mvp.md'."""
    return page_markdown_url(page.url)


@register.filter
def safe_url(url):
    """The URL, for an href, unless it could run script (javascript:, data: and the like): then
    "", and the template leaves the link out. URL fields refuse such links when they are saved;
    this covers values stored some other way."""
    return url if is_safe_url(url) else ""


@register.filter
def hostname(url):
    """'https://www.youtube.com/watch?v=…' -> 'www.youtube.com'."""
    return urlsplit(str(url)).hostname or ""


# The characters that could end a <script> element early or start a comment, written as JSON
# escapes so structured data cannot break out of its element (as Django's json_script does).
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def faq_structured_data(groups):
    """schema.org FAQPage JSON-LD: every question on the index with its answer as plain text."""
    questions = [question for _, group in groups for question in group]
    if not questions:
        return ""
    answer_field = FaqPage._meta.get_field("answer")
    data = {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [
            {
                "@type": "Question",
                "name": question.title,
                "acceptedAnswer": {
                    "@type": "Answer",
                    "text": " ".join(
                        " ".join(answer_field.get_searchable_content(question.answer)).split()
                    ),
                },
            }
            for question in questions
        ],
    }
    payload = json.dumps(data, ensure_ascii=False).translate(JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))


@register.simple_tag(takes_context=True)
def development_banner_wording(context):
    """The site's wording for in-development pages (Settings → Reader notices)."""
    request = context.get("request")
    if request is None:
        return DEFAULT_DEVELOPMENT_NOTICE
    return ReaderNotices.for_request(request).development_banner
