"""
Page links in rich text that can point at a heading: `<a linktype="page" id="12" anchor="exits">`.

Wagtail stores a page link by id, so it survives renames and moves; GitBook links often end in
`#anchor`. The anchor rides along as an extra attribute: appended to the URL when the link is
rendered, and carried through the admin's editor (as data on the link) so that saving a page
in the admin keeps it.
"""

from urllib.parse import quote

from draftjs_exporter.dom import DOM

from django.utils.html import escape

import wagtail.admin.rich_text.editors.draftail.features as draftail_features
from wagtail.admin.rich_text.converters.contentstate import link_entity
from wagtail.admin.rich_text.converters.html_to_contentstate import (
    ExternalLinkElementHandler,
    InlineStyleElementHandler,
    PageLinkElementHandler,
)
from wagtail.rich_text.pages import PageLinkHandler


class AnchoredPageLinkHandler(PageLinkHandler):
    @classmethod
    def expand_db_attributes_many(cls, attrs_list):
        links = []
        for attrs, page in zip(attrs_list, cls.get_many(attrs_list), strict=True):
            if page is None:
                links.append("<a>")
                continue
            url = page.localized.url
            if attrs.get("anchor"):
                url = f"{url}#{quote(attrs['anchor'])}"
            links.append(f'<a href="{escape(url)}">')
        return links


class AnchoredPageLinkElementHandler(PageLinkElementHandler):
    """Database HTML to the editor: keep the anchor in the link's data."""

    def get_attribute_data(self, attrs):
        data = super().get_attribute_data(attrs)
        if attrs.get("anchor"):
            data["anchor"] = attrs["anchor"]
        return data


def anchored_link_entity(props):
    """The editor's link back to database HTML, with its anchor if it has one."""
    if props.get("id") is None or not props.get("anchor"):
        return link_entity(props)
    attributes = {"linktype": "page", "id": props["id"], "anchor": props["anchor"]}
    return DOM.create_element("a", attributes, props["children"])


CONTENTSTATE_LINK_RULE = {
    "from_database_format": {
        "a[href]": ExternalLinkElementHandler("LINK"),
        'a[linktype="page"]': AnchoredPageLinkElementHandler("LINK"),
    },
    "to_database_format": {"entity_decorators": {"LINK": anchored_link_entity}},
}


MARK = "MARK"


def register_mark_feature(features):
    """ "mark": highlighted words, stored as <mark> (pages.sanitising keeps it)."""
    control = {"type": MARK, "label": "☆", "description": "Highlight"}
    features.register_editor_plugin(
        "draftail", "mark", draftail_features.InlineStyleFeature(control)
    )
    features.register_converter_rule(
        "contentstate",
        "mark",
        {
            "from_database_format": {"mark": InlineStyleElementHandler(MARK)},
            "to_database_format": {"style_map": {MARK: "mark"}},
        },
    )
