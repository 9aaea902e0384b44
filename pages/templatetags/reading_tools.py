"""
Template tags for the reader's tools on a page: heading anchor links
(pages/reading/heading_anchors.py).
"""

from django import template

from pages.reading.heading_anchors import anchor_link_html, with_heading_anchors

register = template.Library()


@register.simple_tag
def heading_anchor_link(anchor, text):
    """`{% heading_anchor_link value.anchor_id value.text %}`: the "#" link to a heading."""
    return anchor_link_html(anchor, text)


@register.filter
def heading_anchors(rich_text_html):
    """Rich text's HTML with an anchor link beside each heading that has an id."""
    return with_heading_anchors(rich_text_html)
