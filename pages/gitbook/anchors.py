"""
Heading anchors as GitBook makes them, so that a deep link from outside (`page#some-heading`)
reaches the same heading on the imported page.

GitBook lowercases the heading's text, turns each run of spaces into one hyphen and drops
punctuation, but keeps letters and digits of any script, hyphens, underscores and dots
(`## v1.2 release` is `#v1.2-release`); a repeated anchor on the same page gets `-1`, `-2`, ….
A heading may name its own: `## Exits <a href="#exit-game" id="exit-game"></a>`, as GitBook
writes it, or `## Exits {#exit-game}`.
"""

import re
import unicodedata

# Markdown's explicit heading id, `## Title {#custom-id}`.
CUSTOM_ID = re.compile(r"\s*\{#([^\s{}]+)\}\s*$")
DROPPED = re.compile(r"[^\w\s.-]")
SPACES = re.compile(r"\s+")


def gitbook_anchor(text):
    """The anchor GitBook gives a heading with this (plain) text, before de-duplication."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    return SPACES.sub("-", DROPPED.sub("", text))


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
