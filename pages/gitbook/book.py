"""Reading a GitBook book from disk: its configuration, its table of contents and its pages."""

import posixpath
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from markdown_it import MarkdownIt

from . import GitBookError

SUMMARY_PARSER = MarkdownIt("commonmark")


@dataclass
class Entry:
    """One page of the book, as the table of contents places it."""

    title: str
    path: str  # relative to the book's root, posix style
    line: int
    children: list["Entry"] = field(default_factory=list)
    front_matter: dict = field(default_factory=dict)
    body: str = ""
    body_line: int = 1  # the line of the file the body starts on


@dataclass
class Group:
    """A `## Group` heading of SUMMARY.md: a section of the knowledge base."""

    title: str
    line: int
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Book:
    root: Path
    readme: Entry | None
    top_entries: list[Entry]  # bullets before the first group
    groups: list[Group]
    warnings: list[str]

    def entries(self):
        """Every page entry, depth first, in reading order (the readme first)."""

        def walk(entries):
            for entry in entries:
                yield entry
                yield from walk(entry.children)

        if self.readme:
            yield self.readme
        yield from walk(self.top_entries)
        for group in self.groups:
            yield from walk(group.entries)

    def titles_by_path(self):
        return {entry.path: entry.title for entry in self.entries()}


def read_book(path):
    """Read the book at `path`. Problems in its structure raise GitBookError; gaps are warnings."""
    base = Path(path)
    if not base.is_dir():
        raise GitBookError("is not a directory", path=str(path))
    config = read_config(base)
    root = (base / config.get("root", "./")).resolve()
    if not root.is_dir():
        raise GitBookError(f"the root {config.get('root')!r} is not a directory", ".gitbook.yaml")
    structure = config.get("structure") or {}
    readme_name = structure.get("readme", "README.md")
    summary_name = structure.get("summary", "SUMMARY.md")

    warnings = []
    summary_path = root / summary_name
    if not summary_path.is_file():
        raise GitBookError("the book has no table of contents", summary_name)
    top_entries, groups, readme = parse_summary(
        summary_path.read_text(encoding="utf-8"), summary_name, readme_name, root, warnings
    )
    if readme is None and (root / readme_name).is_file():
        readme = Entry(title="", path=readme_name, line=0)

    book = Book(root, readme, top_entries, groups, warnings)
    for entry in book.entries():
        read_page(root, entry)

    listed = {entry.path for entry in book.entries()} | {summary_name}
    for file in sorted(root.rglob("*.md")):
        relative = file.relative_to(root).as_posix()
        if relative in listed or relative.startswith((".gitbook/", "node_modules/", ".")):
            continue
        warnings.append(f"{relative}: not in {summary_name}, so not imported.")
    return book


def read_config(base):
    config_path = base / ".gitbook.yaml"
    if not config_path.is_file():
        return {}
    try:
        config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise GitBookError(f"is not valid YAML: {error}", ".gitbook.yaml") from error
    if not isinstance(config, dict):
        raise GitBookError("must be a mapping", ".gitbook.yaml")
    return config


def parse_summary(text, summary_name, readme_name, root, warnings):
    """SUMMARY.md's groups and nested bullets, with each link checked against the files."""
    tokens = SUMMARY_PARSER.parse(text)
    top_entries, groups = [], []
    readme = None
    stack = []  # the entry list each open bullet list appends to
    current = top_entries
    last_entry = None

    for index, token in enumerate(tokens):
        line = token.map[0] + 1 if token.map else 0
        if token.type == "heading_open" and token.tag == "h2" and not stack:
            group = Group(title=tokens[index + 1].content.strip(), line=line)
            groups.append(group)
            current = group.entries
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            stack.append(current)
            if len(stack) > 1 and last_entry is not None:
                current = last_entry.children
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            current = stack.pop()
        elif token.type == "inline" and stack and tokens[index - 1].type == "paragraph_open":
            link = first_link(token)
            if link is None:
                warnings.append(f"{summary_name}, line {line}: an entry without a link, skipped.")
                last_entry = None
                continue
            title, href = link
            if "://" in href or href.startswith("mailto:"):
                warnings.append(
                    f"{summary_name}, line {line}: {href} links outside the book, skipped."
                )
                last_entry = None
                continue
            path = posixpath.normpath(href.split("#")[0])
            if not (root / path).is_file():
                warnings.append(
                    f"{summary_name}, line {line}: {path} does not exist, so '{title}' was skipped."
                )
                last_entry = None
                continue
            entry = Entry(title=title, path=path, line=line)
            if path == readme_name and len(stack) == 1 and not groups and readme is None:
                readme, last_entry = entry, None
                continue
            current.append(entry)
            last_entry = entry
    return top_entries, groups, readme


def first_link(inline):
    children = inline.children or []
    for position, child in enumerate(children):
        if child.type == "link_open":
            text = []
            for inner in children[position + 1 :]:
                if inner.type == "link_close":
                    break
                text.append(inner.content)
            return "".join(text).strip(), child.attrs.get("href", "")
    return None


def read_page(root, entry):
    """Split a page file into front matter and body, keeping line numbers for error messages."""
    try:
        text = (root / entry.path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise GitBookError(f"cannot be read: {error}", entry.path) from error
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        try:
            end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
        except StopIteration:
            raise GitBookError("front matter is not closed with ---", entry.path, 1) from None
        try:
            front_matter = yaml.safe_load("\n".join(lines[1:end])) or {}
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 2 if mark else 1
            raise GitBookError(
                f"front matter is not valid YAML: {error}", entry.path, line
            ) from error
        if not isinstance(front_matter, dict):
            raise GitBookError("front matter must be a mapping", entry.path, 2)
        entry.front_matter = front_matter
        entry.body = "\n".join(lines[end + 1 :])
        entry.body_line = end + 2
    else:
        entry.body = text
        entry.body_line = 1
