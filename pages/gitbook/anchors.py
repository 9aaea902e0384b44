"""
Heading anchors as GitBook makes them, so that a deep link from outside (`page#some-heading`)
reaches the same heading on the imported page.

GitBook lowercases the heading's text, spells out `&`, `<` and `>` (`and`, `less than`,
`greater than`), drops apostrophes, and turns each run of spaces and other punctuation into one
hyphen, keeping letters and digits of any script, hyphens, underscores and dots (`## v1.2
release` is `#v1.2-release`, `## User(s)` is `#user-s`); an anchor that would start with a digit
starts with `id-` (`## 1. Install` is `#id-1.-install`); a repeated anchor on the same page gets
`-1`, `-2`, …. (Read from the links real books make to their own headings.)
A heading may name its own: `## Exits <a href="#exit-game" id="exit-game"></a>`, as GitBook
writes it, or `## Exits {#exit-game}`.
"""

import re
import unicodedata

# Markdown's explicit heading id, `## Title {#custom-id}`.
CUSTOM_ID = re.compile(r"\s*\{#([^\s{}]+)\}\s*$")
SPELLED_OUT = {"&": " and ", "<": " less than ", ">": " greater than "}
APOSTROPHES = re.compile(r"['’]")
SEPARATORS = re.compile(r"[^\w.-]+")
HYPHENS = re.compile(r"-{2,}")


def gitbook_anchor(text):
    """The anchor GitBook gives a heading with this (plain) text, before de-duplication."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    for symbol, words in SPELLED_OUT.items():
        text = text.replace(symbol, words)
    text = SEPARATORS.sub("-", APOSTROPHES.sub("", text))
    anchor = HYPHENS.sub("-", text).strip("-")
    return f"id-{anchor}" if anchor[:1].isdigit() else anchor


class Anchors:
    """Anchors of one page, de-duplicated as GitBook does: the second `Setup` is `setup-1`."""

    def __init__(self):
        self.seen = set()

    def add(self, anchor):
        anchor = anchor or "heading"
        unique, number = anchor, 0
        while unique in self.seen:
            number += 1
            unique = f"{anchor}-{number}"
        self.seen.add(unique)
        return unique
