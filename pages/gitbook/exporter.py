"""
Writing the live page tree back out as a GitBook book, the inverse of `importer`.

Only live pages are exported (a draft never leaves the site), each block is written as the
GitBook markdown that the importer reads back into the same block, and images and documents are
copied into `.gitbook/assets/`.
"""

import html
import posixpath
import re
import unicodedata
from pathlib import Path

import yaml
from bs4 import BeautifulSoup, Tag
from markdownify import MarkdownConverter, chomp

from django.utils.text import slugify

from wagtail.models import Page

from pages.gitbook.anchors import Anchors, gitbook_anchor
from pages.gitbook.markdown import (
    DIAGRAM_DESCRIPTION,
    PART_IN_DEVELOPMENT_END,
    PART_IN_DEVELOPMENT_START,
)
from pages.gitbook.types import COMMON_KEYS, GROUP, type_of
from pages.models import ReusableContent

ASSETS = ".gitbook/assets"
INCLUDES = ".gitbook/includes"  # reusable content, GitBook's {% include %}
FOOTNOTE = re.compile(r"user-content-fn-(\d+)")  # pages.gitbook.markdown.FOOTNOTE_ANCHOR


class RichTextToMarkdown(MarkdownConverter):
    """Wagtail's stored rich text as markdown, with page and document links as book paths.

    Its words are written to read as themselves (escape_markdown_text): an importer, GitBook or
    any other markdown reader reads the same text back, so that an export of a re-imported book
    is the same, byte for byte, as the first."""

    def __init__(self, exporter, current_path, **options):
        # `<page.md>` is no link to a markdown reader: every link is written [text](href).
        super().__init__(heading_style="ATX", bullets="*", autolinks=False, **options)
        self.exporter, self.current_path = exporter, current_path

    def emphasis(self, el, text, marker, tag):
        """`**bold**`, or `<b>bold</b>` where markdown would not read the asterisks as bold:
        next to a letter outside and punctuation inside (`**`x`**and`, `**a***.*`)."""
        prefix, suffix, inner = chomp(text)
        if not inner:
            return ""
        before = prefix[-1:] or text_of(el.previous_sibling)[-1:]
        after = suffix[:1] or text_of(el.next_sibling)[:1]
        # Right after or before other emphasis, the asterisks would run together.
        touching = (not prefix and is_emphasis(el.previous_sibling)) or (
            not suffix and is_emphasis(el.next_sibling)
        )
        if not touching and can_flank(inner[0], before) and can_flank(inner[-1], after):
            return f"{prefix}{marker}{inner}{marker}{suffix}"
        return f"{prefix}<{tag}>{inner}</{tag}>{suffix}"

    def convert_b(self, el, text, parent_tags):
        return self.emphasis(el, text, "**", "b")

    def convert_i(self, el, text, parent_tags):
        return self.emphasis(el, text, "*", "i")

    convert_strong, convert_em = convert_b, convert_i

    def escape(self, text, parent_tags):
        return escape_markdown_text(text)

    def convert_hN(self, n, el, text, parent_tags):  # noqa: N802 - markdownify's name
        """A heading in the text (inside a hint, a tab, an FAQ answer) keeps its anchor: named
        only when it is not the one GitBook would give it there (MarkdownWriter.heading)."""
        heading = super().convert_hN(n, el, text, parent_tags)
        anchor = self.exporter.anchor_to_write(el.get_text(), el.get("id"))
        if anchor and heading.rstrip("\n"):
            heading = heading.rstrip("\n") + f" {anchor_html(anchor)}\n\n"
        return heading

    def convert_mark(self, el, text, parent_tags):
        return f"<mark>{text}</mark>" if text else ""

    def convert_sup(self, el, text, parent_tags):
        number = footnote_reference(el)
        if number:
            return f"[^{number}]"
        return f"<sup>{text}</sup>" if text else ""

    def convert_li(self, el, text, parent_tags):
        """A footnote (the importer's numbered list item with a footnote's id) as `[^1]: text`,
        its later paragraphs indented under it; any other item as markdownify writes it."""
        match = FOOTNOTE.fullmatch(el.get("id") or "")
        if not match or el.parent is None or el.parent.name != "ol":
            return super().convert_li(el, text, parent_tags)
        lines = (text or "").strip().split("\n")
        body = "\n".join([lines[0]] + [f"    {line}" if line else "" for line in lines[1:]])
        return f"[^{match.group(1)}]: {body}\n\n"

    def convert_sub(self, el, text, parent_tags):
        return f"<sub>{text}</sub>" if text else ""

    def convert_embed(self, el, text, parent_tags):
        """An image in the text (Wagtail's image embed) as a markdown image."""
        from wagtail.images import get_image_model  # noqa: PLC0415

        image = get_image_model().objects.filter(pk=el.get("id") or 0).first()
        if image is None:
            return ""
        src = self.exporter.asset_href("image", image, self.current_path)
        return f"![{escape_markdown_text(el.get('alt') or '')}]({link_destination(src)})"

    def convert_a(self, el, text, parent_tags):
        href = self.exporter.link_href(el, self.current_path)
        if not href:
            return text
        el["href"] = link_destination(href)
        return super().convert_a(el, text, parent_tags)


class MarkdownWriter:
    """A page as GitBook markdown: front matter, title and body, every block in the form the
    importer reads back. Where links and assets point is for subclasses to say."""

    def __init__(self):
        self.warnings = []
        self.anchors = None

    def page_markdown(self, page, path):
        # The anchors GitBook will give the page's headings, in reading order (heading()).
        self.anchors = Anchors()
        front_matter = self.front_matter(page)
        parts = []
        if front_matter:
            dumped = yaml.safe_dump(front_matter, sort_keys=False, allow_unicode=True, width=1000)
            parts.append(f"---\n{dumped}---\n")
        parts.append(f"# {escape_markdown_text(page.title)}\n")
        parts.append(self.page_body(page, path))
        return "\n".join(part for part in parts if part).rstrip() + "\n"

    def page_href(self, page_id, anchor, current_path):
        raise NotImplementedError

    def document_href(self, document_id, current_path):
        raise NotImplementedError

    def asset_href(self, kind, asset, current_path):
        raise NotImplementedError

    def link_href(self, link, current_path):
        """Where a link of stored rich text (a BeautifulSoup element) leads from this page."""
        linktype = link.get("linktype")
        if linktype == "page":
            return self.page_href(link.get("id"), link.get("anchor"), current_path)
        if linktype == "document":
            return self.document_href(link.get("id"), current_path)
        return link.get("href") or ""

    def front_matter(self, page):
        """The keys its page type writes (pages/gitbook/types.py), those with a value."""
        page_type = type_of(page)
        data = {}
        for key in page_type.keys if page_type else COMMON_KEYS:
            value = key.value_of(page)
            if value:
                data[key.name] = value
        return data

    def page_body(self, page, path):
        page_type = type_of(page)
        return page_type.write_body(self, page, path) if page_type else ""

    def plain_text(self, text):
        """Text as markdown that reads as itself."""
        return escape_markdown_text(text)

    def rich_text(self, source, path):
        if not source:
            return ""
        converter = RichTextToMarkdown(self, path)
        return converter.convert(source).strip()

    # Blocks: BLOCK_WRITERS, after the class, names the writer of each block type --------------

    def stream(self, stream, path):
        return "\n\n".join(filter(None, (self.block(b.block_type, b.value, path) for b in stream)))

    def block(self, block_type, value, path):
        write = BLOCK_WRITERS.get(block_type)
        if write is None:
            self.warnings.append(
                f"{path}: a {block_type} block has no GitBook form and was left out."
            )
            return ""
        return write(self, value, path)

    def text(self, value, path):
        return self.rich_text(value.source, path)

    def heading(self, value, path):
        heading = f"{'#' * int(value['level'][1])} {escape_markdown_text(value['text'])}"
        anchor = self.anchor_to_write(value["text"], value.get("anchor"))
        return f"{heading} {anchor_html(anchor)}" if anchor else heading

    def anchor_to_write(self, text, anchor):
        """The heading's anchor when the book must name it: when it is not the one GitBook gives
        a heading of this text at this place on the page (pages/gitbook/anchors.py, counting the
        page's headings in reading order, as the importer does). None otherwise."""
        expected = self.anchors.add(gitbook_anchor(text)) if self.anchors is not None else None
        return anchor if anchor and anchor != expected else None

    def hint(self, value, path):
        parts = [self.rich_text(value["text"].source if value.get("text") else "", path)]
        if value.get("content"):
            parts.append(self.stream(value["content"], path))
        text = "\n\n".join(part for part in parts if part)
        return f'{{% hint style="{value["style"]}" %}}\n{text}\n{{% endhint %}}'

    def quote(self, value, path):
        text = self.rich_text(value["text"].source if value.get("text") else "", path)
        lines = [f"> {line}" if line else ">" for line in text.split("\n")]
        if value.get("attribution"):
            lines += [">", f"> — {escape_markdown_text(value['attribution'])}"]
        return "\n".join(lines)

    def web_image(self, value, path):
        url = value.get("url")
        if not url:
            return ""
        alt, caption = value.get("alt_text") or "", value.get("caption") or ""
        if caption:
            return figure_html(url, alt, caption)
        return f"![{escape_markdown_text(alt)}]({link_destination(url)})"

    def math(self, value, path):
        return f"$$\n{formula_text(value['tex'])}\n$$"

    def api_operation(self, value, path):
        attributes = [
            ("method", value.get("method") or "get"),
            ("path", escape_attribute(value.get("path") or "")),
            ("summary", escape_attribute(value.get("summary") or "")),
            ("src", tag_url(value.get("spec_url") or "")),
        ]
        written = " ".join(f'{name}="{written}"' for name, written in attributes if written)
        parts = [f"{{% swagger {written} %}}"]
        if value.get("details"):
            details = self.stream(value["details"], path)
            parts.append(f"{{% swagger-description %}}\n{details}\n{{% endswagger-description %}}")
        parts.append("{% endswagger %}")
        return "\n".join(parts)

    def cards(self, value, path):
        cards = list(value["cards"])
        covers = any(card.get("image") for card in cards)
        # GitBook's card table: title, text, and hidden columns of where each card leads and
        # its cover image (left out when no card has one).
        head = '<th></th><th></th><th data-hidden data-card-target data-type="content-ref"></th>'
        if covers:
            head += '<th data-hidden data-card-cover data-type="files"></th>'
        rows = []
        for card in cards:
            target = ""
            if card.get("page") is not None:
                href = self.page_href(card["page"].pk, None, path)
                if href:
                    name = posixpath.basename(href) if "://" not in href else href
                    target = f'<a href="{escape_html(href)}">{escape_html(name)}</a>'
            elif card.get("url"):
                url = escape_html(card["url"])
                target = f'<a href="{url}">{url}</a>'
            text = self.card_text(card["text"].source if card.get("text") else "", path)
            row = (
                f"<td><strong>{escape_html(card['title'])}</strong></td><td>{text}</td>"
                f"<td>{target}</td>"
            )
            if covers:
                cover = ""
                if card.get("image") is not None:
                    src = self.asset_href("image", card["image"], path)
                    cover = (
                        f'<a href="{escape_html(src)}">{escape_html(posixpath.basename(src))}</a>'
                    )
                row += f"<td>{cover}</td>"
            rows.append(f"<tr>{row}</tr>")
        return (
            f'<table data-view="cards"><thead><tr>{head}</tr></thead><tbody>'
            + "".join(rows)
            + "</tbody></table>"
        )

    def card_text(self, source, path):
        """A card's text as the HTML of its cell: the stored rich text with its page and
        document links as book paths, and one paragraph written as its words alone."""
        if not source:
            return ""
        soup = BeautifulSoup(source, "html.parser")
        for link in soup.find_all("a"):
            href = self.link_href(link, path)
            if href:
                link.attrs = {"href": href}
            else:  # a link to a page that is not live: its words stay
                link.unwrap()
        for element in soup.find_all(True):
            if element.name != "a":
                element.attrs = {}  # Draftail's data-block-key and the like
        if len(soup.contents) == 1 and soup.contents[0].name == "p":
            soup.p.unwrap()
        return without_gitbook_tags(str(soup))

    def steps(self, value, path):
        steps = []
        for step in value["steps"]:
            title = f"### {escape_markdown_text(step['title'])}\n\n" if step.get("title") else ""
            steps.append(
                f"{{% step %}}\n{title}{self.stream(step['content'], path)}\n{{% endstep %}}"
            )
        return "{% stepper %}\n" + "\n".join(steps) + "\n{% endstepper %}"

    def columns(self, value, path):
        columns = [
            f"{{% column %}}\n{self.stream(column['content'], path)}\n{{% endcolumn %}}"
            for column in value["columns"]
        ]
        return "{% columns %}\n" + "\n".join(columns) + "\n{% endcolumns %}"

    def reusable(self, value, path):
        if value is None:  # the snippet was deleted: readers see nothing
            return ""
        return self.reusable_content(value, path)

    def reusable_content(self, snippet, path):
        """What a page's Markdown view shows of reusable content: its content, as readers see
        it. A book includes it instead (BookExporter)."""
        return self.stream(snippet.body, path)

    def image(self, value, path):
        image = value["image"]
        if image is None:
            return ""
        src = self.asset_href("image", image, path)
        alt = "" if getattr(image, "decorative", False) else image.contextual_alt_text
        caption = value.get("caption") or ""
        if caption:
            return figure_html(src, alt, caption)
        return f"![{escape_markdown_text(alt)}]({link_destination(src)})"

    def embed(self, value, path):
        url = tag_url(value["url"])
        caption = value.get("caption")
        if caption:
            caption = escape_markdown_text(caption)
            return f'{{% embed url="{url}" %}}\n{caption}\n{{% endembed %}}'
        return f'{{% embed url="{url}" %}}'

    def code(self, value, path):
        fence = "```"
        while fence in value["code"]:
            fence += "`"
        language = "" if value["language"] == "text" else value["language"]
        block = f"{fence}{language}\n{value['code']}\n{fence}"
        if value.get("title"):
            title = escape_attribute(value["title"])
            return f'{{% code title="{title}" %}}\n{block}\n{{% endcode %}}'
        return block

    def diagram(self, value, path):
        """A ```mermaid block, as GitBook draws one: in a {% code %} with its caption as the
        title, then its text alternative as the paragraph the importer reads it back from."""
        source = value.get("source") or ""
        block = self.code(
            {"language": "mermaid", "code": source, "title": value.get("caption")}, path
        )
        described = " ".join((value.get("text_alternative") or "").split())
        if not described:
            return block
        return f"{block}\n\n**{DIAGRAM_DESCRIPTION}** {escape_markdown_text(described)}"

    def table(self, value, path):
        table = value["table"]
        if not table.columns:
            return ""
        if table.caption:
            self.warnings.append(
                f"{path}: GitBook tables have no caption; {table.caption!r} was left out."
            )

        def cell(value):
            if hasattr(value, "source"):
                value = self.cell_text(value.source, path)
            else:  # plain text: written to read as itself
                value = escape_markdown_text(value if value is not None else "")
            return " ".join(str(value).split()).replace("|", "\\|")

        lines = [
            "| " + " | ".join(cell(column["heading"]) for column in table.columns) + " |",
            "| " + " | ".join("---" for _ in table.columns) + " |",
        ]
        for row in table.row_data:
            lines.append("| " + " | ".join(cell(value) for value in row["values"]) + " |")
        return "\n".join(lines)

    def cell_text(self, source, path):
        """A table cell on the one line markdown gives it: its text, or, for paragraphs or a
        list, the HTML GitBook itself writes in a cell (`<p>…</p><p>…</p>`, `<ul><li>…`) with
        markdown inside."""
        blocks = [child for child in BeautifulSoup(source, "html.parser").children if child.name]
        if len(blocks) < 2 and not any(block.name in ("ul", "ol") for block in blocks):
            return self.cell_line(source, path)
        return "".join(self.cell_block(block, path) for block in blocks)

    def cell_block(self, block, path):
        if block.name not in ("ul", "ol"):
            return f"<p>{self.cell_line(block.decode_contents(), path)}</p>"
        items = []
        for item in block.find_all("li", recursive=False):
            lists = [child for child in item.children if child.name in ("ul", "ol")]
            words = "".join(str(child) for child in item.children if child not in lists)
            nested = "".join(self.cell_block(inner, path) for inner in lists)
            items.append(f"<li>{self.cell_line(words, path)}{nested}</li>")
        return f"<{block.name}>{''.join(items)}</{block.name}>"

    def cell_line(self, source, path):
        """Inline text in a table cell, its line breaks as `<br>` (markdown's hard break, two
        spaces at a line's end, cannot be written on a cell's line)."""
        return self.rich_text(source, path).replace("  \n", "<br>")

    def card(self, value, path):
        page = value.get("page")
        if page is None:
            return ""
        href = self.page_href(page.pk, None, path)
        if not href:
            return ""  # a page readers cannot reach: neither its address nor its title
        title = value.get("title") or page.title
        if href.startswith("http"):
            return f"[{escape_markdown_text(title)}]({href})"
        return (
            f'{{% content-ref url="{href}" %}}\n[{escape_markdown_text(title)}]({href})\n'
            "{% endcontent-ref %}"
        )

    def file(self, value, path):
        src = self.asset_href("document", value["document"], path)
        caption = escape_markdown_text(value.get("caption") or "")
        return f'{{% file src="{src}" %}}\n{caption}\n{{% endfile %}}'

    def expandable(self, value, path):
        content = self.stream(value["content"], path)
        summary = escape_html(value["summary"])
        return f"<details>\n\n<summary>{summary}</summary>\n\n{content}\n\n</details>"

    def tabs(self, value, path):
        tabs = [
            f'{{% tab title="{escape_attribute(tab["title"])}" %}}\n'
            f"{self.stream(tab['content'], path)}\n{{% endtab %}}"
            for tab in value["tabs"]
        ]
        return "{% tabs %}\n" + "\n\n".join(tabs) + "\n{% endtabs %}"

    def part_in_development(self, value, path):
        """GitBook has no such block: a warning hint says what readers see on the site, and
        comments around it and the part's content mark where it starts and ends, which GitBook
        does not show and the importer reads back into the same block."""
        note = " ".join((value.get("note") or "").split())
        notice = (
            f"**In development:** {escape_markdown_text(note)}" if note else "**In development.**"
        )
        content = self.stream(value["content"], path)
        return (
            f'{PART_IN_DEVELOPMENT_START}\n{{% hint style="warning" %}}\n{notice}\n{{% endhint %}}'
            f"\n\n{content}\n\n{PART_IN_DEVELOPMENT_END}"
        )

    def resource(self, value, path):
        page = value.get("page")
        if page is not None:
            title = value.get("title") or page.title
            href = self.page_href(page.pk, None, path)
        else:
            title, href = value.get("title"), value.get("url")
        if not href:
            return ""
        note = f" — {escape_markdown_text(value['note'])}" if value.get("note") else ""
        return f"* [{escape_markdown_text(title)}]({href}){note}"


# How each block type is written as GitBook markdown, which the importer (pages/gitbook/markdown.py)
# reads back into the same block. A block type missing here is left out of an export with a
# warning; tests/content/test_block_checklist.py lists every block that needs a writer.
BLOCK_WRITERS = {
    "text": MarkdownWriter.text,
    "heading": MarkdownWriter.heading,
    "hint": MarkdownWriter.hint,
    "quote": MarkdownWriter.quote,
    "image": MarkdownWriter.image,
    "embed": MarkdownWriter.embed,
    "code": MarkdownWriter.code,
    "table": MarkdownWriter.table,
    "card": MarkdownWriter.card,
    "file": MarkdownWriter.file,
    "expandable": MarkdownWriter.expandable,
    "tabs": MarkdownWriter.tabs,
    "in_development": MarkdownWriter.part_in_development,
    "resource": MarkdownWriter.resource,
    "web_image": MarkdownWriter.web_image,
    "math": MarkdownWriter.math,
    "diagram": MarkdownWriter.diagram,
    "api_operation": MarkdownWriter.api_operation,
    "cards": MarkdownWriter.cards,
    "steps": MarkdownWriter.steps,
    "columns": MarkdownWriter.columns,
    "reusable": MarkdownWriter.reusable,
}


class BookExporter(MarkdownWriter):
    """The live tree under `root` as a GitBook book in `out_dir`, assets copied beside it."""

    def __init__(self, root, out_dir, progress=None):
        super().__init__()
        self.root, self.out = root.specific, Path(out_dir)
        self.progress = progress or (lambda message: None)
        self.asset_names = {}  # (kind, id) -> file name in .gitbook/assets
        self.includes = {}  # reusable content's id -> its include file in the book

    def run(self):
        pages = list(self.root.get_descendants().live().specific().order_by("path"))
        self.children = {}
        for page in pages:
            self.children.setdefault(page.path[: -Page.steplen], []).append(page)
        self.paths = {self.root.pk: "README.md"}
        self.pages_by_id = {page.pk: page for page in pages}
        summary = ["# Table of contents", "", f"* [{self.root.title}](README.md)", ""]
        top = self.children.get(self.root.path, [])
        for child in top:
            # A section with content of its own (an introduction, a body) is a page of the book
            # with its pages under it; one without is a `## Group`, a title over its pages.
            if getattr(type_of(child), "in_book", None) == GROUP and not has_content(child):
                self.paths[child.pk] = None
                self.assign_paths(self.children.get(child.path, []), child.slug)
            else:
                self.assign_paths([child], "")
        # Pages after a `## Group` belong to it: a group before a page of the book is written
        # as GitBook's unlinked parent (a bullet without a link), so every page keeps its place.
        pages_after = [i for i, child in enumerate(top) if self.paths[child.pk] is not None]
        trailing = pages_after[-1] + 1 if pages_after else 0
        summary += self.summary_lines(top[:trailing], 0)
        for group in top[trailing:]:
            summary += ["", f"## {group.title}", ""]
            summary += self.summary_lines(self.children.get(group.path, []), 0)

        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / ".gitbook.yaml").write_text(
            "root: ./\n\nstructure:\n  readme: README.md\n  summary: SUMMARY.md\n", encoding="utf-8"
        )
        (self.out / "SUMMARY.md").write_text("\n".join(summary) + "\n", encoding="utf-8")
        self.write_page(self.root, "README.md")
        written = 1
        for page in pages:
            path = self.paths.get(page.pk)
            if path:
                self.write_page(page, path)
                written += 1
                if written % 100 == 0:
                    self.progress(f"  {written} pages")
        return written

    def reusable_content(self, snippet, path):
        """GitBook's include of the snippet's file, which the first page using it writes."""
        include = self.include_file(snippet)
        return f'{{% include "{posixpath.relpath(include, posixpath.dirname(path) or ".")}" %}}'

    def include_file(self, snippet):
        """The snippet's file under .gitbook/includes/: the one it was imported from, so a book
        exported again keeps its names, or one named after its title."""
        if snippet.pk not in self.includes:
            path = snippet.gitbook_path or self.new_include_path(snippet)
            self.includes[snippet.pk] = path
            # Its headings are counted on their own, as the importer reads the file on its own.
            page_anchors, self.anchors = self.anchors, Anchors()
            body = self.stream(snippet.body, path)
            self.anchors = page_anchors
            title = yaml.safe_dump({"title": snippet.title}, allow_unicode=True, width=1000)
            target = self.out / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(f"---\n{title}---\n\n{body}\n", encoding="utf-8")
        return self.includes[snippet.pk]

    def new_include_path(self, snippet):
        taken = set(self.includes.values()) | set(
            ReusableContent.objects.exclude(pk=snippet.pk).values_list("gitbook_path", flat=True)
        )
        stem = slugify(snippet.title) or "reusable-content"
        path, number = posixpath.join(INCLUDES, f"{stem}.md"), 2
        while path in taken:
            path, number = posixpath.join(INCLUDES, f"{stem}-{number}.md"), number + 1
        return path

    def assign_paths(self, pages, folder):
        for page in pages:
            children = self.children.get(page.path, [])
            if children:
                self.paths[page.pk] = posixpath.join(folder, page.slug, "README.md")
                self.assign_paths(children, posixpath.join(folder, page.slug))
            else:
                self.paths[page.pk] = posixpath.join(folder, f"{page.slug}.md")

    def summary_lines(self, pages, depth):
        lines = []
        for page in pages:
            title = escape_markdown_text(page.title)
            if self.paths[page.pk] is None:  # a group, as an unlinked parent
                lines.append(f"{'  ' * depth}* {title}")
            else:
                href = link_destination(self.paths[page.pk])
                lines.append(f"{'  ' * depth}* [{title}]({href})")
            lines += self.summary_lines(self.children.get(page.path, []), depth + 1)
        return lines

    # Pages -------------------------------------------------------------------------------------

    def write_page(self, page, path):
        target = self.out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.page_markdown(page, path), encoding="utf-8")

    # Links and assets --------------------------------------------------------------------------

    def page_href(self, page_id, anchor, current_path):
        try:
            page_id = int(page_id)
        except (TypeError, ValueError):
            return ""
        target = self.paths.get(page_id)
        if not target:
            # Outside the exported tree (or not live): the page's public address, if it has one.
            page = Page.objects.live().filter(pk=page_id).first()
            if page is None:
                self.warnings.append(
                    f"{current_path}: a link to a page that is not live was removed."
                )
                return ""
            return (page.full_url or "") + (f"#{anchor}" if anchor else "")
        href = posixpath.relpath(target, posixpath.dirname(current_path) or ".")
        return href + (f"#{anchor}" if anchor else "")

    def document_href(self, document_id, current_path):
        from wagtail.documents import get_document_model

        document = get_document_model().objects.filter(pk=document_id).first()
        if document is None:
            return ""
        return self.asset_href("document", document, current_path)

    def asset_href(self, kind, asset, current_path):
        key = (kind, asset.pk)
        if key not in self.asset_names:
            # Named after the title, not the stored file, which storage may have suffixed.
            extension = posixpath.splitext(asset.file.name)[1].lower()
            name = (slugify(asset.title) or kind) + extension
            if name in self.asset_names.values():
                stem, extension = posixpath.splitext(name)
                name = f"{stem}-{kind}{asset.pk}{extension}"
            self.asset_names[key] = name
            target = self.out / ASSETS / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with asset.file.open("rb") as source:
                target.write_bytes(source.read())
        return posixpath.relpath(
            posixpath.join(ASSETS, self.asset_names[key]), posixpath.dirname(current_path) or "."
        )


def has_content(page):
    """Whether a listing page (a section) has words of its own besides its title."""
    return bool(getattr(page, "introduction", "") or getattr(page, "body", None))


# Text written into markdown reads as itself, to the importer, to GitBook and to any CommonMark
# reader: each character that would start markup there is written with a backslash, which they
# all read as the character alone (and an importer gives back the same text, so a second export
# is the first, byte for byte). Markup within a line: a backslash before punctuation, code,
# emphasis, links and images, strikethrough, an HTML tag, comment or autolink (not a "<" before
# a space or a digit: "a < b" stays as written), a character reference ("&amp;" as those five
# characters; a bare "&", as in "Q&A", stays), GitBook's tags (`{\%`: its tags are found before
# markdown is read, so the backslash must part the two characters) and formulas ($$).
INLINE_MARKUP = re.compile(
    r"\\(?=[!-/:-@\[-`{-~])|[`*_\[\]~]|<(?=[A-Za-z/!?])|&(?=#?\w+;)|(?<=\{)%|\$(?=\$)|(?<=\$)\$"
)
# Markup at the start of a line (or of a piece of text, which may be one): a heading, a quote, a
# list item (`-`, `+`, `1.`, `1)`), a heading's underline (`===`, `---`).
LINE_START_MARKUP = re.compile(
    r"^([ \t]*)"
    r"(#{1,6}(?=[ \t]|$)|>|[-+](?=[ \t]|$)|\d{1,9}(?=[.)](?:[ \t]|$))|=+[ \t]*$|-+[ \t]*$)",
    re.MULTILINE,
)


def footnote_reference(sup):
    """The number of the footnote a `<sup>` refers to, as the importer writes a reference:
    `<sup><a href="#user-content-fn-1">1</a></sup>`."""
    children = [child for child in sup.children if str(child).strip()]
    if len(children) != 1 or not isinstance(children[0], Tag) or children[0].name != "a":
        return None
    match = FOOTNOTE.fullmatch(children[0].get("href", "").removeprefix("#"))
    if match and children[0].get_text() == match.group(1):
        return match.group(1)
    return None


def is_emphasis(node):
    return getattr(node, "name", None) in ("b", "strong", "i", "em")


def text_of(node):
    return node.get_text() if hasattr(node, "get_text") else str(node or "")


def is_punctuation(character):
    return bool(character) and unicodedata.category(character)[0] in "PS"


def can_flank(inside, outside):
    """CommonMark's flanking rule for a run of `*` with `inside` the emphasised text's first
    (or last) character and `outside` the one before (or after) it: it opens (or closes)."""
    if not inside or inside.isspace():
        return False
    return not is_punctuation(inside) or not outside or outside.isspace() or is_punctuation(outside)


def escape_markdown_text(text):
    text = INLINE_MARKUP.sub(lambda match: "\\" + match.group(0), str(text))
    return LINE_START_MARKUP.sub(escape_line_start, text)


def escape_line_start(match):
    indent, markup = match.groups()
    if markup[0].isdigit():  # "1." is a list item; "1\." is the number and a full stop
        return f"{indent}{markup}\\"
    return f"{indent}\\{markup}"


def escape_html(text):
    """Text as HTML's text or attribute value in the book (a figure, a card, a summary): every
    character HTML reads as markup a reference, GitBook's {% and %} too."""
    return without_gitbook_tags(html.escape(str(text), quote=True))


def escape_attribute(text):
    """Text as the value of a GitBook tag's attribute in double quotes, as GitBook writes one:
    as it is ("Q&A"), but for what would end it or start markup there, which are character
    references (a quote, a tag's "<", an "&" that starts a reference, GitBook's {% and %})."""
    text = ATTRIBUTE_ESCAPES.sub(lambda match: f"&{ATTRIBUTE_ENTITIES[match.group(0)]};", str(text))
    return without_gitbook_tags(text)


ATTRIBUTE_ESCAPES = re.compile(r'&(?=#?\w+;)|"|<')
ATTRIBUTE_ENTITIES = {"&": "amp", '"': "quot", "<": "lt"}


def tag_url(url):
    """A web address as a GitBook tag's attribute (`{% embed url="…" %}`): the same address,
    with what would end the attribute or start a tag percent-encoded."""
    return str(url).replace('"', "%22").replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")


def without_gitbook_tags(html_text):
    """HTML written into the book with GitBook's tag delimiters as character references: they
    read the same as HTML, and GitBook (and the importer) find no tag in them."""
    return html_text.replace("{%", "{&#37;").replace("%}", "&#37;}")


def anchor_html(anchor):
    """GitBook's way of naming a heading's anchor: `## Exits <a href="#exit-game" ...></a>`."""
    anchor = escape_html(anchor)
    return f'<a href="#{anchor}" id="{anchor}"></a>'


# What ends a link's destination written as it is: whitespace, and brackets it may not balance.
LINK_DESTINATION_BREAKS = re.compile(r"[\s()<>]")


def link_destination(url):
    """A URL as a markdown link's or image's destination: between < and > when it holds what
    would end it otherwise."""
    if LINK_DESTINATION_BREAKS.search(url):
        return "<" + url.replace("<", "%3C").replace(">", "%3E") + ">"
    return url


def figure_html(src, alt, caption):
    """An image with a caption, as GitBook writes one."""
    return (
        f'<figure><img src="{escape_html(src)}" alt="{escape_html(alt)}">'
        f"<figcaption><p>{escape_html(caption)}</p></figcaption></figure>"
    )


# In a formula, what a markdown reader that is not GitBook would take for the start of an HTML
# tag (`<` before a letter, `/`, `!` or `?`, as in \text{<b>}): written with a space after the
# `<`, which changes nothing in TeX's maths and leaves no tag in the page's Markdown view.
FORMULA_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def formula_text(tex):
    return FORMULA_TAG_START.sub("< ", tex.strip())
