"""
Page links in rich text that can point at a heading: `<a linktype="page" id="12" anchor="exits">`.

Wagtail stores a page link by id, so it survives renames and moves; GitBook links often end in
`#anchor`. The anchor rides along as an extra attribute: appended to the URL when the link is
rendered, and carried through the admin's editor (as data on the link) so that saving a page
in the admin keeps it.

Also: rich text as the admin's editor stores it (`as_the_editor_stores`), so that text written by
code (the GitBook importer) reads the same to the revision comparison before and after an
editor saves it unchanged.
"""

import hashlib
import json
import re
from contextvars import ContextVar
from urllib.parse import quote

from bs4 import BeautifulSoup, NavigableString, Tag
from draftjs_exporter.dom import DOM

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Length, Substr
from django.utils.html import escape

import wagtail.admin.rich_text.editors.draftail.features as draftail_features
from wagtail.admin.rich_text.converters.contentstate import link_entity
from wagtail.admin.rich_text.converters.html_to_contentstate import (
    ExternalLinkElementHandler,
    InlineStyleElementHandler,
    PageLinkElementHandler,
)
from wagtail.models import Page
from wagtail.rich_text.pages import PageLinkHandler

from pages.models.visibility import visible_links
from pages.sanitising import sanitise_rich_text


class AnchoredPageLinkHandler(PageLinkHandler):
    @classmethod
    def expand_db_attributes_many(cls, attrs_list):
        # A link to a page readers may not see (a draft, a restricted page) keeps its words and
        # loses its address, as page cards do (pages/reading/visibility.py). One query for every
        # link of the text.
        visible = visible_links(
            attrs["id"] for attrs in attrs_list if str(attrs.get("id", "")).isdigit()
        )
        links = []
        for attrs in attrs_list:
            page_id = attrs.get("id")
            page_link = visible.get(int(page_id)) if str(page_id or "").isdigit() else None
            if page_link is None:
                links.append("<a>")
                continue
            url = page_link.url
            if attrs.get("anchor"):
                url = f"{url}#{quote(attrs['anchor'])}"
            links.append(f'<a href="{escape(url)}">')
        return links


class AnchoredPageLinkElementHandler(PageLinkElementHandler):
    """Database HTML to the editor: keep the anchor in the link's data."""

    def get_attribute_data(self, attrs):
        if _round_trip.get():
            data = round_trip_link_data(attrs["id"])
        else:
            data = editor_link_data(attrs["id"])
        if attrs.get("anchor"):
            data["anchor"] = attrs["anchor"]
        return data


def editor_link_data(page_id):
    """
    What the editor keeps of a link to page `page_id`: its address, and its parent's key (where
    the page chooser opens), as Wagtail's own handler gives them. One query a link, the parent's
    key read by path in the same query; Wagtail's reads the page, its specific page and its
    parent, three (no page type here has an address of its own: `url_path` gives it).
    """
    parent = Page.objects.filter(
        path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Page.steplen)
    )
    page = (
        Page.objects.filter(pk=page_id)
        .annotate(parent_pk=Subquery(parent.values("pk")[:1]))
        .order_by()
        .first()
        if str(page_id).isdigit()
        else None
    )
    if page is None:
        # Kept as a page link (a broken one), as Wagtail does.
        return {
            "id": int(page_id) if str(page_id).isdigit() else None,
            "url": None,
            "parentId": None,
        }
    return {"id": page.pk, "url": page.url, "parentId": page.parent_pk}


def round_trip_link_data(page_id):
    """editor_link_data without its query, for text read into the editor's blocks only to be
    written straight back (as_the_editor_stores): writing a page link back keeps only its id
    (and anchor), which a page found and a page missing give alike, so the page's address and
    parent, one query a link, would be read for nothing."""
    return {"id": int(page_id) if str(page_id).isdigit() else None, "url": None, "parentId": None}


# Set while as_the_editor_stores reads text into the editor's blocks.
_round_trip = ContextVar("rich_text_round_trip", default=False)


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


# Rich text as the admin's editor stores it -----------------------------------------------------


def as_the_editor_stores(source, converter):
    """
    Database HTML as the admin's editor would store it on a save that changes nothing: read into
    the editor's blocks and written back by `converter` (the editor's own for the field or block,
    `widget.converter`), then sanitised as every save is. Each block gets its `data-block-key`
    (the editor's anchor for comments) from its own words, so the same text always gets the same
    key and a save in the editor keeps it.

    Rich text the editor cannot hold as it is (a heading's anchor, a numbered list's start, a
    footnote's id, an image where the block takes none) is returned unchanged: the editor's form
    would lose what readers see.
    """
    if not source:
        return source
    # As it will be stored: `<br/>` rather than `<br>`, which the editor's parser cannot read.
    source = sanitise_rich_text(source)
    reading = _round_trip.set(True)
    try:
        state = json.loads(converter.from_database_format(source))
    except (AssertionError, ValueError):  # markup the editor's parser cannot read
        return source
    finally:
        _round_trip.reset(reading)
    keys = set()
    for block in state["blocks"]:
        block["key"] = block_key(block, keys)
    stored = sanitise_rich_text(converter.to_database_format(json.dumps(state)))
    return stored if written_alike(source, stored) or reads_the_same(source, stored) else source


def block_key(block, taken):
    """Five letters and digits, like the editor's own keys, from the block's type and words."""
    seed = f"{block['type']}:{block.get('depth', 0)}:{block['text']}"
    for attempt in range(100):
        digest = hashlib.sha1(f"{attempt}:{seed}".encode()).digest()  # noqa: S324 - not security
        key = "".join(KEY_LETTERS[byte % len(KEY_LETTERS)] for byte in digest[:5])
        if key not in taken:
            break
    taken.add(key)
    return key


KEY_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789"
# Elements that make a block of text (what a reader sees as a paragraph, a list, its item) and
# those that stand alone; every other element marks the words inside it (bold, a link).
BLOCK_ELEMENTS = {"p", "h2", "h3", "h4", "ul", "ol", "li", "blockquote"}
STANDALONE_ELEMENTS = {"br", "hr", "embed"}
WHITESPACE = re.compile(r"[ \t\n\r\f]+")
BLOCK_KEY = re.compile(r'(<[a-z][a-z0-9]*) data-block-key="[^"<>]*"')
_BLOCK_NAMES = "|".join(sorted(BLOCK_ELEMENTS))
SPACE_BETWEEN_BLOCKS = re.compile(
    rf"(</?(?:{_BLOCK_NAMES})(?:\s[^<>]*)?>)[ \t\n\r\f]+(?=</?(?:{_BLOCK_NAMES})[\s/>])"
)
EMPTY_ELEMENT = re.compile(r"<[a-z][a-z0-9]*(?:\s[^<>]*)?></")
# Spaces ending a text, before a block element's tag: the words end a block there, and
# reading() trims the spaces at a block's edge. (Only after a text's last character: spaces that
# are a text of their own, after an element, can decide whether the words before them end in a
# space.)
SPACE_BEFORE_BLOCK = re.compile(rf"(?<=[^>\s])[ \t\n\r\f]+(?=</?(?:{_BLOCK_NAMES})[\s/>])")


def written_alike(html_a, html_b):
    """Whether two pieces of rich text are the same markup but for what reading() never reads:
    the editor's block keys, spaces between two block elements' tags, and spaces that end a
    text before a block element's tag (a list item's words before its own list). The usual
    case, told without parsing either. (Spaces between a block's end and the next block's start
    are read if both blocks hold nothing at all, so text with an empty element is left to
    reading().)"""
    if EMPTY_ELEMENT.search(html_a) or EMPTY_ELEMENT.search(html_b):
        return False
    return without_unread_markup(html_a) == without_unread_markup(html_b)


def without_unread_markup(html):
    html = SPACE_BETWEEN_BLOCKS.sub(r"\1", BLOCK_KEY.sub(r"\1", html))
    return SPACE_BEFORE_BLOCK.sub("", html)


def reads_the_same(html_a, html_b):
    """Whether two pieces of rich text give readers the same words in the same blocks, marked
    the same way in the same order (a footnote's `<sup><a>` is not `<a><sup>` to the export),
    whatever the spaces between blocks or the editor's block keys."""
    return reading(html_a) == reading(html_b)


def reading(html):
    """Rich text as runs of words: each with the blocks it is in and the marks on it, outermost
    first."""
    runs = []
    serial = iter(range(1_000_000))  # tells one paragraph from the next alike

    def visit(node, blocks, marks):
        for child in node.children:
            if isinstance(child, NavigableString):
                runs.append([blocks, marks, WHITESPACE.sub(" ", str(child))])
            elif isinstance(child, Tag):
                element = (
                    child.name,
                    tuple(sorted((k, v) for k, v in child.attrs.items() if k != "data-block-key")),
                )
                if child.name in STANDALONE_ELEMENTS:
                    runs.append([blocks, marks, element])
                elif child.name in BLOCK_ELEMENTS:
                    visit(child, (*blocks, (*element, next(serial))), marks)
                else:
                    visit(child, blocks, (*marks, element))

    visit(BeautifulSoup(html, "html.parser", multi_valued_attributes=None), (), ())

    # Spaces at the edges of a block or line are not read; runs marked alike read as one.
    def edge(index, run):
        return not (0 <= index < len(runs)) or runs[index][0] != run[0] or is_element(runs[index])

    for index, run in enumerate(runs):
        if not is_element(run):
            if edge(index - 1, run):
                run[2] = run[2].lstrip(" ")
            if edge(index + 1, run):
                run[2] = run[2].rstrip(" ")
    merged = []
    for blocks, marks, text in runs:
        if text == "":
            continue
        same_marks = merged and merged[-1][:2] == [blocks, marks]
        if same_marks and isinstance(text, str) and not is_element(merged[-1]):
            merged[-1][2] += text
            continue
        merged.append([blocks, marks, text])
    return merged


def is_element(run):
    return not isinstance(run[2], str)
