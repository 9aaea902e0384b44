"""
What an import did, for the person running it and for scripts.

A book is imported whole: what the importer cannot map exactly is kept in the closest form a
reader can still read and *noted* here, with the file and line, rather than stopping the import.
`--strict` turns every such degradation back into an error (`GitBookError`), for CI. What stays
fatal in both modes (a path out of the book, a file too large, bad YAML, a user who may not
publish) raises GitBookError wherever it is found and never reaches the report.
"""

from collections import Counter
from dataclasses import dataclass, field

from . import GitBookError

# Kinds of note. A degradation changes what readers see (a construct kept in a lesser form);
# the others say what was left out or could not be resolved.
DEGRADED = "degraded"
BROKEN_LINK = "link"
BROKEN_ANCHOR = "anchor"
LEFT_OUT = "left out"
NOTE = "note"


@dataclass(frozen=True)
class Note:
    message: str
    path: str | None = None
    line: int | None = None
    kind: str = NOTE
    construct: str = ""  # for a degradation: what was degraded ("{% swagger %}", "<table>")

    def __str__(self):
        where = f"{self.path}, line {self.line}" if self.path and self.line else self.path
        text = self.message.rstrip(".")
        return f"{where}: {text}." if where else f"{text}."

    def as_dict(self):
        return {
            "path": self.path,
            "line": self.line,
            "kind": self.kind,
            "construct": self.construct,
            "message": self.message,
        }


@dataclass
class Report:
    strict: bool = False
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    redirects: list = field(default_factory=list)  # (old path, new path) added
    notes: list = field(default_factory=list)

    def note(self, message, path=None, line=None, kind=NOTE, construct=""):
        self.notes.append(Note(message, path, line, kind, construct))

    def degrade(self, construct, message, path=None, line=None):
        """`construct` was kept in a lesser form, as `message` says. An error with --strict."""
        if self.strict:
            raise GitBookError(f"{message} (--strict)", path, line)
        self.note(message, path, line, kind=DEGRADED, construct=construct)

    @property
    def warnings(self):
        return [str(note) for note in self.notes]

    def degraded_by_construct(self):
        return Counter(n.construct for n in self.notes if n.kind == DEGRADED)

    def count(self, kind):
        return sum(1 for note in self.notes if note.kind == kind)

    def as_dict(self):
        return {
            "pages": {
                "created": len(self.created),
                "updated": len(self.updated),
                "unchanged": len(self.unchanged),
            },
            "degraded": dict(sorted(self.degraded_by_construct().items())),
            "unresolved_links": self.count(BROKEN_LINK),
            "unresolved_anchors": self.count(BROKEN_ANCHOR),
            "left_out": self.count(LEFT_OUT),
            "redirects": len(self.redirects),
            "notes": [note.as_dict() for note in self.notes],
        }

    def table(self):
        """The summary table that ends the command's output."""
        rows = [
            ("Pages created", len(self.created)),
            ("Pages updated", len(self.updated)),
            ("Pages unchanged", len(self.unchanged)),
            ("Redirects added", len(self.redirects)),
        ]
        rows += [
            (f"Degraded: {construct}", count)
            for construct, count in sorted(self.degraded_by_construct().items())
        ]
        rows += [
            ("Left out", self.count(LEFT_OUT)),
            ("Links unresolved", self.count(BROKEN_LINK)),
            ("Anchors unresolved", self.count(BROKEN_ANCHOR)),
        ]
        width = max(len(label) for label, _ in rows)
        return "\n".join(f"  {label:<{width}}  {count:>6,}" for label, count in rows)
