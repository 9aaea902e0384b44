"""
Rich text the editor's form writes as the book wrote it is not parsed again to compare
(pages.rich_text.written_alike): the shortcut only says "alike" where the full comparison
(reads_the_same) does. What readers see stays the same (tests/gitbook/test_bulk_import.py).
"""

import pytest

from wagtail.blocks import RichTextBlock

from pages.rich_text import (
    as_the_editor_stores,
    reads_the_same,
    without_unread_markup,
    written_alike,
)
from pages.sanitising import sanitise_rich_text


@pytest.mark.parametrize(
    ("written", "stored", "alike"),
    [
        ("<p>a <b>b</b></p>", '<p data-block-key="k1a2b">a <b>b</b></p>', True),
        (
            "<p>a</p>\n<ul>\n<li>x</li>\n</ul>",
            '<p data-block-key="k1a2b">a</p><ul><li data-block-key="q9w8e">x</li></ul>',
            True,
        ),
        # A list item's words end where its own list starts: the line break after them is not
        # read (markdown writes it, the editor does not).
        (
            "<ul>\n<li>a b\n<ul>\n<li>c</li>\n</ul>\n</li>\n</ul>",
            '<ul><li data-block-key="k1a2b">a b'
            '<ul><li data-block-key="q9w8e">c</li></ul></li></ul>',
            True,
        ),
        # Spaces after an element are a text of their own, which can decide whether the words
        # before them end in a space: left to the full comparison.
        (
            "<ul><li><b>a </b>\n<ul><li>c</li></ul></li></ul>",
            "<ul><li><b>a </b><ul><li>c</li></ul></li></ul>",
            False,
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


@pytest.mark.django_db
def test_page_links_go_through_the_editors_form_as_the_editor_reads_them_without_a_query(
    home, django_assert_num_queries
):
    """as_the_editor_stores reads page links into the editor's blocks without looking the pages
    up (one query a link): writing a link back keeps its id and anchor alone, found or not."""
    converter = RichTextBlock(features=["bold", "link"]).field.widget.converter
    text = (
        f'<p>See <a linktype="page" id="{home.pk}" anchor="exits">the home page</a> and '
        '<a linktype="page" id="999999">a page deleted since</a>.</p>'
    )
    # What the editor itself stores, having looked the pages up.
    editors = sanitise_rich_text(converter.to_database_format(converter.from_database_format(text)))

    with django_assert_num_queries(0):
        stored = as_the_editor_stores(text, converter)

    assert without_unread_markup(stored) == without_unread_markup(editors)
    assert f'id="{home.pk}"' in stored and 'anchor="exits"' in stored and 'id="999999"' in stored
