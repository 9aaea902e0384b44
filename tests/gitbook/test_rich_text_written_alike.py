"""
Rich text the editor's form writes as the book wrote it is not parsed again to compare
(pages.rich_text.written_alike): the shortcut only says "alike" where the full comparison
(reads_the_same) does. What readers see stays the same (tests/gitbook/test_bulk_import.py).
"""

import pytest

from pages.rich_text import reads_the_same, written_alike


@pytest.mark.parametrize(
    ("written", "stored", "alike"),
    [
        ("<p>a <b>b</b></p>", '<p data-block-key="k1a2b">a <b>b</b></p>', True),
        (
            "<p>a</p>\n<ul>\n<li>x</li>\n</ul>",
            '<p data-block-key="k1a2b">a</p><ul><li data-block-key="q9w8e">x</li></ul>',
            True,
        ),
        # A space between words marked apart is read: not alike.
        ("<p><b>a</b> <i>b</i></p>", "<p><b>a</b><i>b</i></p>", False),
        # Between two blocks that hold nothing, the space is the only thing read there.
        ("<li>a<p></p> <p></p>b</li>", "<li>a<p></p><p></p>b</li>", False),
    ],
)
def test_rich_text_written_alike_is_rich_text_that_reads_the_same(written, stored, alike):
    assert written_alike(written, stored) is alike
    if alike:
        assert reads_the_same(written, stored)
