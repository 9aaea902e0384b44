"""
A page's markdown, with GitBook's blocks, as StreamField data.

Two layers: GitBook's `{% tag %}` blocks (and `<details>`, `$$` formulas) are split out by the
scanner (scanning.py), keeping fenced code intact; everything between them is CommonMark, parsed
by markdown-it-py, and the HTML GitBook writes into it is read by html_blocks.py.

Nothing a book holds stops its import here: a construct that has no exact block is kept in the
closest one a reader can still read, and reported (`Report.degrade`, an error under --strict).

Parsing happens before the pages exist, so links and assets stay as `PageRef` / `AssetRef` /
`IncludeRef` and text stays as `Markup` (markdown-it tokens) until the importer's `resolve()` is
given the ids.
"""

import datetime
import html
import posixpath
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from urllib.parse import unquote

import nh3
from bs4 import Comment, Tag
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from django.conf import settings
from django.utils import dateformat

from pages.blocks import mermaid_diagram_type, mermaid_source_error
from pages.sanitising import image_embed

from . import StructureError
from .anchors import CUSTOM_ID, Anchors, gitbook_anchor
from .book import book_file
from .canonical import canonical_rich_text
from .html_blocks import (
    HtmlMarkup,
    Text,
    card_columns,
    cell_html,
    elements,
    first_link,
    fragment,
    images_in,
    only_images,
    resolve_links,
    table_rows,
)
from .report import BROKEN_LINK, LEFT_OUT, NOTE
from .scanning import (
    PART_IN_DEVELOPMENT,
    PART_IN_DEVELOPMENT_END,
    PART_IN_DEVELOPMENT_START,
    Scanner,
    opening_label,
)

__all__ = ["DIAGRAM_DESCRIPTION", "PART_IN_DEVELOPMENT_END", "PART_IN_DEVELOPMENT_START"]

HINT_STYLES = {
    "info": "info",
    "success": "success",
    "warning": "warning",
    "danger": "danger",
    # GitBook's legacy and alternative names.
    "tip": "success",
    "hint": "info",
    "note": "info",
    "working": "warning",
    "warn": "warning",
    "caution": "warning",
    "important": "warning",
    "error": "danger",
    "alert": "danger",
}
# A code fence's language is kept as written (an open set); only "no language" has a name.
NO_LANGUAGE = {"", "text", "plaintext", "plain", "txt", "none"}
CODE_LANGUAGE = re.compile(r"[\w+#.-]{1,40}")
NOTICE_PREFIX = re.compile(r"^in development\s*[:.]?\s*", re.IGNORECASE)
# A ```mermaid block is a diagram (pages.blocks.DiagramBlock). GitBook has no place for its text
# alternative, so a book keeps it in the paragraph right after the diagram, starting with this
# label in bold, which GitBook's readers see too; a `{% code title="…" %}` around it is its caption.
DIAGRAM_DESCRIPTION = "What this diagram shows:"
# The words in a flowchart's boxes: A[words], B(words), C{words}, quoted or not.
MERMAID_LABEL = re.compile(
    r'\[\s*"?([^\]"]+?)"?\s*\]|\(\s*"?([^()"]+?)"?\s*\)|\{\s*"?([^{}"]+?)"?\s*\}'
)

# How deep blocks may nest (pages.blocks): an article holds containers of the nested level, which
# hold containers of the inner level, which hold those of the innermost, which hold none.
ARTICLE, NESTED, INNER, INNERMOST = 3, 2, 1, 0
CONTAINERS = {"hint", "details", "tabs", "stepper", "columns"}

# What rich text may hold: Wagtail's text features, plus the attributes of its page and
# document links and its image embeds. Everything else in raw HTML is removed.
RICH_TEXT_TAGS = {
    "p", "br", "b", "strong", "i", "em", "code", "s", "del", "sub", "sup", "mark",
    "a", "ul", "ol", "li", "h3", "h4", "hr", "embed",
}  # fmt: skip
RICH_TEXT_ATTRIBUTES = {
    "a": {"href", "linktype", "id", "anchor"},
    "ol": {"start"},
    "li": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "embed": {"embedtype", "id", "format", "alt"},
}
URL_SCHEMES = {"http", "https", "mailto"}
EMBED = re.compile(r"<embed([^>]*?)\s*/?>")
BROKEN_REFERENCE = "broken-reference"  # what GitBook writes for a link it could not resolve
# A footnote's id as GitBook gives it, which books link to (`[0x address](#user-content-fn-1)`).
FOOTNOTE_ANCHOR = "user-content-fn-{}"


def markdown_parser():
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    # Footnotes stay where the book defines them (PageConverter.take_footnotes gathers them for
    # the end of the page); `^[inline]` notes are no GitBook syntax.
    parser.use(footnote_plugin, inline=False, move_to_end=False)
    parser.add_render_rule("footnote_ref", render_footnote_ref)
    parser.add_render_rule("strong_open", lambda *args: "<b>")
    parser.add_render_rule("strong_close", lambda *args: "</b>")
    parser.add_render_rule("em_open", lambda *args: "<i>")
    parser.add_render_rule("em_close", lambda *args: "</i>")
    parser.add_render_rule("heading_open", render_heading_open)
    parser.add_render_rule("heading_close", render_heading_close)
    parser.add_render_rule("link_open", render_link_open)
    parser.add_render_rule("link_close", render_link_close)
    parser.add_render_rule("image", render_inline_image)
    parser.add_render_rule("ordered_list_open", render_ordered_list_open)
    # A line break in the source is only a space to a reader (and to an editor's rich text).
    parser.add_render_rule("softbreak", lambda *args: " ")
    return parser


def rich_text_heading(tag):
    # Inside rich text only h3 and h4 exist; page-level headings are heading blocks.
    return "h3" if tag in ("h1", "h2", "h3") else "h4"


def render_heading_open(self, tokens, idx, options, env):
    anchor = tokens[idx].meta.get("anchor")
    attribute = f' id="{html.escape(anchor)}"' if anchor else ""
    return f"<{rich_text_heading(tokens[idx].tag)}{attribute}>"


def render_heading_close(self, tokens, idx, options, env):
    return f"</{rich_text_heading(tokens[idx].tag)}>\n"


def render_ordered_list_open(self, tokens, idx, options, env):
    # A list that goes on after code between its steps starts at its own number.
    start = tokens[idx].attrs.get("start")
    return f'<ol start="{int(start)}">\n' if start and int(start) != 1 else "<ol>\n"


def render_footnote_ref(self, tokens, idx, options, env):
    number = tokens[idx].meta["number"]
    return f'<sup><a href="#{FOOTNOTE_ANCHOR.format(number)}">{number}</a></sup>'


def render_link_open(self, tokens, idx, options, env):
    attributes = env["resolve_link"](tokens[idx].attrs.get("href", ""))
    close = next(
        (t for t in tokens[idx + 1 :] if t.type == "link_close" and t.level == tokens[idx].level),
        None,
    )
    if attributes is None:
        if close is not None:
            close.meta["dropped"] = True
        return ""
    rendered = " ".join(f'{name}="{html.escape(str(value))}"' for name, value in attributes)
    return f"<a {rendered}>"


def render_link_close(self, tokens, idx, options, env):
    return "" if tokens[idx].meta.get("dropped") else "</a>"


def render_inline_image(self, tokens, idx, options, env):
    """An image in a line of text or a list item: an image embed, as Wagtail's editor makes one,
    when it is in the book's assets; its alt text (which says what it shows) otherwise."""
    token = tokens[idx]
    asset = token.meta.get("asset")
    resolve_image = env.get("resolve_image")
    if asset is not None and resolve_image is not None:
        alt = html.escape(inline_text(token.children), quote=True)
        return (
            f'<embed embedtype="image" id="{resolve_image(asset)}" format="fullwidth" alt="{alt}"/>'
        )
    return html.escape(inline_text(token.children))


PARSER = markdown_parser()


@dataclass
class Markup:
    """Markdown that renders to rich text once page and document ids are known."""

    tokens: list
    line: int
    inline: bool = False  # a table cell: one inline token, rendered as a paragraph

    def __add__(self, other):
        if isinstance(other, Markup) and not (self.inline or other.inline):
            return Markup(self.tokens + other.tokens, self.line)
        return Markup.joined(self, other)

    joined = staticmethod(Text.joined)

    def render(self, env):
        env.setdefault("sanitise", sanitise)
        rendered = PARSER.renderer.render(self.tokens, PARSER.options, env)
        if any(
            "<a" in token.content
            for token in self.walk()
            if token.type in ("html_inline", "html_block")
        ):
            rendered = resolve_links(rendered, env)
        if self.inline and not rendered.strip():
            return ""  # an empty table cell, as an editor leaves one
        return sanitise(f"<p>{rendered}</p>" if self.inline else rendered)

    def walk(self):
        for token in self.tokens:
            yield token
            yield from token.children or ()

    def plain_text(self):
        """What a reader reads (a table's heading, a number): markdown's emphasis and escapes
        read, as GitBook shows them."""
        paragraphs = [inline_text(t.children) for t in self.tokens if t.type == "inline"]
        return "\n\n".join(paragraph.strip() for paragraph in paragraphs if paragraph.strip())


@dataclass(frozen=True)
class PageRef:
    path: str
    anchor: str = ""


@dataclass(frozen=True)
class AssetRef:
    path: str
    kind: str  # "image" or "document"


@dataclass(frozen=True)
class IncludeRef:
    """A reusable content file (`.gitbook/includes/x.md`), as its book path."""

    path: str


class PageConverter:
    """
    Converts one page's body. `titles` maps every page path of the book to its title; `report`
    (pages.gitbook.report.Report) takes what the conversion notes and degrades.
    """

    def __init__(self, path, titles, root, report):
        self.path, self.titles, self.root, self.report = path, titles, root, report
        self.directory = posixpath.dirname(path)
        self.anchors = Anchors()
        self.includes = set()  # the reusable content files the page uses
        self.in_part = False  # converting a part in development
        self.converting = 0  # how deep convert() calls are nested (an include's text)
        # Footnotes: the labels the page defines, each definition's tokens and line, and the
        # number each referenced label shows, in the order readers meet them.
        self.footnote_labels = set()
        self.footnote_definitions = {}
        self.footnote_numbers = {}
        self.diagram_lines = {}  # id() of an imported diagram's value -> its line in the book

    # Notes -----------------------------------------------------------------------------------

    def warn(self, message, line=None, kind=LEFT_OUT):
        self.report.note(message, self.path, line, kind=kind)

    def degrade(self, construct, message, line=None):
        self.report.degrade(construct, message, self.path, line)

    # Paths -----------------------------------------------------------------------------------

    def book_path(self, href):
        """A link from this page (relative, or absolute from the book's root, percent-encoded
        or not), as a path from the book's root; None if it leads outside."""
        href = unquote(href)
        base = "" if href.startswith("/") else self.directory
        joined = posixpath.normpath(posixpath.join(base, href.lstrip("/")))
        joined = clamp_to_root(self.back_inside(joined))
        return None if joined.startswith("..") or joined == "." and not href else joined

    def back_inside(self, path):
        """A path that climbs out of the root and back in (`../docs/x.md` in a book whose root
        is `docs/`) as the path inside it; any other path as it is."""
        if not path.startswith("../"):
            return path
        try:
            real = (self.root / path).resolve()
        except (OSError, RuntimeError):
            return path
        return real.relative_to(self.root).as_posix() if real.is_relative_to(self.root) else path

    def page_ref(self, href):
        target, _, anchor = href.partition("#")
        target = target.split("?")[0]
        path = self.book_path(target) if target else self.path
        if path is None:
            return None
        stem = path.removesuffix("/")
        for candidate in (stem, posixpath.join(stem, "README.md"), f"{stem}.md"):
            if candidate in self.titles:
                return PageRef(candidate, unquote(anchor))
        if stem in ("", "."):
            return None
        return None

    def file_path(self, href, line=None, what=""):
        """
        A file this page names, as a path from the book's root. GitBookError if it leads out of
        the book (`../` past the root, an absolute path outside, a symbolic link): an image, a
        file or a link is never read from outside the book, whether or not it exists there.
        """
        href = unquote(href.split("#")[0].split("?")[0])
        base = "" if href.startswith("/") else self.directory
        path = posixpath.normpath(posixpath.join(base, href.lstrip("/")))
        path = self.back_inside(path)
        clamped = clamp_to_root(path)
        if clamped != path and ((self.root / clamped).is_file() or not (self.root / path).exists()):
            # GitBook reads a path as a web address, which cannot climb above the root: its own
            # books write `../.gitbook/assets/x.png` on a page at the root. Read the same file.
            # Only a path to a file that is there outside the book is refused (book_file).
            path = clamped
        book_file(self.root, path, self.path, line, what=what, written=href)
        return path

    def asset_ref(self, src, kind, line):
        path = self.file_path(src, line, what=f"the {'image' if kind == 'image' else 'file'} ")
        if not (self.root / path).is_file():
            self.warn(f"{src} does not exist, so the {kind} was left out", line)
            return None
        if not is_hostable(path, kind):
            self.warn(f"{src} is not a kind of {kind} the site keeps, so it was left out", line)
            return None
        return AssetRef(path, kind)

    def link_target(self, href):
        """What a link's href is before the pages exist: a PageRef, an AssetRef (a file of the
        book), the href itself (the web, an anchor on this page), or None (nowhere)."""
        if href.startswith("#"):
            return href
        if href.startswith(("http://", "https://", "mailto:")):
            return href
        if ":" in href.split("/")[0] or href.startswith("//") or not href:
            return None  # javascript: and other schemes go with the link
        reference = self.page_ref(href)
        if reference is not None:
            return reference
        file = unquote(href.split("#")[0])
        if file and file != BROKEN_REFERENCE:
            target = self.file_path(file, what="the link to ")
            if (self.root / target).is_file() and is_hostable(target, "document"):
                return AssetRef(target, "document")
        return None

    # Blocks ----------------------------------------------------------------------------------

    def convert(self, text, first_line, article=True, level=None, footnotes=True):
        """The body as [(block type, value)]: headings as blocks only in an article. Footnotes
        end the body unless `footnotes` is false (then with_footnotes() adds them)."""
        if level is None:
            level = ARTICLE if article else NESTED
        if "[^" in text:
            # A note is often defined after GitBook blocks that split the page's markdown, so
            # the references before them need to know every label the page defines.
            self.footnote_labels |= defined_footnotes(text)
        segments = Scanner(self.path, self.degrade).scan(text.split("\n"), first_line)
        self.converting += 1
        try:
            blocks = self.blocks(segments, level)
        finally:
            self.converting -= 1
        if footnotes and not self.converting:
            blocks = self.with_footnotes(blocks)
        return blocks

    def with_footnotes(self, blocks):
        return merge_text(blocks + self.footnote_blocks())

    def blocks(self, segments, level):
        blocks = []
        for segment in segments:
            if segment.kind == "markdown":
                blocks.extend(self.markdown_blocks(segment.text(), segment.line, level))
            else:
                blocks.extend(self.gitbook_block(segment, level))
        return merge_text(self.described_diagrams(blocks))

    def described_diagrams(self, blocks):
        """Each diagram with the paragraph after it that describes it (DIAGRAM_DESCRIPTION) as its
        text alternative. A diagram a book does not describe gets what can honestly be said of
        it (its caption, or the words in its boxes), and the report says so."""
        kept = []
        for block in blocks:
            if kept and kept[-1][0] == "diagram" and not kept[-1][1]["text_alternative"]:
                description = diagram_description(block)
                if description:
                    kept[-1][1]["text_alternative"] = description
                    continue
            kept.append(block)
        for kind, value in kept:
            if kind == "diagram" and not value["text_alternative"]:
                value["text_alternative"] = derived_text_alternative(value)
                self.warn(
                    f"a diagram has no paragraph starting '**{DIAGRAM_DESCRIPTION}**' after "
                    f"it; its text alternative was derived ({value['text_alternative']!r}): "
                    "describe it in the book or the editor",
                    self.diagram_lines.get(id(value)),
                    kind=NOTE,
                )
        return kept

    def markdown_blocks(self, text, first_line, level):
        env = {}
        if self.footnote_labels:
            env["footnotes"] = {"refs": {f":{label}": -1 for label in self.footnote_labels}}
        tokens = self.take_footnotes(PARSER.parse(text, env), first_line)
        self.prepare_inline(tokens, first_line)
        tighten_lists(tokens)
        return self.token_blocks(tokens, first_line, level)

    def take_footnotes(self, tokens, first_line):
        """The tokens without the footnote definitions in them, which are kept for the end of
        the page; each reference gets the number readers see."""
        kept, index = [], 0
        while index < len(tokens):
            token = tokens[index]
            if token.type != "footnote_reference_open":
                for child in token.children or ():
                    if child.type == "footnote_ref":
                        child.meta["number"] = self.footnote_number(child.meta["label"])
                kept.append(token)
                index += 1
                continue
            end = closing_index(tokens, index)
            label = token.meta["label"]
            line = first_line + (token.map[0] if token.map else 0)
            if label in self.footnote_definitions:
                self.warn(f"the footnote [^{label}] is defined twice; the first is kept", line)
            else:
                self.footnote_definitions[label] = (tokens[index + 1 : end], token.level + 1, line)
            index = end + 1
        return kept

    def footnote_number(self, label):
        if label not in self.footnote_numbers:
            number = len(self.footnote_numbers) + 1
            self.footnote_numbers[label] = number
            self.anchors.seen.add(FOOTNOTE_ANCHOR.format(number))
        return self.footnote_numbers[label]

    def footnote_blocks(self):
        """The page's footnotes as a numbered list, in the order they are referenced, each
        item with the id its references link to."""
        numbers, definitions = self.footnote_numbers, self.footnote_definitions
        for label, (_, _, line) in definitions.items():
            if label not in numbers:
                self.warn(f"the footnote [^{label}] is never referenced, so it was left out", line)
        tokens = [Token("ordered_list_open", "ol", 1, level=0)]
        lines = []
        for label, number in numbers.items():
            if label not in definitions:
                self.warn(f"the footnote [^{label}] has no text of its own, so it was left out")
                continue
            inner, level, line = definitions[label]
            lines.append(line)
            item = Token("list_item_open", "li", 1, level=1)
            item.attrSet("id", FOOTNOTE_ANCHOR.format(number))
            tokens += [
                item,
                *(relevel(token, 2 - level) for token in inner),
                Token("list_item_close", "li", -1, level=1),
            ]
        tokens.append(Token("ordered_list_close", "ol", -1, level=0))
        self.footnote_labels, self.footnote_definitions, self.footnote_numbers = set(), {}, {}
        if not lines:
            return []
        tighten_lists(tokens)
        return [("text", Markup(tokens, min(lines)))]

    def prepare_inline(self, tokens, first_line):
        """Note each inline image's asset, so the text can show it (render_inline_image), and
        read `<pipeline-name>` and the like, which are no HTML, as the words they are."""
        for token in tokens:
            for child in token.children or ():
                if child.type == "html_inline" and not is_html(child.content):
                    child.type = "text"
        for position, token in enumerate(tokens):
            lone = (
                position and tokens[position - 1].type == "paragraph_open" and is_lone_image(token)
            )
            for child in token.children or ():
                if child.type == "image" and not lone:
                    src = child.attrs.get("src", "")
                    line = first_line + (token.map[0] if token.map else 0)
                    if "://" in src:
                        self.degrade(
                            "image in text",
                            f"the image {src} in a line of text is shown as its alt text",
                            line,
                        )
                    elif src:
                        child.meta["asset"] = self.asset_ref(src, "image", line)

    def token_blocks(self, tokens, first_line, level):
        blocks = []
        index = 0
        while index < len(tokens):
            token = tokens[index]
            end = closing_index(tokens, index)
            line = first_line + (token.map[0] if token.map else 0)
            chunk = tokens[index : end + 1]
            index = end + 1
            if token.type == "heading_open":
                blocks.extend(self.heading(chunk, token.tag, line, level))
            elif token.type == "paragraph_open" and is_lone_image(chunk[1]):
                image = chunk[1].children[[c.type for c in chunk[1].children].index("image")]
                blocks.extend(
                    self.image(
                        image.attrs.get("src", ""),
                        inline_text(image.children),
                        image.attrs.get("title") or "",
                        line,
                    )
                )
            elif token.type == "table_open":
                blocks.append(("table", self.table(chunk, line)))
            elif token.type == "fence" and is_mermaid(token):
                blocks.append(self.diagram(token, caption="", line=line))
            elif token.type in ("fence", "code_block"):
                blocks.append(("code", self.code(token, title="", line=line)))
            elif token.type == "blockquote_open":
                blocks.extend(self.quote(chunk[1:-1], line, level))
            elif token.type == "html_block" and is_html(token.content.lstrip()):
                blocks.extend(self.html_block(token.content, line, level))
            elif token.type == "html_block":
                words = html.escape(" ".join(token.content.split()))
                blocks.append(("text", HtmlMarkup(f"<p>{words}</p>", line)))
            elif token.type in ("ordered_list_open", "bullet_list_open") and holds_blocks(chunk):
                blocks.extend(self.list_with_blocks(chunk, line, level))
            else:
                blocks.append(("text", Markup(chunk, line)))
        return blocks

    def heading(self, chunk, tag, line, level):
        inline = chunk[1]
        custom, text = "", []
        for child in inline.children or []:
            if child.type == "html_inline":
                # GitBook's custom anchor: `## Title <a href="#anchor" id="anchor"></a>`.
                custom = AnchorParser.id_of(child.content) or custom
            elif child.type in ("text", "code_inline"):
                text.append(child.content)
        heading_text = " ".join("".join(text).split())
        explicit = CUSTOM_ID.search(heading_text)
        if explicit:
            custom = explicit.group(1)
            heading_text = heading_text[: explicit.start()].strip()
        if not heading_text:
            if any(child.type == "image" for child in inline.children or ()):
                # `## ![logo](logo.png)`: a picture, not a heading.
                return self.token_blocks(
                    [Token("paragraph_open", "p", 1), inline, Token("paragraph_close", "p", -1)],
                    line,
                    level,
                )
            self.warn("a heading without words was left out", line)
            return []
        anchor = self.anchors.add(custom or gitbook_anchor(heading_text))
        if level == ARTICLE:
            heading_level = {"h1": "h2", "h2": "h2", "h3": "h3"}.get(tag, "h4")
            return [("heading", {"text": heading_text, "level": heading_level, "anchor": anchor})]
        # Within a container, a heading is part of the text, keeping its anchor.
        chunk[0].meta["anchor"] = anchor
        for child in inline.children or []:
            if child.type == "html_inline" and AnchorParser.id_of(child.content):
                child.content = ""
            if child.type == "text" and explicit and CUSTOM_ID.search(child.content):
                child.content = CUSTOM_ID.sub("", child.content)
        return [("text", Markup(chunk, line))]

    def image(self, src, alt, caption, line):
        if "://" in src:
            if not src.startswith(("http://", "https://")):
                self.warn(f"the image {src} is not on the web, so it was left out", line)
                return []
            return [("web_image", {"url": src, "alt_text": alt[:300], "caption": caption[:300]})]
        if not src:
            self.warn("an image without a source was left out", line)
            return []
        asset = self.asset_ref(src, "image", line)
        if asset is None:
            return []
        return [
            (
                "image",
                {
                    "image": {"image": asset, "decorative": not alt, "alt_text": alt},
                    "caption": caption[:300],
                },
            )
        ]

    def table(self, tokens, line):
        headings, rows, row = [], [], None
        for token in tokens:
            if token.type == "tr_open":
                row = []
            elif token.type == "inline" and row is not None:
                row.append(Markup([token], line, inline=True))
            elif token.type == "tr_close":
                if not headings:
                    headings = [cell.plain_text() for cell in row]
                else:
                    rows.append(row)
                row = None
        return table_value(headings, rows)

    def code(self, token, title, line):
        info = token.info.strip().split()[0].lower() if token.info.strip() else ""
        if info in NO_LANGUAGE:
            language = "text"
        elif CODE_LANGUAGE.fullmatch(info):
            language = info
        else:
            self.degrade("code language", f"code in {info!r} is shown as plain text", line)
            language = "text"
        return {"language": language, "title": title[:120], "code": token.content.rstrip("\n")}

    def diagram(self, token, caption, line):
        """A ```mermaid block as a diagram block; as code when Mermaid could not draw it."""
        source = token.content.rstrip("\n")
        error = mermaid_source_error(source)
        if error:
            self.degrade("mermaid", f"a Mermaid diagram is shown as code: {error}", line)
            return ("code", {"language": "mermaid", "title": caption[:120], "code": source})
        caption = " ".join(caption.split())[:300]
        value = {"source": source, "text_alternative": "", "caption": caption}
        self.diagram_lines[id(value)] = line
        return ("diagram", value)

    def quote(self, tokens, line, level):
        """A blockquote: its words with their emphasis and links, a last paragraph
        `— Attribution` as the attribution. Code or tables in it follow it."""
        paragraphs = [t for t in tokens if t.type == "inline"]
        attribution = ""
        if len(paragraphs) > 1 and paragraphs[-1].content.strip().startswith(("— ", "-- ", "– ")):
            attribution = inline_text(paragraphs[-1].children).split(" ", 1)[1].strip()[:200]
            last = tokens.index(paragraphs[-1])
            tokens = tokens[: last - 1] + tokens[last + 2 :]
        inner = self.token_blocks(tokens, line, min(level, NESTED))
        text = [value for block_type, value in inner if block_type == "text"]
        others = [block for block in inner if block[0] != "text"]
        if not text:
            return others
        if others:
            self.degrade("blockquote", "a quote holds text; the blocks in it follow it", line)
        return [("quote", {"text": sum(text[1:], text[0]), "attribution": attribution})] + others

    def list_with_blocks(self, chunk, line, level):
        """A list whose items hold code, tables or images. A numbered one becomes steps (its
        numbering goes on across the code); a bulleted one, its items in turn with their
        blocks between them."""
        items = list_items(chunk)
        for token in chunk:
            # A tight list hides its paragraphs; apart, each item's text is a paragraph.
            if token.type in ("paragraph_open", "paragraph_close"):
                token.hidden = False
        ordered = chunk[0].type == "ordered_list_open"
        if ordered and level > INNERMOST:
            start = int(chunk[0].attrs.get("start") or 1)
            if start != 1:
                self.degrade("list", f"numbered steps starting at {start} start at 1", line)
            steps = [
                {"title": "", "content": merge_text(self.token_blocks(item, line, level - 1))}
                for item in items
            ]
            return [("steps", {"steps": steps})]
        blocks = []
        close = "ordered_list_close" if ordered else "bullet_list_close"
        for item in items:
            inner = self.token_blocks(item, line, level)
            opening, closing = chunk[0], next(t for t in reversed(chunk) if t.type == close)
            for block_type, value in inner:
                if block_type == "text" and isinstance(value, Markup):
                    wrapped = [opening, list_item_open(opening), *value.tokens]
                    wrapped += [list_item_close(opening), closing]
                    blocks.append(("text", Markup(wrapped, value.line)))
                else:
                    blocks.append((block_type, value))
        return blocks

    def html_block(self, markup, line, level):
        """HTML as GitBook writes it: tables, card tables, figures and images; the rest is
        text."""
        soup = fragment(markup)
        blocks = []
        pending = []

        def flush():
            text = "".join(str(node) for node in pending).strip()
            if text:
                blocks.append(("text", HtmlMarkup(text, line)))
            pending.clear()

        for node in elements(soup):
            if isinstance(node, Comment):
                continue  # hidden from readers, GitBook's tags in it too
            if not isinstance(node, Tag):
                pending.append(node)
                continue
            if node.name == "table":
                flush()
                blocks.extend(self.html_table(node, line))
            elif node.name == "pre":
                flush()
                blocks.append(("code", self.html_code(node, line)))
            elif node.name in ("figure", "img", "picture") or (
                node.name in ("div", "p", "center", "a") and only_images(node)
            ):
                flush()
                for src, alt, caption in images_in(node):
                    blocks.extend(self.image(src, alt, caption, line))
            elif node.name in ("div", "center", "section") and any(
                isinstance(child, Tag) and child.name in ("table", "figure", "img")
                for child in node.find_all(recursive=False)
            ):
                flush()
                blocks.extend(self.html_block(node.decode_contents(), line, level))
            else:
                pending.append(node)
        flush()
        return blocks

    def html_code(self, pre, line):
        """Code GitBook wrote as HTML: `<pre class="language-x" data-title="app.js"><code>`."""
        classes = pre.get("class", []) + (pre.code.get("class", []) if pre.code else [])
        language = next(
            (name.split("-", 1)[1] for name in classes if name.startswith(("language-", "lang-"))),
            "",
        )
        language = language.lower() if CODE_LANGUAGE.fullmatch(language) else "text"
        code = pre.get_text().rstrip("\n")
        return {
            "language": language or "text",
            "title": pre.get("data-title", "")[:120],
            "code": code,
        }

    def html_table(self, table, line):
        headings, rows = table_rows(table)
        if table.get("data-view") == "cards":
            return self.cards(headings, rows, line)
        if not headings and rows:
            headings, rows = rows[0], rows[1:]
        columns = [" ".join(cell.get_text(" ").split()) for cell in headings]
        values = [[HtmlMarkup(cell_html(cell), line) for cell in row] for row in rows]
        if not columns:
            self.warn("an empty table was left out", line)
            return []
        return [("table", table_value(columns, values))]

    def cards(self, headings, rows, line):
        roles = card_columns(headings)
        cards = []
        for row in rows:
            texts, target, cover = [], "", ""
            for role, cell in zip(roles + ["text"] * len(row), row, strict=False):
                if role == "target":
                    target = first_link(cell)
                elif role == "cover":
                    cover = first_link(cell)
                elif role == "text" and cell.get_text().strip():
                    texts.append(cell)
            title = " ".join(texts[0].get_text(" ").split()) if texts else ""
            text = " ".join(cell_html(cell) for cell in texts[1:])
            card = {"title": title[:200] or "Untitled", "text": HtmlMarkup(text, line)}
            card["page"], card["url"] = None, ""
            if target:
                found = self.link_target(target)
                if isinstance(found, PageRef):
                    card["page"] = found
                elif isinstance(found, str) and found.startswith("http"):
                    card["url"] = found
                else:
                    self.warn(
                        f"the card links to {target!r}, which leads nowhere", line, BROKEN_LINK
                    )
            card["image"] = None
            if cover and "://" not in cover:
                card["image"] = self.asset_ref(cover, "image", line)
            cards.append(card)
        if not cards:
            self.warn("a card table without cards was left out", line)
            return []
        return [("cards", {"cards": cards})]

    # GitBook's blocks ------------------------------------------------------------------------

    def gitbook_block(self, segment, level):
        kind, attributes, line = segment.kind, segment.attributes, segment.line
        handler = {
            "hint": self.hint,
            "code": self.code_tag,
            "embed": self.embed,
            "content-ref": self.page_card,
            "page-ref": self.page_card,
            "file": self.file,
            "include": self.include,
            "math": self.math,
            "details": self.details,
            "tabs": self.tabs,
            "stepper": self.stepper,
            "columns": self.columns,
            "swagger": self.api_operation,
            "openapi": self.api_operation,
            "openapi-operation": self.api_operation,
            "updates": self.updates,
            "update": self.update,
            "prompt": self.prompt,
            PART_IN_DEVELOPMENT: self.part_in_development,
        }.get(kind)
        if kind in CONTAINERS and level == INNERMOST and kind != "hint":
            self.degrade(
                opening_label(kind),
                f"{opening_label(kind)} nested this deep is shown as its content",
                line,
            )
            return self.unwrapped(segment, level)
        if handler is None:
            self.degrade(
                opening_label(kind),
                f"{opening_label(kind)} has no block here; its content is kept",
                line,
            )
            return self.blocks(segment.children, level)
        del attributes
        return handler(segment, level)

    def unwrapped(self, segment, level):
        """A container shown as its content: each part's title in bold, then what it holds."""
        parts = segment.children
        if segment.kind == "details":
            parts = [("summary", segment.attributes.get("summary", ""), segment.children)]
        else:
            parts = [
                (child.kind, child.attributes.get("title", ""), child.children)
                for child in segment.children
                if not child.is_blank()
            ]
        blocks = []
        for _kind, title, children in parts:
            if title:
                blocks.extend(self.markdown_blocks(f"**{title}**", segment.line, level))
            blocks.extend(self.blocks(children, level))
        return blocks

    def updates(self, segment, level):
        """GitBook's changelog: its updates, each as its date and content (update())."""
        return self.blocks(segment.children, level)

    def update(self, segment, level):
        """A dated entry of a changelog. There is no changelog block: readers get its date (and
        tags) in bold, then what it says."""
        written = segment.attributes.get("date", "")
        try:
            when = dateformat.format(datetime.date.fromisoformat(written), "j F Y")
        except ValueError:
            when = written
        tags = segment.attributes.get("tags", "")
        label = " · ".join(part for part in (when, tags) if part)
        self.degrade("{% update %}", "an update is shown as its date and content", segment.line)
        return self.labelled(label, segment, level)

    def prompt(self, segment, level):
        """A prompt to copy into an AI assistant: its description in bold, then the prompt."""
        self.degrade("{% prompt %}", "a prompt is shown as its description and text", segment.line)
        return self.labelled(segment.attributes.get("description", ""), segment, level)

    def labelled(self, label, segment, level):
        blocks = []
        if label.strip():
            words = html.escape(" ".join(label.split()))
            blocks.append(("text", HtmlMarkup(f"<p><b>{words}</b></p>", segment.line)))
        return merge_text(blocks + self.blocks(segment.children, level))

    def hint(self, segment, level):
        line, written = segment.line, segment.attributes.get("style", "info")
        style = HINT_STYLES.get(written.lower())
        if style is None:
            self.degrade("hint style", f"the hint style {written!r} is shown as info", line)
            style = "info"
        inner = self.blocks(segment.children, max(level - 1, INNERMOST))
        if not inner:
            self.warn("an empty hint was left out", line)
            return []
        text = inner.pop(0)[1] if inner[0][0] == "text" else ""
        if level == INNERMOST:
            if inner:
                self.degrade(
                    "{% hint %}",
                    "a hint nested this deep holds text; its other blocks follow it",
                    line,
                )
            return [("hint", {"style": style, "text": text})] + inner
        return [("hint", {"style": style, "text": text, "content": inner})]

    def code_tag(self, segment, level):
        fences = [
            token
            for child in segment.children
            if child.kind == "markdown"
            for token in PARSER.parse(child.text())
            if token.type in ("fence", "code_block")
        ]
        if len(fences) != 1:
            self.degrade(
                "{% code %}",
                "{% code %} should hold one code fence; what it holds is kept as it is",
                segment.line,
            )
            return self.blocks(segment.children, level)
        title = segment.attributes.get("title", "")
        if is_mermaid(fences[0]):
            return [self.diagram(fences[0], title, segment.line)]
        return [("code", self.code(fences[0], title, segment.line))]

    def embed(self, segment, level):
        url = segment.attributes.get("url", "")
        caption = (segment.attributes.get("caption") or plain_text(segment.children))[:300]
        if not url.startswith(("http://", "https://")):
            self.warn(f"an embed of {url!r}, not a web address, was left out", segment.line)
            return self.markdown_blocks(caption, segment.line, level) if caption else []
        return [("embed", {"url": url, "caption": caption})]

    def page_card(self, segment, level):
        href = segment.attributes.get("url") or segment.attributes.get("page") or ""
        reference = self.link_target(href)
        label = link_text(segment.children)
        if isinstance(reference, PageRef):
            title = "" if label in ("", self.titles.get(reference.path)) else label
            title = title if title != posixpath.basename(href) else ""
            return [("card", {"page": reference, "title": title[:200], "description": ""})]
        if isinstance(reference, str) and reference.startswith("http"):
            return [
                (
                    "cards",
                    {
                        "cards": [
                            {
                                "title": (label or href)[:200],
                                "text": "",
                                "page": None,
                                "url": reference,
                                "image": None,
                            }
                        ]
                    },
                )
            ]
        self.warn(
            f"the card links to {href!r}, not a page of the book, and was left out",
            segment.line,
            BROKEN_LINK,
        )
        return []

    def file(self, segment, level):
        asset = self.asset_ref(segment.attributes.get("src", ""), "document", segment.line)
        if asset is None:
            return []
        caption = segment.attributes.get("caption") or plain_text(segment.children)
        return [("file", {"document": asset, "caption": caption[:300]})]

    def include(self, segment, level):
        """Reusable content: `{% include ".gitbook/includes/x.md" %}` is a reusable content block
        (every page using it shows the same snippet); inside a container, where a snippet
        cannot go, its content is copied in."""
        src = segment.attributes.get("") or segment.attributes.get("src") or ""
        path = self.file_path(src, segment.line, what="the include ")
        if not (self.root / path).is_file():
            self.warn(f"the include {src} does not exist, so it was left out", segment.line)
            return []
        if level >= NESTED:
            self.includes.add(path)
            return [("reusable", IncludeRef(path))]
        self.degrade(
            "{% include %}",
            "reusable content nested in a container is copied in, not shared",
            segment.line,
        )
        from .book import read_text  # noqa: PLC0415

        text = strip_front_matter(read_text(self.root / path, path))
        return self.convert(text, 1, level=level)

    def math(self, segment, level):
        tex = "\n".join(segment.lines).strip()
        if not tex:
            return []
        return [("math", {"tex": tex})]

    def details(self, segment, level):
        summary = segment.attributes.get("summary") or ""
        content = self.blocks(segment.children, level - 1)
        if not summary:
            self.degrade(
                "<details>", "<details> without a <summary> is titled 'Details'", segment.line
            )
            summary = "Details"
        if not content:
            self.warn("an empty <details> was left out", segment.line)
            return []
        return [("expandable", {"summary": summary[:200], "content": content})]

    def tabs(self, segment, level):
        tabs, outside = [], []
        for child in segment.children:
            if child.kind == "tab":
                title = child.attributes.get("title", "") or f"Tab {len(tabs) + 1}"
                tabs.append(
                    {"title": title[:80], "content": self.blocks(child.children, level - 1)}
                )
            elif not child.is_blank():
                outside.append(child)
        if outside:
            self.degrade("{% tabs %}", "content between tabs follows them", segment.line)
        titles = [tab["title"] for tab in tabs]
        for position, tab in enumerate(tabs):
            if titles.count(tab["title"]) > 1:
                tab["title"] = f"{tab['title']} ({position + 1})"[:80]
        if not tabs:
            self.warn("{% tabs %} without a tab was left out", segment.line)
            return self.blocks(outside, level)
        return [("tabs", {"tabs": tabs})] + self.blocks(outside, level)

    def stepper(self, segment, level):
        steps = []
        for child in segment.children:
            if child.kind != "step":
                if not child.is_blank():
                    self.degrade(
                        "{% stepper %}", "content between steps was put in a step", child.line
                    )
                    steps.append({"title": "", "content": self.blocks([child], level - 1)})
                continue
            title, children = step_title(child.children)
            steps.append({"title": title[:200], "content": self.blocks(children, level - 1)})
        if not steps:
            self.warn("{% stepper %} without a step was left out", segment.line)
            return []
        return [("steps", {"steps": steps})]

    def columns(self, segment, level):
        columns = [
            {"content": self.blocks(child.children, level - 1)}
            for child in segment.children
            if child.kind == "column"
        ]
        if not columns or len(columns) > 4:
            self.degrade("{% columns %}", "columns are shown one after another", segment.line)
            return self.unwrapped(segment, level)
        return [("columns", {"columns": columns})]

    def api_operation(self, segment, level):
        """{% swagger %} and {% openapi %}: the operation's method and path, its summary, the
        link to its OpenAPI description, and what the block says of it."""
        attributes = segment.attributes
        method = attributes.get("method", "get").lower()
        if method not in {"get", "post", "put", "patch", "delete", "head", "options"}:
            method = "get"
        spec = attributes.get("src") or attributes.get("url") or ""
        if not spec.startswith(("http://", "https://")):
            if spec:
                self.degrade(
                    opening_label(segment.kind),
                    f"the OpenAPI description {spec!r} is not a web address and is named only",
                    segment.line,
                )
            spec = ""
        details = []
        for child in segment.children:
            if child.kind == "swagger-description":
                details.extend(self.blocks(child.children, INNERMOST))
            elif child.kind == "swagger-parameter":
                name = html.escape(child.attributes.get("name", ""))
                facts = [child.attributes.get(key, "") for key in ("in", "type")]
                if child.attributes.get("required") == "true":
                    facts.append("required")
                about = ", ".join(html.escape(fact) for fact in facts if fact)
                words = plain_text(child.children)
                details.append(
                    (
                        "text",
                        HtmlMarkup(
                            f"<p><b>{name}</b>{f' ({about})' if about else ''}"
                            f"{': ' + html.escape(words) if words else ''}</p>",
                            child.line,
                        ),
                    )
                )
            elif child.kind == "swagger-response":
                status = html.escape(child.attributes.get("status", ""))
                description = html.escape(child.attributes.get("description", ""))
                description = f": {description}" if description else ""
                details.append(
                    (
                        "text",
                        HtmlMarkup(
                            f"<p><b>Response {status}</b>{description}</p>",
                            child.line,
                        ),
                    )
                )
                details.extend(self.blocks(child.children, INNERMOST))
            elif child.kind == "markdown" and segment.kind == "swagger" and not child.is_blank():
                details.extend(self.blocks([child], INNERMOST))
        details = [block for block in merge_text(details) if block[0] in ("text", "code")]
        path = attributes.get("path", "") or attributes.get("schemas", "") or "/"
        return [
            (
                "api_operation",
                {
                    "method": method,
                    "path": path[:300],
                    "summary": attributes.get("summary", "")[:300],
                    "spec_url": spec,
                    "details": details,
                },
            )
        ]

    def part_in_development(self, segment, level):
        """A part in development: its notice (a hint, whose words after "In development:" are
        the part's note), then its content, which may hold what the body around it may."""
        children = [child for child in segment.children if not child.is_blank()]
        if self.in_part:
            self.degrade(
                PART_IN_DEVELOPMENT_START,
                "a part in development cannot go inside another; its content is part of the "
                "one around it",
                segment.line,
            )
            return self.blocks(children, level)
        if level not in (ARTICLE, NESTED) or not children or children[0].kind != "hint":
            self.degrade(
                PART_IN_DEVELOPMENT_START,
                "a part in development starts with its notice hint, at the top level of a "
                "page; its content is kept without the notice",
                segment.line,
            )
            return self.blocks(children, level)
        self.in_part = True
        try:
            content = self.blocks(children[1:], level)
        finally:
            self.in_part = False
        if not content:
            self.warn("an empty part in development was left out", segment.line)
            return []
        return [("in_development", {"note": notice_note(children[0]), "content": content})]

    # Special sections ------------------------------------------------------------------------

    def take_section(self, blocks, title):
        """Remove the `## title` section from an article's blocks: (where it was, its blocks)."""
        for index, (block_type, value) in enumerate(blocks):
            if (
                block_type == "heading"
                and value["level"] == "h2"
                and value["text"].casefold() == title.casefold()
            ):
                end = next(
                    (
                        i
                        for i in range(index + 1, len(blocks))
                        if blocks[i][0] == "heading" and blocks[i][1]["level"] == "h2"
                    ),
                    len(blocks),
                )
                section = blocks[index + 1 : end]
                del blocks[index:end]
                return index, section
        return None

    def text_only(self, blocks, what):
        text = [value for block_type, value in blocks if block_type == "text"]
        if len(text) != len(blocks):
            self.warn(f"{what} holds text only; its other blocks were left out")
        return sum(text[1:], text[0]) if text else None

    def resources(self, blocks):
        """`* [Title](url) — note` items as resource values."""
        resources = []
        for block_type, value in blocks:
            if block_type != "text":
                raise StructureError("the Resources section holds only a list of links", self.path)
            for token in value.tokens:
                line = value.line + (token.map[0] if token.map else 0)
                if token.level == 0 and token.type not in ("bullet_list_open", "bullet_list_close"):
                    raise StructureError(
                        "the Resources section holds only a list of links (put other text "
                        "above its heading)",
                        self.path,
                        line,
                    )
                # Inline content of a top-level list item: list > item > paragraph > inline.
                if token.type == "inline" and token.level == 3:
                    resource = self.resource(token, line)
                    if resource is not None:
                        resources.append(resource)
        return resources

    def resource(self, inline, line):
        children = inline.children or []
        if not children or children[0].type != "link_open":
            raise StructureError(
                "each resource is a link, optionally followed by ' — note'", self.path, line
            )
        href = children[0].attrs.get("href", "")
        closing = next(i for i, child in enumerate(children) if child.type == "link_close")
        title = "".join(child.content for child in children[1:closing]).strip()
        note = "".join(child.content for child in children[closing + 1 :]).strip()
        note = note.lstrip("—–-: ").strip()
        if "://" in href:
            return {"title": title, "page": None, "url": href, "note": note}
        reference = self.page_ref(href)
        if reference is None:
            self.warn(f"the resource {href!r} is not a page of the book, so it was left out", line)
            return None
        same_title = title == self.titles.get(reference.path)
        return {"title": "" if same_title else title, "page": reference, "url": "", "note": note}


HTML_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)")
# Elements of HTML itself; `<devtron-url>` or `<string>` in a book's prose is a placeholder.
HTML_ELEMENTS = frozenset(  # noqa: SIM905 - a list of words reads better as words
    [
        "a",
        "abbr",
        "address",
        "article",
        "aside",
        "b",
        "bdi",
        "bdo",
        "blockquote",
        "br",
        "button",
        "caption",
        "center",
        "cite",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "details",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "font",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "i",
        "iframe",
        "img",
        "ins",
        "kbd",
        "label",
        "li",
        "main",
        "mark",
        "nav",
        "ol",
        "p",
        "picture",
        "pre",
        "q",
        "s",
        "samp",
        "section",
        "select",
        "option",
        "small",
        "source",
        "span",
        "strong",
        "style",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "time",
        "tr",
        "u",
        "ul",
        "var",
        "video",
        "wbr",
    ]
)


def is_html(markup):
    """Markup that starts with an element of HTML (or a comment)."""
    if markup.startswith("<!--"):
        return True
    match = HTML_TAG.match(markup)
    return match is not None and match.group(1).lower() in HTML_ELEMENTS


def is_hostable(path, kind):
    """Whether the site keeps a file of this kind (Wagtail's allowed extensions)."""
    extension = posixpath.splitext(path)[1].lower().lstrip(".")
    if kind == "image":
        allowed = getattr(settings, "WAGTAILIMAGES_EXTENSIONS", None) or IMAGE_EXTENSIONS
    else:
        allowed = getattr(settings, "WAGTAILDOCS_EXTENSIONS", None)
    return allowed is None or extension in allowed


IMAGE_EXTENSIONS = ["avif", "gif", "jpg", "jpeg", "png", "webp"]  # Wagtail's default


def clamp_to_root(path):
    """A normalised path without the `../` that would climb above the book's root."""
    while path == ".." or path.startswith("../"):
        path = path[3:] or "."
    return path


def defined_footnotes(text):
    """The labels of the footnotes `text` defines (`[^label]: …`), wherever in it."""
    env = {}
    tokens = FOOTNOTE_SCANNER.parse(text, env)
    return {token.meta["label"] for token in tokens if token.type == "footnote_reference_open"}


# Blocks only: where footnotes are defined, not what their text says.
FOOTNOTE_SCANNER = (
    MarkdownIt("commonmark", {"html": True})
    .use(footnote_plugin, inline=False, move_to_end=False)
    .disable("inline")
)


def relevel(token, shift):
    token.level += shift
    return token


def closing_index(tokens, index):
    token = tokens[index]
    if token.nesting != 1:
        return index
    for position in range(index + 1, len(tokens)):
        if tokens[position].level == token.level and tokens[position].nesting == -1:
            return position
    return len(tokens) - 1


def is_lone_image(inline):
    children = [
        c
        for c in inline.children or []
        if not (c.type in ("text", "softbreak") and not c.content.strip())
    ]
    return len(children) == 1 and children[0].type == "image"


BLOCK_TOKENS = {"fence", "code_block", "table_open", "html_block", "blockquote_open"}


def holds_blocks(chunk):
    """A list whose items hold more than text: code, a table, HTML, a quote or an image."""
    for index, token in enumerate(chunk):
        if token.type in BLOCK_TOKENS:
            return True
        if token.type == "paragraph_open" and is_lone_image(chunk[index + 1]):
            return True
    return False


def tighten_lists(tokens):
    """A list item's one paragraph without its <p>, as Wagtail's editor writes a list item and
    as markdown writes a tight list: whether the book left blank lines between its items or not,
    readers see the same list, and an export and import gives the same text. An item of two
    paragraphs keeps them apart."""
    items = []  # for each open list item, its own paragraphs' tokens
    for token in tokens:
        if token.type == "list_item_open":
            items.append((token.level + 1, []))
        elif token.type == "list_item_close":
            _, paragraph_tokens = items.pop()
            if len(paragraph_tokens) == 2:
                for paragraph_token in paragraph_tokens:
                    paragraph_token.hidden = True
        elif items and token.type in ("paragraph_open", "paragraph_close"):
            level, paragraph_tokens = items[-1]
            if token.level == level:
                paragraph_tokens.append(token)


def list_items(chunk):
    """The tokens inside each top-level item of a list's tokens."""
    items, depth = [], chunk[0].level + 1
    start = None
    for index, token in enumerate(chunk):
        if token.level == depth and token.type == "list_item_open":
            start = index + 1
        elif token.level == depth and token.type == "list_item_close" and start is not None:
            items.append(chunk[start:index])
            start = None
    return items


def list_item_open(list_open):
    return Token("list_item_open", "li", 1, level=list_open.level + 1)


def list_item_close(list_open):
    return Token("list_item_close", "li", -1, level=list_open.level + 1)


def table_value(headings, rows):
    """A table block's value: the header row names the columns; a column whose every cell is a
    number is a number column."""
    width = len(headings)
    rows = [list(row[:width]) + [Markup([], 0, inline=True)] * (width - len(row)) for row in rows]
    numeric = [
        bool(rows) and all(is_number(row[column].plain_text()) for row in rows)
        for column in range(width)
    ]
    columns = [
        {"type": "number" if numeric[i] else "text", "heading": heading[:200]}
        for i, heading in enumerate(headings)
    ]
    values = [
        {"values": [cell.plain_text() if numeric[i] else cell for i, cell in enumerate(row)]}
        for row in rows
    ]
    return {"table": {"caption": "", "columns": columns, "rows": values}}


def is_number(text):
    try:
        Decimal(text.strip())
    except InvalidOperation:
        return False
    return bool(text.strip()) and text.strip().lower() not in {"nan", "inf", "infinity", "-inf"}


HEADING_LINE = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")


def step_title(segments):
    """A step's title is the heading it starts with (`### Install`); the rest is its content."""
    for position, segment in enumerate(segments):
        if segment.is_blank():
            continue
        if segment.kind != "markdown":
            return "", segments
        lines = list(segment.lines)
        first = next(i for i, text in enumerate(lines) if text.strip())
        heading = HEADING_LINE.match(lines[first])
        if heading is None:
            return "", segments
        rest = type(segment)("markdown", segment.line + first + 1, lines[first + 1 :])
        title = "".join(
            child.content
            for token in PARSER.parseInline(heading.group(1))
            for child in token.children or ()
            if child.type in ("text", "code_inline")
        )
        return " ".join(title.split()), segments[:position] + [rest] + segments[position + 1 :]
    return "", segments


def strip_front_matter(text):
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        for index in range(1, len(lines)):
            if lines[index].strip() == "---":
                return "\n".join(lines[index + 1 :])
    return text


def front_matter_title(text):
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        for line in lines[1:]:
            if line.strip() == "---":
                break
            key, _, value = line.partition(":")
            if key.strip() == "title":
                return value.strip().strip("'\"")
    return ""


def markdown_source(segments):
    """The markdown lines of segments, GitBook blocks between them left out."""
    return "\n".join(line for s in segments if s.kind == "markdown" for line in s.lines)


def notice_note(hint):
    """The words of a part in development's notice after its "In development:", as plain text."""
    words = [
        inline_text(token.children)
        for token in PARSER.parse(markdown_source(hint.children))
        if token.children
    ]
    return NOTICE_PREFIX.sub("", " ".join(" ".join(words).split()), count=1)


def plain_text(segments):
    """The words of markdown segments (a caption), with markdown's escapes and emphasis read."""
    inline = [token for token in PARSER.parse(markdown_source(segments)) if token.type == "inline"]
    return " ".join(" ".join(inline_text(token.children) for token in inline).split())


def inline_text(children):
    """What a reader reads of a line of markdown: its text and code, with markdown's escapes,
    emphasis and link syntax gone (an image's alt text, an attribution, a caption)."""
    words = []
    for child in children or ():
        if child.type in ("text", "code_inline"):
            words.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            words.append(" ")
        elif child.type == "image":
            words.append(inline_text(child.children))
    return "".join(words)


def link_text(segments):
    for token in PARSER.parse(markdown_source(segments)):
        if token.type == "inline":
            for position, child in enumerate(token.children or []):
                if child.type == "link_open":
                    return token.children[position + 1].content.strip()
            return token.content.strip()
    return ""


def is_mermaid(fence):
    return fence.type == "fence" and fence.info.strip().lower().split()[:1] == ["mermaid"]


def diagram_description(block):
    """The text alternative a paragraph gives the diagram before it: the paragraph's words after
    DIAGRAM_DESCRIPTION in bold, or None for any other block."""
    kind, markup = block
    if kind != "text" or not isinstance(markup, Markup) or len(markup.tokens) != 3:
        return None
    # markdown-it starts a line that opens with emphasis with an empty text token.
    children = [c for c in markup.tokens[1].children or [] if c.type != "text" or c.content]
    if markup.tokens[0].type != "paragraph_open" or len(children) < 4:
        return None
    opening, label, closing = children[:3]
    if (opening.type, closing.type) != ("strong_open", "strong_close"):
        return None
    if " ".join(label.content.split()) != DIAGRAM_DESCRIPTION:
        return None
    return " ".join(inline_text(children[3:]).split()) or None


def derived_text_alternative(diagram):
    """What can be said of a diagram nobody described: its caption, else the words in its boxes
    in the order its source names them."""
    if diagram.get("caption"):
        return f"Diagram: {diagram['caption']}"
    labels = []
    for match in MERMAID_LABEL.finditer(diagram.get("source", "")):
        label = " ".join(next(group for group in match.groups() if group).split())
        if label and label not in labels:
            labels.append(label)
    if labels:
        return "Diagram of: " + ", ".join(labels[:30]) + "."
    return f"A {mermaid_diagram_type(diagram.get('source', ''))} diagram, not described in words."


def merge_text(blocks):
    """Consecutive runs of text are one text block, as an editor would write them."""
    merged = []
    for block in blocks:
        if block[0] == "text" and merged and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + block[1])
        else:
            merged.append(block)
    return merged


def keep_attribute(tag, attribute, value):
    if tag == "embed":
        if attribute == "embedtype":
            return value if value == "image" else None
        if attribute == "id":
            return value if value.isdigit() else None
    if tag == "ol" and attribute == "start":
        return value if value.isdigit() else None
    return value


CLEANER = nh3.Cleaner(
    tags=RICH_TEXT_TAGS,
    attributes=RICH_TEXT_ATTRIBUTES,
    attribute_filter=keep_attribute,
    url_schemes=URL_SCHEMES,
    link_rel=None,
)


def sanitise(markup):
    # Wagtail reads an image embed only in its self-closing form, which nh3 does not write.
    return EMBED.sub(image_embed, canonical_rich_text(CLEANER.clean(markup))).strip()


class AnchorParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.id = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.id = dict(attrs).get("id") or self.id

    @classmethod
    def id_of(cls, markup):
        parser = cls()
        parser.feed(markup)
        return parser.id
