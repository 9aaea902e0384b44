"""
What editors' markup and links may hold, whoever wrote them: the admin's editor, the GitBook
importer or code.

Every rich text value is put through `sanitise_rich_text` on its way into storage
(pages.blocks.SafeRichTextBlock, pages.models.base.SafeRichTextField). It keeps what the editor's
features make and removes everything else, so stored HTML can be rendered as it is: in the page,
its previews, the admin's comparisons and the JSON API. `is_safe_url` is the same rule for one
link, for templates that put a URL field into an href (the `safe_url` filter), and
`validate_web_url` the rule for a link an editor types into a URL field or block: http(s) only,
refused with a message that says so.

Kept apart from pages.rich_text, which needs Wagtail's admin and so cannot be imported while the
models load.
"""

import html
import re

import nh3

from django import forms
from django.core.validators import URLValidator

# What stored rich text may hold: the elements Wagtail's editor writes for the site's features
# (pages.blocks.TEXT_FEATURES is the widest), those the GitBook importer keeps, and headings of
# older content. Each may carry `data-block-key`, the editor's anchor for comments.
RICH_TEXT_TAGS = {
    "p", "br", "b", "strong", "i", "em", "code", "s", "del", "sub", "sup", "mark",
    "a", "ul", "ol", "li", "h2", "h3", "h4", "hr", "embed",
}  # fmt: skip
# Besides links: a numbered list that goes on after code between its steps starts at its own
# number; a heading inside a hint or tab keeps the anchor GitBook gave it; an image in a line of
# text or a list item is Wagtail's image embed; a footnote (a numbered list's item) has the id
# its references link to.
RICH_TEXT_ATTRIBUTES = {
    "a": {"href", "linktype", "id", "anchor"},
    "ol": {"start"},
    "li": {"id"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "embed": {"embedtype", "id", "format", "alt"},
    "*": {"data-block-key"},
}
# Wagtail reads an image embed only in its self-closing form, which nh3 does not write.
EMBED = re.compile(r"<embed([^>]*?)\s*/?>")
# The same for a line break and a rule: the admin's editor cannot open rich text holding `<br>`
# or `<hr>` (its parser waits for a closing tag), and writes them as `<br/>` and `<hr/>` itself.
LINE_OR_RULE = re.compile(r"<(br|hr)((?:\s[^>]*?)?)\s*/?>")
# Links may leave for the web, an email or a phone; relative links (#anchors, /paths) stay.
# javascript:, vbscript:, data: and every other scheme are removed with the href.
SAFE_URL_SCHEMES = {"http", "https", "mailto", "tel"}
LINK_TYPES = {"page", "document"}  # the rich text link handlers the site registers


def keep_link_attribute(tag, attribute, value):
    """Wagtail's own link attributes only as its link handlers read them. A page or document
    link is by numeric id: any other id would fail the page's render, so it becomes 0, a link
    to no page, which renders as a link to a deleted page does (its text, without an href)."""
    if tag == "embed":
        if attribute == "embedtype":
            return value if value == "image" else None
        if attribute == "id":
            return value if value.isdigit() else "0"
        return value
    if tag == "ol" and attribute == "start":
        return value if value.isdigit() else None
    if tag == "a" and attribute == "linktype":
        return value if value in LINK_TYPES else None
    if tag == "a" and attribute == "id":
        return value if value.isdigit() else "0"
    if attribute == "href" and not is_safe_url(value):
        # nh3 has checked the scheme once the attribute was decoded; this checks it once more
        # after a second decoding (`&amp;#106;avascript:`), which no browser does.
        return None
    return value


# nh3 (ammonia) parses as a browser does: entities such as `&#106;avascript:` and whitespace
# before a scheme are decoded before the scheme is checked; <script> and <style> go with their
# content, any other element leaves its text behind.
RICH_TEXT_CLEANER = nh3.Cleaner(
    tags=RICH_TEXT_TAGS,
    attributes=RICH_TEXT_ATTRIBUTES,
    attribute_filter=keep_link_attribute,
    url_schemes=SAFE_URL_SCHEMES,
    link_rel=None,
)


def sanitise_rich_text(source):
    """Rich text database HTML with everything that could run, or load, removed."""
    if not source:
        return source
    cleaned = RICH_TEXT_CLEANER.clean(str(source))
    return LINE_OR_RULE.sub(r"<\1\2/>", EMBED.sub(image_embed, cleaned))


def image_embed(match):
    """An image embed in the self-closing form Wagtail reads; any other embed, nothing."""
    return f"<embed{match.group(1)}/>" if 'embedtype="image"' in match.group(1) else ""


# What browsers ignore in a URL before reading its scheme: spaces and control characters around
# it, tabs and newlines within it. Dropping all of them wherever they are is stricter still.
URL_IGNORED = re.compile(r"[\x00-\x20]+")
URL_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


def is_safe_url(url):
    """A link safe to put in an href: relative, or to one of SAFE_URL_SCHEMES. Read as a browser
    would read it once it has decoded the attribute (and once more, to be sure)."""
    if not url:
        return False
    normalised = URL_IGNORED.sub("", html.unescape(str(url))).lower()
    scheme = URL_SCHEME.match(normalised)
    return scheme is None or scheme.group(1) in SAFE_URL_SCHEMES


# Links to elsewhere: a web address, nothing else. Django's own URL check also lets ftp:// through
# and says only "Enter a valid URL." to someone who typed javascript:.
WEB_URL_MESSAGE = (
    "Enter a web address starting with https:// or http://, such as https://example.org/."
)
validate_web_url = URLValidator(schemes=["http", "https"], message=WEB_URL_MESSAGE)


class WebURLFormField(forms.URLField):
    default_validators = [validate_web_url]
    default_error_messages = {"invalid": WEB_URL_MESSAGE}

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)
