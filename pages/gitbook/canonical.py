"""
One way of writing each piece of rich text the importer stores, whichever way the book wrote it.

A book says the same thing to readers in several ways: a list item's paragraph with or without
`<p>` (markdown's loose and tight lists, or HTML), `<p></p>` left by `<p>` inside a table cell,
text after an HTML block with no `<p>` of its own, two spaces or a line break where a reader sees
one space, blocks with or without a line break between them. Stored as written, a book exported
and imported again would differ from the first import in every such page although readers see
nothing change. So the importer stores one form, the one markdown writes for a tight list:

- a list item whose only paragraph is its own text is that text (`<li>x</li>`);
- empty paragraphs are dropped; text between blocks at the top level is a paragraph;
- runs of spaces and line breaks in text are one space (not in code), none at a block's edges;
- each block on a line of its own, as markdown-it writes them;
- a paragraph's line breaks only inside it: two in a row start a new paragraph;
- bold, italic and struck as `<b>`, `<i>` and `<s>`, as Wagtail's editor and the markdown
  reader write them.

Works on HTML already sanitised (pages.gitbook.markdown.sanitise): the elements of
pages.sanitising.RICH_TEXT_TAGS.
"""

import html
import re

from bs4 import BeautifulSoup, NavigableString, Tag

BLOCKS = {"p", "h2", "h3", "h4", "ul", "ol", "li", "hr"}
VOID = {"br", "hr", "embed"}
SAME_AS = {"strong": "b", "em": "i", "del": "s"}
# Only the whitespace HTML collapses: a no-break space is text.
SPACES = re.compile(r"[ \t\n\r\f]+")
BREAKS = re.compile(r"(?:<br> ?){2,}")
EDGE_BREAKS = re.compile(r"^(?: ?<br>)+|(?:<br> ?)+$")


def canonical_rich_text(markup):
    root = BeautifulSoup(markup, "html.parser")
    for name, same in SAME_AS.items():
        for element in root.find_all(name):
            element.name = same
    return "".join(block_children(root, top_level=True)).strip()


def is_block(node):
    return isinstance(node, Tag) and node.name in BLOCKS


def is_empty_paragraph(node):
    return (
        isinstance(node, Tag)
        and node.name == "p"
        and not node.find(True)
        and not SPACES.sub("", node.get_text())
    )


def block_children(node, top_level=False):
    """The parts of a block container (the top level, a list, a list item), each block on its
    own line; at the top level, inline runs become paragraphs."""
    children = [child for child in node.children if not is_empty_paragraph(child)]
    if node.name == "li":
        paragraphs = [child for child in children if isinstance(child, Tag) and child.name == "p"]
        if len(paragraphs) == 1:
            paragraphs[0].unwrap()
            children = [child for child in node.children if not is_empty_paragraph(child)]
    parts, run = [], []

    def end_run():
        if run:
            text = inline(run).strip(" ")
            if text:
                parts.append(f"<p>{text}</p>\n" if top_level else text)
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


def block(node):
    if node.name in VOID:
        return f"{open_tag(node)}\n"
    if node.name in ("ul", "ol", "li"):
        inner = block_children(node)
        first_is_block = bool(inner) and inner[0].startswith("<") and is_block_part(inner[0])
        body = "".join(inner)
        if node.name in ("ul", "ol") or first_is_block:
            body = "\n" + body.lstrip("\n")
        return f"{open_tag(node)}{body}</{node.name}>\n"
    text = inline(node.children).strip(" ")
    if node.name == "p":
        paragraphs = [
            part.strip(" ") for part in BREAKS.split(EDGE_BREAKS.sub("", text)) if part.strip(" ")
        ]
        return "".join(f"{open_tag(node)}{part}</p>\n" for part in paragraphs)
    return f"{open_tag(node)}{text}</{node.name}>\n"


def is_block_part(part):
    match = re.match(r"<([a-z0-9]+)", part)
    return bool(match) and match[1] in BLOCKS


def inline(nodes):
    """Inline content as HTML, its spaces collapsed (code keeps its own)."""
    written = []
    for node in nodes:
        if isinstance(node, NavigableString):
            written.append(escape_text(SPACES.sub(" ", str(node))))
        elif node.name in VOID:
            written.append(open_tag(node))
        elif node.name == "code":
            written.append(f"{open_tag(node)}{escape_text(node.get_text())}</code>")
        elif node.name in BLOCKS:  # a block inside inline content: kept where it is
            written.append(block(node).rstrip("\n"))
        else:
            written.append(f"{open_tag(node)}{inline(node.children)}</{node.name}>")
    text = "".join(written)
    # A space on both sides of a tag is one space, and none by a line break, as a reader sees.
    return re.sub(r" ?<br> ?", "<br>", re.sub(r" ((?:<[^>]*>)+) ", r" \1", text))


def open_tag(node):
    attributes = "".join(
        f' {name}="{html.escape(" ".join(value) if isinstance(value, list) else value)}"'
        for name, value in node.attrs.items()
    )
    return f"<{node.name}{attributes}>"


def escape_text(text):
    return html.escape(text, quote=False).replace("\xa0", "&nbsp;")
