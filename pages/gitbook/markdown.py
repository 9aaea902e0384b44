"""
A page's markdown, with GitBook's blocks, as StreamField data.

Two layers: GitBook's `{% tag %}` blocks (and `<details>`, `<figure>`) are a template syntax that
GitBook itself handles before markdown, so a small scanner splits them out, keeping fenced code
intact; everything between them is CommonMark, parsed by markdown-it-py.

Parsing happens before the pages exist, so links and assets stay as `PageRef` / `AssetRef` and
text stays as `Markup` (markdown-it tokens) until `resolve()` is given the ids.
"""

import html
import posixpath
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser

import nh3
from markdown_it import MarkdownIt

from django.utils.text import slugify

from . import GitBookError
from .book import book_file

HINT_STYLES = {
    "info": "info",
    "success": "success",
    "warning": "warning",
    "danger": "danger",
    # GitBook's legacy styles.
    "tip": "success",
    "working": "warning",
}
CODE_LANGUAGES = {
    "": "text",
    "text": "text",
    "plaintext": "text",
    "bash": "bash",
    "sh": "bash",
    "shell": "bash",
    "console": "bash",
    "zsh": "bash",
    "css": "css",
    "html": "html",
    "xml": "html",
    "java": "java",
    "javascript": "javascript",
    "js": "javascript",
    "jsx": "javascript",
    "typescript": "typescript",
    "ts": "typescript",
    "json": "json",
    "markdown": "markdown",
    "md": "markdown",
    "python": "python",
    "py": "python",
    "rust": "rust",
    "solidity": "solidity",
    "sol": "solidity",
    "elixir": "elixir",
    "ex": "elixir",
    "go": "go",
    "golang": "go",
    "yaml": "yaml",
    "yml": "yaml",
    "sql": "sql",
}
PAIRED_TAGS = {"hint", "tabs", "tab", "code", "content-ref"}
OPTIONALLY_PAIRED_TAGS = {"embed", "file"}
# GitBook has no block for a part of a page in development (pages.blocks.InDevelopmentBlock): the
# exporter writes its notice as a warning hint and marks where the part starts and ends with
# comments, which GitBook does not show. A part holds its notice, then its content.
PART_IN_DEVELOPMENT_START = "<!-- in-development -->"
PART_IN_DEVELOPMENT_END = "<!-- end in-development -->"
PART_IN_DEVELOPMENT = "in-development"
NOTICE_PREFIX = re.compile(r"^in development\s*[:.]?\s*", re.IGNORECASE)

# What rich text may hold: Wagtail's text features, plus the attributes of its page and
# document links. Everything else in raw HTML is removed.
RICH_TEXT_TAGS = {
    "p",
    "br",
    "b",
    "strong",
    "i",
    "em",
    "code",
    "s",
    "del",
    "sub",
    "sup",
    "a",
    "ul",
    "ol",
    "li",
    "h3",
    "h4",
    "hr",
}
RICH_TEXT_ATTRIBUTES = {"a": {"href", "linktype", "id", "anchor"}}
URL_SCHEMES = {"http", "https", "mailto"}

TAG_LINE = re.compile(r"^\s*\{%\s*(end)?([a-z][a-z-]*)\b(.*?)%\}\s*$")
TAG_ATTRIBUTE = re.compile(r'([a-zA-Z-]+)="([^"]*)"')
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def markdown_parser():
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    parser.add_render_rule("strong_open", lambda *args: "<b>")
    parser.add_render_rule("strong_close", lambda *args: "</b>")
    parser.add_render_rule("em_open", lambda *args: "<i>")
    parser.add_render_rule("em_close", lambda *args: "</i>")
    parser.add_render_rule("heading_open", render_heading_open)
    parser.add_render_rule("heading_close", render_heading_close)
    parser.add_render_rule("link_open", render_link_open)
    parser.add_render_rule("link_close", render_link_close)
    parser.add_render_rule("image", render_inline_image)
    # A line break in the source is only a space to a reader (and to an editor's rich text).
    parser.add_render_rule("softbreak", lambda *args: " ")
    return parser


def rich_text_heading(tag):
    # Inside rich text only h3 and h4 exist; page-level headings are heading blocks.
    return "h3" if tag in ("h1", "h2", "h3") else "h4"


def render_heading_open(self, tokens, idx, options, env):
    return f"<{rich_text_heading(tokens[idx].tag)}>"


def render_heading_close(self, tokens, idx, options, env):
    return f"</{rich_text_heading(tokens[idx].tag)}>\n"


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
    env["warn"]("an image inside a paragraph of text is kept as its alt text only")
    return html.escape(tokens[idx].content)


PARSER = markdown_parser()


@dataclass
class Markup:
    """Markdown that renders to rich text once page and document ids are known."""

    tokens: list
    line: int
    inline: bool = False  # a table cell: one inline token, rendered as a paragraph

    def __add__(self, other):
        return Markup(self.tokens + other.tokens, self.line)

    def render(self, env):
        rendered = PARSER.renderer.render(self.tokens, PARSER.options, env)
        return sanitise(f"<p>{rendered}</p>" if self.inline else rendered)

    def plain_text(self):
        paragraphs = [t.content for t in self.tokens if t.type == "inline"]
        return "\n\n".join(paragraph.strip() for paragraph in paragraphs if paragraph.strip())


@dataclass(frozen=True)
class PageRef:
    path: str
    anchor: str = ""


@dataclass(frozen=True)
class AssetRef:
    path: str
    kind: str  # "image" or "document"


@dataclass
class Segment:
    """A run of markdown lines, or a GitBook block holding segments of its own."""

    kind: str  # "markdown", a tag name, "details" or "figure"
    line: int
    lines: list = field(default_factory=list)
    attributes: dict = field(default_factory=dict)
    children: list = field(default_factory=list)


def scan(lines, first_line, path):
    """Split lines into markdown runs and GitBook blocks, nested as the tags nest."""
    root = Segment("root", first_line)
    stack = [root]
    fence = None

    def add_markdown(line_number, text):
        children = stack[-1].children
        if not children or children[-1].kind != "markdown":
            children.append(Segment("markdown", line_number))
        children[-1].lines.append(text)

    for offset, text in enumerate(lines):
        number = first_line + offset
        fence_match = FENCE.match(text)
        if fence is not None:
            add_markdown(number, text)
            if (
                fence_match
                and fence_match.group(1)[0] == fence[0]
                and len(fence_match.group(1)) >= len(fence)
            ):
                fence = None
            continue
        if fence_match:
            fence = fence_match.group(1)
            add_markdown(number, text)
            continue

        tag = TAG_LINE.match(text)
        stripped = text.strip()
        if tag:
            is_end, name, arguments = tag.group(1), tag.group(2), tag.group(3)
            if is_end:
                close(stack, name, number, path)
            else:
                segment = Segment(name, number, attributes=dict(TAG_ATTRIBUTE.findall(arguments)))
                stack[-1].children.append(segment)
                if name in PAIRED_TAGS or name in OPTIONALLY_PAIRED_TAGS:
                    stack.append(segment)
                else:
                    raise GitBookError(f"unknown GitBook block {{% {name} %}}", path, number)
            continue
        if stripped.startswith("<details"):
            segment = Segment("details", number)
            stack[-1].children.append(segment)
            stack.append(segment)
            summary = SummaryParser.summary_of(stripped)
            if summary is not None:
                segment.attributes["summary"] = summary
            continue
        if stripped.startswith("<summary") and stack[-1].kind == "details":
            stack[-1].attributes["summary"] = SummaryParser.summary_of(stripped) or ""
            continue
        if stripped == "</details>":
            close(stack, "details", number, path)
            continue
        if stripped == PART_IN_DEVELOPMENT_START:
            while stack[-1].kind in OPTIONALLY_PAIRED_TAGS:
                unwrap(stack[-2], stack.pop())
            if len(stack) > 1:
                raise GitBookError(
                    "a part in development cannot go inside a hint, tab, expandable or another "
                    "part in development",
                    path,
                    number,
                )
            segment = Segment(PART_IN_DEVELOPMENT, number)
            stack[-1].children.append(segment)
            stack.append(segment)
            continue
        if stripped == PART_IN_DEVELOPMENT_END:
            close(stack, PART_IN_DEVELOPMENT, number, path)
            continue
        if stripped.startswith("<figure") and stripped.endswith("</figure>"):
            stack[-1].children.append(
                Segment("figure", number, attributes=FigureParser.parse(stripped))
            )
            continue
        add_markdown(number, text)

    while len(stack) > 1:
        open_segment = stack.pop()
        if open_segment.kind in OPTIONALLY_PAIRED_TAGS:
            unwrap(stack[-1], open_segment)
            continue
        raise GitBookError(
            f"{opening_label(open_segment.kind)} is never closed", path, open_segment.line
        )
    return root.children


def close(stack, name, number, path):
    # An embed or file without its end tag holds nothing: what follows belongs to its parent.
    while stack[-1].kind in OPTIONALLY_PAIRED_TAGS and stack[-1].kind != name:
        unwrap(stack[-2], stack.pop())
    if stack[-1].kind != name:
        raise GitBookError(f"{closing_label(name)} without a matching opening", path, number)
    stack.pop()


def opening_label(kind):
    if kind == PART_IN_DEVELOPMENT:
        return PART_IN_DEVELOPMENT_START
    return "<details>" if kind == "details" else f"{{% {kind} %}}"


def closing_label(kind):
    if kind == PART_IN_DEVELOPMENT:
        return PART_IN_DEVELOPMENT_END
    return "</details>" if kind == "details" else f"{{% end{kind} %}}"


def unwrap(parent, segment):
    parent.children.extend(segment.children)
    segment.children = []


class SummaryParser(HTMLParser):
    """The text of a `<summary>` on a `<details>` line."""

    def __init__(self):
        super().__init__()
        self.inside, self.text = False, None

    def handle_starttag(self, tag, attrs):
        if tag == "summary":
            self.inside, self.text = True, ""

    def handle_endtag(self, tag):
        if tag == "summary":
            self.inside = False

    def handle_data(self, data):
        if self.inside:
            self.text += data

    @classmethod
    def summary_of(cls, markup):
        parser = cls()
        parser.feed(markup)
        return parser.text.strip() if parser.text is not None else None


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


class FigureParser(HTMLParser):
    """GitBook's `<figure><img src alt><figcaption>…</figcaption></figure>`."""

    def __init__(self):
        super().__init__()
        self.found = {"src": "", "alt": "", "caption": ""}
        self.in_caption = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.found["src"] = attrs.get("src") or ""
            self.found["alt"] = attrs.get("alt") or ""
        elif tag == "figcaption":
            self.in_caption = True

    def handle_endtag(self, tag):
        if tag == "figcaption":
            self.in_caption = False

    def handle_data(self, data):
        if self.in_caption:
            self.found["caption"] += data

    @classmethod
    def parse(cls, markup):
        parser = cls()
        parser.feed(markup)
        parser.found["caption"] = " ".join(parser.found["caption"].split())
        return parser.found


class PageConverter:
    """Converts one page's body. `titles` maps every page path of the book to its title."""

    def __init__(self, path, titles, root):
        self.path, self.titles, self.root = path, titles, root
        self.directory = posixpath.dirname(path)
        self.warnings = []

    # Paths -----------------------------------------------------------------------------------

    def book_path(self, href):
        """A relative link from this page, as a path from the book's root (None if outside)."""
        joined = posixpath.normpath(posixpath.join(self.directory, href))
        return None if joined.startswith("..") else joined

    def page_ref(self, href):
        target, _, anchor = href.partition("#")
        path = self.book_path(target) if target else self.path
        if path is None:
            return None
        for candidate in (path, posixpath.join(path, "README.md")):
            if candidate in self.titles:
                return PageRef(candidate, anchor)
        return None

    def file_path(self, href, line=None, what=""):
        """
        A file this page names, as a path from the book's root. GitBookError if it leads out of
        the book (`../` past the root, an absolute path, a symbolic link): an image, a file or
        a link is never read from outside the book, whether or not it exists there.
        """
        path = posixpath.normpath(posixpath.join(self.directory, href))
        book_file(self.root, path, self.path, line, what=what, written=href)
        return path

    def asset_ref(self, src, kind, line):
        path = self.file_path(src, line, what=f"the {'image' if kind == 'image' else 'file'} ")
        if not (self.root / path).is_file():
            self.warn(f"{src} does not exist, so the {kind} was left out", line)
            return None
        return AssetRef(path, kind)

    def warn(self, message, line=None):
        where = f"{self.path}, line {line}" if line else self.path
        self.warnings.append(f"{where}: {message}.")

    # Blocks ----------------------------------------------------------------------------------

    def convert(self, text, first_line, article=True):
        """The body as [(block type, value)], headings as blocks only when `article`."""
        segments = scan(text.split("\n"), first_line, self.path)
        return self.blocks(segments, article)

    def blocks(self, segments, article):
        blocks = []
        for segment in segments:
            if segment.kind == "markdown":
                blocks.extend(self.markdown_blocks(segment, article))
            else:
                blocks.extend(self.gitbook_block(segment, article))
        return merge_text(blocks)

    def markdown_blocks(self, segment, article):
        tokens = PARSER.parse("\n".join(segment.lines))
        blocks = []
        index = 0
        while index < len(tokens):
            token = tokens[index]
            end = closing_index(tokens, index)
            line = segment.line + (token.map[0] if token.map else 0)
            chunk = tokens[index : end + 1]
            index = end + 1
            if token.type == "heading_open" and article:
                blocks.append(self.heading(chunk[1], token.tag, line))
            elif token.type == "paragraph_open" and is_lone_image(chunk[1]):
                image = chunk[1].children[0]
                blocks.extend(
                    self.image(
                        image.attrs.get("src", ""),
                        image.content,
                        image.attrs.get("title") or "",
                        line,
                    )
                )
            elif token.type == "table_open":
                blocks.append(("table", self.table(chunk, line)))
            elif token.type in ("fence", "code_block"):
                blocks.append(("code", self.code(token, title="", line=line)))
            elif token.type == "blockquote_open":
                blocks.append(("quote", quote(chunk[1:-1])))
            else:
                blocks.append(("text", Markup(chunk, line)))
        return blocks

    def heading(self, inline, tag, line):
        level = {"h1": "h2", "h2": "h2", "h3": "h3"}.get(tag, "h4")
        anchor = ""
        text = []
        for child in inline.children or []:
            if child.type == "html_inline":
                # GitBook's custom anchor: `## Title <a href="#anchor" id="anchor"></a>`.
                anchor = AnchorParser.id_of(child.content) or anchor
            elif child.type in ("text", "code_inline"):
                text.append(child.content)
        heading_text = " ".join("".join(text).split())
        anchor = slugify(anchor) or slugify(heading_text)
        return ("heading", {"text": heading_text, "level": level, "anchor": anchor})

    def image(self, src, alt, caption, line):
        if "://" in src:
            self.warn(f"the image {src} is not in the book's assets, so it was left out", line)
            return []
        asset = self.asset_ref(src, "image", line)
        if asset is None:
            return []
        return [
            (
                "image",
                {
                    "image": {"image": asset, "decorative": not alt, "alt_text": alt},
                    "caption": caption,
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
        numeric = [
            bool(rows) and all(is_number(r[column].plain_text()) for r in rows if column < len(r))
            for column in range(len(headings))
        ]
        columns = [
            {"type": "number" if numeric[i] else "text", "heading": heading}
            for i, heading in enumerate(headings)
        ]
        values = [
            {
                "values": [
                    cell.plain_text() if numeric[i] else cell
                    for i, cell in enumerate(r[: len(headings)])
                ]
            }
            for r in rows
        ]
        return {"table": {"caption": "", "columns": columns, "rows": values}}

    def code(self, token, title, line):
        info = token.info.strip().split()[0].lower() if token.info.strip() else ""
        language = CODE_LANGUAGES.get(info)
        if language is None:
            self.warn(f"code in {info!r} is shown as plain text", line)
            language = "text"
        return {"language": language, "title": title, "code": token.content.rstrip("\n")}

    def gitbook_block(self, segment, article):
        kind, attributes, line = segment.kind, segment.attributes, segment.line
        if kind == "hint":
            style = HINT_STYLES.get(attributes.get("style", "info"))
            if style is None:
                raise GitBookError(
                    f"unknown hint style {attributes.get('style')!r} "
                    f"(use {', '.join(sorted(HINT_STYLES))})",
                    self.path,
                    line,
                )
            inner = self.blocks(segment.children, article=False)
            text = [value for block_type, value in inner if block_type == "text"]
            if len(text) != len(inner):
                self.warn("a hint holds text only; its other blocks follow it", line)
            hint = ("hint", {"style": style, "text": sum(text[1:], text[0]) if text else ""})
            return [hint] + [block for block in inner if block[0] != "text"]
        if kind == "code":
            fences = [
                t
                for child in segment.children
                if child.kind == "markdown"
                for t in PARSER.parse("\n".join(child.lines))
                if t.type in ("fence", "code_block")
            ]
            if len(fences) != 1:
                raise GitBookError("{% code %} must hold exactly one code fence", self.path, line)
            return [("code", self.code(fences[0], attributes.get("title", ""), line))]
        if kind == "embed":
            url = attributes.get("url", "")
            if not url.startswith(("http://", "https://")):
                raise GitBookError("{% embed %} needs an http(s) url", self.path, line)
            return [("embed", {"url": url, "caption": plain_text(segment.children)})]
        if kind == "content-ref":
            reference = self.page_ref(attributes.get("url", ""))
            if reference is None:
                self.warn(
                    f"the card links to {attributes.get('url')!r}, not a page of the book", line
                )
                return []
            label = link_text(segment.children)
            title = "" if label == self.titles.get(reference.path) else label
            return [("card", {"page": reference, "title": title, "description": ""})]
        if kind == "file":
            asset = self.asset_ref(attributes.get("src", ""), "document", line)
            if asset is None:
                return []
            caption = attributes.get("caption") or plain_text(segment.children)
            return [("file", {"document": asset, "caption": caption})]
        if kind == "figure":
            return self.image(attributes["src"], attributes["alt"], attributes["caption"], line)
        if kind == PART_IN_DEVELOPMENT:
            return [("in_development", self.part_in_development(segment, article))]
        if kind in ("details", "tabs") and not article:
            raise GitBookError(
                f"{'<details>' if kind == 'details' else '{% tabs %}'} cannot go inside a "
                "hint, tab, expandable or FAQ answer",
                self.path,
                line,
            )
        if kind == "details":
            summary = attributes.get("summary") or ""
            if not summary:
                raise GitBookError("<details> needs a <summary>", self.path, line)
            return [
                (
                    "expandable",
                    {"summary": summary, "content": self.blocks(segment.children, False)},
                )
            ]
        if kind == "tabs":
            tabs = []
            for child in segment.children:
                if child.kind == "tab":
                    tabs.append(
                        {
                            "title": child.attributes.get("title", ""),
                            "content": self.blocks(child.children, False),
                        }
                    )
                elif child.kind != "markdown" or "".join(child.lines).strip():
                    raise GitBookError(
                        "{% tabs %} may hold only {% tab %} blocks", self.path, child.line
                    )
            return [("tabs", {"tabs": tabs})]
        raise GitBookError(f"{{% {kind} %}} cannot go here", self.path, line)

    def part_in_development(self, segment, article):
        """A part in development: its notice (a hint, whose words after "In development:" are
        the part's note), then its content, which may hold what the body around it may."""
        children = [
            child
            for child in segment.children
            if child.kind != "markdown" or "".join(child.lines).strip()
        ]
        if not children or children[0].kind != "hint":
            raise GitBookError(
                f"a part in development starts with its notice, a {{% hint %}} after "
                f"{PART_IN_DEVELOPMENT_START}",
                self.path,
                segment.line,
            )
        content = self.blocks(children[1:], article)
        if not content:
            raise GitBookError(
                f"a part in development holds nothing before {PART_IN_DEVELOPMENT_END}",
                self.path,
                segment.line,
            )
        return {"note": notice_note(children[0]), "content": content}

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
                raise GitBookError("the Resources section holds only a list of links", self.path)
            for token in value.tokens:
                line = value.line + (token.map[0] if token.map else 0)
                if token.level == 0 and token.type not in ("bullet_list_open", "bullet_list_close"):
                    raise GitBookError(
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
            raise GitBookError(
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
        c for c in inline.children or [] if not (c.type == "text" and not c.content.strip())
    ]
    return len(children) == 1 and children[0].type == "image"


def is_number(text):
    try:
        Decimal(text.strip())
    except InvalidOperation:
        return False
    return bool(text.strip()) and text.strip().lower() not in {"nan", "inf", "infinity", "-inf"}


def quote(tokens):
    paragraphs = [t.content.strip() for t in tokens if t.type == "inline" and t.content.strip()]
    attribution = ""
    if len(paragraphs) > 1 and paragraphs[-1].startswith(("— ", "-- ", "– ")):
        attribution = paragraphs.pop().split(" ", 1)[1].strip()
    return {"text": "\n\n".join(paragraphs), "attribution": attribution}


def notice_note(hint):
    """The words of a part in development's notice after its "In development:", as plain text."""
    words = []
    for token in PARSER.parse(
        "\n".join(line for s in hint.children if s.kind == "markdown" for line in s.lines)
    ):
        for child in token.children or ():
            if child.type in ("text", "code_inline"):
                words.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                words.append(" ")
    return NOTICE_PREFIX.sub("", " ".join("".join(words).split()), count=1)


def plain_text(segments):
    text = "\n".join(line for s in segments if s.kind == "markdown" for line in s.lines)
    return " ".join(text.split())


def link_text(segments):
    tokens = PARSER.parse(
        "\n".join(line for s in segments if s.kind == "markdown" for line in s.lines)
    )
    for token in tokens:
        if token.type == "inline":
            for position, child in enumerate(token.children or []):
                if child.type == "link_open":
                    return token.children[position + 1].content.strip()
            return token.content.strip()
    return ""


def merge_text(blocks):
    """Consecutive runs of text are one text block, as an editor would write them."""
    merged = []
    for block in blocks:
        if block[0] == "text" and merged and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + block[1])
        else:
            merged.append(block)
    return merged


def sanitise(markup):
    return nh3.clean(
        markup,
        tags=RICH_TEXT_TAGS,
        attributes=RICH_TEXT_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
    ).strip()
