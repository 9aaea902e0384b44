"""
Imported content stored as the admin's editor stores it, so that an editor's first save of an
imported page, changing one paragraph, changes that paragraph alone in the revision comparison.

The editor writes every block it saves in its own form: rich text through its converter, with a
key on each paragraph (pages.rich_text.as_the_editor_stores), every block of a stream and item
of a list with an id, every field of a block present. The importer writes the same, once.
"""

import functools

from wagtail import blocks
from wagtail.contrib.typed_table_block.blocks import TypedTableBlock
from wagtail.fields import RichTextField, StreamField
from wagtail.rich_text import RichText

from pages.rich_text import as_the_editor_stores


def store_as_the_editor_does(page, names):
    """Put the page's fields named in `names` (StreamFields and rich text fields) in the form a
    save in the admin's editor would give them."""
    model = type(page)
    for name in names:
        field = model._meta.get_field(name)
        if isinstance(field, StreamField):
            # The value itself rather than its stored data: the page's validation and its
            # revision read the blocks from it, where stored data would be read (and its page,
            # image and document choosers looked up) again.
            setattr(page, name, stream_value_as_edited(field.stream_block, getattr(page, name)))
        elif isinstance(field, RichTextField):
            setattr(page, name, as_the_editor_stores(getattr(page, name), field_converter(field)))


def stream_as_edited(stream_block, value):
    """A StreamField's value as the editor would save it, as stored data (what get_prep_value
    gives): each block and list item keeps its id or gets one, as the editor gives it."""
    return stream_block.get_prep_value(stream_value_as_edited(stream_block, value))


def stream_value_as_edited(stream_block, value):
    """stream_as_edited's value as a StreamValue, its blocks' ids given: storing it stores
    what stream_as_edited gives."""
    value = stream_block.to_python(value) if isinstance(value, list) else value
    value = as_edited(stream_block, value)
    # Gives every block and list item its id, kept by the value for its next get_prep_value.
    stream_block.get_prep_value(value)
    return value


def as_edited(block, value):
    """`value` of `block` with its rich text in the editor's form, every nested block read (so
    that saving it writes each in full, as the editor's save does)."""
    if isinstance(block, blocks.RichTextBlock):
        source = value.source if isinstance(value, RichText) else (value or "")
        return RichText(as_the_editor_stores(source, block_converter(block)))
    if isinstance(block, blocks.StreamBlock):
        for child in value:
            child.value = as_edited(child.block, child.value)
    elif isinstance(block, blocks.ListBlock):
        for item in value.bound_blocks:
            item.value = as_edited(block.child_block, item.value)
    elif isinstance(block, blocks.StructBlock) and isinstance(value, blocks.StructValue):
        # (An image block is a struct whose value is the image.)
        for name, child in block.child_blocks.items():
            value[name] = as_edited(child, value.get(name))
    elif isinstance(block, TypedTableBlock):
        for row in value.row_data:
            row["values"] = [
                as_edited(column["block"], cell)
                for column, cell in zip(value.columns, row["values"], strict=True)
            ]
    return value


def block_converter(block):
    """The converter the editor uses for this block's rich text (its features)."""
    return block.field.widget.converter


@functools.cache
def field_converter(field):
    return field.formfield().widget.converter
