"""
Every block our StreamFields can hold, checked against every place a new block must be taught. A
block added to pages/blocks.py fails here until each place knows it, and the message names the
file and the table to teach it in:

1. pages/blocks.py: the block, in each StreamBlock that may hold it, with its template in
   pages/templates/pages/blocks/ (tests/content/test_blocks.py renders each block of an article,
   tests/hardening/test_stored_xss.py puts a script in each of its fields: both fail on a block
   they lack).
2. Comparing revisions: BLOCK_DETAILS in pages/editorial/compare.py names it as editors know it
   (and LEAF_TEXTS there reads a new kind of value: tests/editorial/test_compare.py).
3. GitBook out: BLOCK_WRITERS in pages/gitbook/exporter.py writes it as GitBook markdown, for
   exports and for every page's Markdown view.
4. GitBook in: pages/gitbook/markdown.py (PageConverter) reads that markdown back into the same
   block, as a round trip of the kitchen sink book (tests/gitbook/books.py) shows; that book
   holds one of each.
5. The docs: the table of blocks in docs/content-model.md, of markdown in docs/gitbook.md.
"""

import pytest

from wagtail import blocks

from pages.blocks import AnswerBlock, ArticleBlock, NestedContentBlock, ResourcesBlock
from pages.editorial import compare
from pages.gitbook.exporter import BLOCK_WRITERS
from pages.gitbook.importer import stream_fields
from pages.models import HomePage
from tests.gitbook.books import export_book, import_book, write_kitchen_sink
from tests.gitbook.test_gitbook_export import forget_everything


def stream_blocks_of_ours():
    return [ArticleBlock(), AnswerBlock(), NestedContentBlock(), ResourcesBlock()]


def blocks_within(block):
    """Every block inside `block`, at any depth: struct fields, stream children, list items,
    table columns."""
    if isinstance(block, blocks.ListBlock):
        children = [block.child_block]
    else:
        children = list(getattr(block, "child_blocks", {}).values())
    for child in children:
        yield child
        yield from blocks_within(child)


def held_blocks():
    """(name, block) for every block an editor can add to a stream or a list of ours, at any
    depth: a stream's children by their names, a list's items (tabs hold tabs) with None, as
    the block holding the list writes them."""
    for stream in stream_blocks_of_ours():
        for sequence in [stream, *blocks_within(stream)]:
            if isinstance(sequence, blocks.StreamBlock):
                yield from sequence.child_blocks.items()
            elif isinstance(sequence, blocks.ListBlock):
                yield None, sequence.child_block


def held_block_names():
    return {name for name, _ in held_blocks() if name is not None}


def test_every_block_has_a_readable_name_in_comparisons():
    missing = {type(block) for _, block in held_blocks()} - set(compare.BLOCK_DETAILS)
    names = sorted(kind.__name__ for kind in missing)
    assert not missing, (
        f"No readable name in revision comparisons for {names}: add each block class "
        "to BLOCK_DETAILS in pages/editorial/compare.py."
    )


def test_every_block_has_a_gitbook_form():
    missing = held_block_names() - set(BLOCK_WRITERS)
    assert not missing, (
        f"No GitBook form for {sorted(missing)}: add a writer to BLOCK_WRITERS in "
        "pages/gitbook/exporter.py, and the markdown it writes to docs/gitbook.md."
    )


def block_names_in(block, value):
    """The names of the blocks in a stream's value, at any depth."""
    if isinstance(block, blocks.StreamBlock):
        for child in value:
            yield child.block_type
            yield from block_names_in(child.block, child.value)
    elif isinstance(block, blocks.ListBlock):
        for item in value:
            yield from block_names_in(block.child_block, item)
    elif isinstance(value, blocks.StructValue):  # not an ImageBlock's image
        for name, child in block.child_blocks.items():
            yield from block_names_in(child, value.get(name))


def block_names_on_the_site():
    names = set()
    for page in HomePage.objects.get().get_descendants(inclusive=True).specific():
        for name in stream_fields(type(page)):
            stream_block = page._meta.get_field(name).stream_block
            names.update(block_names_in(stream_block, getattr(page, name)))
    return names


@pytest.mark.django_db
def test_every_block_comes_back_from_a_gitbook_book(home, tmp_path):
    import_book(write_kitchen_sink(tmp_path / "book"))
    imported = block_names_on_the_site()
    # Out as a book and into a fresh site again.
    export_book(tmp_path / "out")
    forget_everything()
    import_book(tmp_path / "out")
    again = block_names_on_the_site()

    not_in_the_book = held_block_names() - imported
    assert not not_in_the_book, (
        f"The kitchen sink book has no {sorted(not_in_the_book)}: add one to KITCHEN_SINK_PAGES "
        "in tests/gitbook/books.py, in the markdown its writer in BLOCK_WRITERS "
        "(pages/gitbook/exporter.py) writes, and teach pages/gitbook/markdown.py "
        "(PageConverter) to read it."
    )
    lost = imported - again
    assert not lost, (
        f"{sorted(lost)} did not come back from an export and import: pages/gitbook/markdown.py "
        "(PageConverter) must read back what its writer in BLOCK_WRITERS "
        "(pages/gitbook/exporter.py) writes."
    )
