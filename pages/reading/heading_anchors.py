"""
Heading anchor links: a "#" beside every heading that has an id, linking to it, so a reader can
share a link to one part of a page (GitBook and support.mozilla.org do the same).

Written into the HTML on the server, so cached pages have them and they work without JavaScript
as plain links; pages/static/pages/js/reading-tools.js adds the copying of the link. Heading
blocks write theirs in their template (pages/templates/pages/blocks/heading.html); headings in
rich text get theirs as the text is rendered (the override of wagtailcore/shared/richtext.html).

The link sits beside the heading, not inside it, so the heading's own accessible name stays its
words (a screen reader's list of headings does not read "Link to section" after each one).
"""

import html
import re

from django.utils.html import format_html, strip_tags
from django.utils.safestring import mark_safe

# Rich text is sanitised before it is stored (pages/sanitising.py): headings come out of it as
# `<h3 id="…">…</h3>`, attributes double-quoted, never nested in one another.
HEADING_WITH_ID = re.compile(
    r'<(?P<level>h[234])\b(?P<before>[^>]*?)\sid="(?P<anchor>[^"]+)"(?P<after>[^>]*)>'
    r"(?P<inner>.*?)</(?P=level)>",
    re.DOTALL,
)


def anchor_link_html(anchor, text):
    """The "#" link to a heading, named for screen readers after the heading's words."""
    return format_html(
        '<a class="heading-anchor" href="#{}" aria-label="Link to section: {}">#</a>',
        anchor,
        " ".join(str(text).split()),
    )


def anchored_heading_html(level, heading_html, anchor, text):
    """The heading and its anchor link, kept together on one line. The box takes the heading's
    margins (by its level) so that they still collapse with the text around it."""
    return format_html(
        '<div class="anchored-heading anchored-heading--{}">{}{}</div>',
        level,
        heading_html,
        anchor_link_html(anchor, text),
    )


def with_heading_anchors(rich_text_html):
    """Rich text's HTML with an anchor link beside each heading that has an id."""

    def anchored(match):
        # The id and the words are already escaped in the stored HTML: unescape them once, for
        # format_html to escape them again.
        anchor = html.unescape(match["anchor"])
        text = html.unescape(strip_tags(match["inner"]))
        return anchored_heading_html(match["level"], mark_safe(match.group(0)), anchor, text)  # noqa: S308

    return mark_safe(HEADING_WITH_ID.sub(anchored, str(rich_text_html)))  # noqa: S308
