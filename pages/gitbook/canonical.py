"""
One way of writing each piece of rich text the importer stores, whichever way the book wrote it.

A book says the same thing to readers in several ways: a list item's paragraph with or without
`<p>` (markdown's loose and tight lists, or HTML), `<p></p>` left by `<p>` inside a table cell,
text after an HTML block with no `<p>` of its own, two spaces or a line break where a reader sees
one space, a space inside a link's text or outside it, blocks with or without a line break
between them. Stored as written, a book exported and imported again would differ from the first
import in every such page although readers see nothing change. So the importer stores one form,
the one markdown writes:

- a list item whose only paragraph is its own text is that text (`<li>x</li>`); items outside
  a list are a list; a bulleted list straight after another is one list; empty items go;
- empty paragraphs and elements that show nothing (a link without words) are dropped; text
  between blocks at the top level is a paragraph;
- runs of spaces and line breaks in text are one space, none at a block's edges, and a space at
  the edge of a link, bold or code goes outside it (code keeps the spaces inside it);
- line breaks only inside a paragraph or list item: two in a row start a new paragraph;
- bold, italic and struck as `<b>`, `<i>` and `<s>`, as Wagtail's editor and the markdown
  reader write them (bold and italic together as `<i><b>`); a link's `linktype` and `id` first;
- each block on a line of its own, as markdown-it writes them.

Works on HTML already sanitised (pages.gitbook.markdown.sanitise): the elements of
pages.sanitising.RICH_TEXT_TAGS.
"""

import html
import re

from bs4 import BeautifulSoup, NavigableString, Tag

BLOCKS = {"p", "h2", "h3", "h4", "ul", "ol", "li", "hr"}
LISTS = {"ul", "ol"}
VOID = {"br", "hr", "embed"}
SAME_AS = {"strong": "b", "em": "i", "del": "s"}
LINK_ORDER = ("linktype", "id")
# Only the whitespace HTML collapses: a no-break space is text.
SPACES = re.compile(r"[ \t\n\r\f]+")
BREAKS = re.compile(r"(?:<br> ?){2,}")
EDGE_BREAKS = re.compile(r"^(?: ?<br>)+|(?:<br> ?)+$")
CODE = re.compile(r"(<code>.*?</code>)", re.DOTALL)


def canonical_rich_text(markup):
    root = BeautifulSoup(markup, "html.parser")
    for name, same in SAME_AS.items():
        for element in root.find_all(name):
            element.name = same
    return "".join(block_children(root, top_level=True)).strip()


def is_block(node):
    return isinstance(node, Tag) and node.name in BLOCKS


def shows_nothing(node):
    """An element with no words or image in it (a link around a line break): a reader sees
    nothing of it."""
    return (
        isinstance(node, Tag)
        and node.name not in VOID
        and not node.find("embed")
        and not SPACES.sub("", node.get_text())
    )


def significant_children(node):
    return [child for child in node.children if not shows_nothing(child)]


def block_children(node, top_level=False):
    """The parts of a block container (the top level, a list, a list item), each block on its
    own line; at the top level, inline runs become paragraphs."""
    if node.name == "li":
        # An empty paragraph (`&#x20;` indented under the item) does not count: it goes.
        own = [
            child
            for child in node.children
            if getattr(child, "name", None) == "p" and not shows_nothing(child)
        ]
        if len(own) == 1:
            own[0].unwrap()
    children = group_lists(significant_children(node), node)
    parts, run = [], []

    def end_run():
        if run:
            text = tidy_inline(inline(run))
            pieces = paragraphs(text)
            # Two line breaks in a row start a new paragraph, in a list item as at the top.
            if top_level or len(pieces) > 1:
                parts.extend(f"<p>{part}</p>\n" for part in pieces)
            elif text:
                parts.append(text)
            run.clear()

    for child in children:
        standalone = is_block(child) or (top_level and getattr(child, "name", None) == "embed")
        if standalone:
            end_run()
            if parts and not parts[-1].endswith("\n"):
                parts.append("\n")
            parts.append(block(child))
        else:
            run.append(child)
    end_run()
    return parts


def group_lists(children, parent):
    """List items outside a list go into one; a bulleted list straight after another joins it
    (markdown cannot write two apart without something between them)."""
    grouped = []
    for child in children:
        after_list = bool(grouped) and is_element(grouped[-1], LISTS)
        if after_list and isinstance(child, NavigableString) and not SPACES.sub("", str(child)):
            continue  # space between two lists
        if is_element(child, {"li"}) and parent.name not in LISTS:
            if not (grouped and is_element(grouped[-1], {"ul"})):
                grouped.append(Tag(name="ul"))
            grouped[-1].append(child.extract())
        elif is_element(child, {"ul"}) and grouped and is_element(grouped[-1], {"ul"}):
            for item in list(child.children):
                grouped[-1].append(item.extract())
        else:
            grouped.append(child)
    return grouped


def is_element(node, names):
    return isinstance(node, Tag) and node.name in names


def block(node):
    if node.name in VOID:
        return f"{open_tag(node)}\n"
    if node.name in ("ul", "ol", "li"):
        inner = block_children(node)
        first_is_block = bool(inner) and is_block_part(inner[0])
        body = "".join(inner)
        if node.name in LISTS or first_is_block:
            body = "\n" + body.lstrip("\n")
        return f"{open_tag(node)}{body}</{node.name}>\n"
    text = tidy_inline(inline(node.children))
    if node.name == "p":
        return "".join(f"{open_tag(node)}{part}</p>\n" for part in paragraphs(text))
    return f"{open_tag(node)}{text}</{node.name}>\n"


def paragraphs(text):
    """A paragraph's text as paragraphs: two line breaks in a row start a new one."""
    return [part.strip(" ") for part in BREAKS.split(text) if part.strip(" ")]


def is_block_part(part):
    match = re.match(r"<([a-z0-9]+)", part)
    return bool(match) and match[1] in BLOCKS


def inline(nodes):
    """Inline content as HTML, with its spaces as a reader sees them (see tidy_inline)."""
    written = []
    for node in nodes:
        if isinstance(node, NavigableString):
            written.append(escape_text(SPACES.sub(" ", str(node))))
        elif node.name in VOID:
            written.append(open_tag(node))
        elif shows_nothing(node):
            written.append(" " if SPACES.search(node.get_text()) else "")
        elif node.name == "a" and not {"href", "linktype", "id"} & set(node.attrs):
            written.append(inline(node.children))  # a link to nowhere is its words
        elif node.name in BLOCKS:  # a block inside inline content: kept where it is
            written.append(block(node).rstrip("\n"))
        else:
            if node.name == "code":
                # Markdown reads a line break in code as a space, and trims one at each edge.
                inner = escape_text(node.get_text().replace("\n", " "))
            else:
                inner = inline(swap_nesting(node).children)
            before = " " if inner.startswith(" ") else ""
            after = " " if inner.endswith(" ") else ""
            written.append(f"{before}{open_tag(node)}{inner.strip(' ')}</{node.name}>{after}")
    return "".join(written)


def swap_nesting(node):
    """`<b><i>x</i></b>` as `<i><b>x</b></i>`, the order markdown's `***x***` gives."""
    children = list(node.children)
    if node.name == "b" and len(children) == 1 and getattr(children[0], "name", None) == "i":
        inner = children[0]
        node.name, inner.name = "i", "b"
    return node


def tidy_inline(text):
    """One space where a reader sees one: none at the edges, none by a line break, one between
    words whichever element's edge it came from; code keeps its own."""
    pieces = CODE.split(text)
    for index in range(0, len(pieces), 2):
        pieces[index] = re.sub(r" {2,}", " ", pieces[index])
    text = "".join(pieces)
    text = re.sub(r" ((?:</?[a-z0-9]+[^>]*>)+) ", r" \1", text)
    text = re.sub(r" ?<br> ?", "<br>", text)
    return EDGE_BREAKS.sub("", text.strip(" ")).strip(" ")


def open_tag(node):
    names = list(node.attrs)
    if node.name == "a":  # as Wagtail's editor writes a link to a page
        names.sort(key=lambda name: LINK_ORDER.index(name) if name in LINK_ORDER else 2)
    attributes = "".join(f' {name}="{attribute_value(node.attrs[name])}"' for name in names)
    return f"<{node.name}{attributes}>"


def attribute_value(value):
    return html.escape(" ".join(value) if isinstance(value, list) else value)


def escape_text(text):
    return html.escape(text, quote=False).replace("\xa0", "&nbsp;")
