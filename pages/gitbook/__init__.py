"""
GitBook books in and out of the knowledge base.

`book` reads a book's layout (.gitbook.yaml, SUMMARY.md, front matter); `markdown` turns a page's
markdown and GitBook blocks into StreamField data; `importer` writes the tree; `exporter` writes
it back out. docs/gitbook.md describes the mapping.
"""


class GitBookError(Exception):
    """A problem that stops an import, located in the book as precisely as we can."""

    def __init__(self, message, path=None, line=None):
        self.message, self.path, self.line = message, path, line
        where = f"{path}, line {line}" if path and line else path
        super().__init__(f"{where}: {message}" if where else message)


class StructureError(GitBookError):
    """A page the importer can still take, less exactly: a front matter value of the wrong kind,
    a page type its content does not fit. Without --strict the importer notes it and goes on
    (the key left out, the page a topic); what stays fatal (a path out of the book, a file too
    large, YAML that does not parse) is a plain GitBookError."""
