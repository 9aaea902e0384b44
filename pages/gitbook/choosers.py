"""
A page, image or document a book's blocks choose, read from the database once an import.

Wagtail's chooser blocks read what they choose every time a stream is read or checked: turning a
page's stored blocks into values reads each block type's choices (one query a stream and block
type), and checking a block reads its choice again (one query a chosen object). An imported
page's image, file and page cards are read two or three times over, the same few images and
documents on every page: most of a first import's queries, two thirds at 1,000 pages.

`chooser_lookups_remembered()` keeps, for the length of an import, each object a chooser block
has read, and gives a copy of it to every later read of the same object by the same kind of
chooser: the values, the checks and the errors are the blocks' own (a missing object is looked
up, and reported, as before). Only what was found is kept: an import adds pages, images and
documents, and deletes none. Like pages.indexing's deferred indexing it changes shared block
objects while it runs, so it is for management commands, not for requests served alongside
other threads.
"""

import copy
from contextlib import contextmanager

from django.apps import apps

from wagtail import blocks
from wagtail.fields import StreamField
from wagtail.models import Page


@contextmanager
def chooser_lookups_remembered():
    """Yields a function that tells it of pages known to be in the database (the import's own),
    so that a page card choosing one reads nothing."""
    found = {}  # (model, primary key) -> the object, as the chooser read it
    patched = []
    for block in chooser_blocks():
        if "clean" in vars(block):
            continue  # an import within an import: the outer one's memory serves
        block.bulk_to_python = remembered_bulk_to_python(block, found)
        block.clean = remembered_clean(block, found)
        patched.append(block)

    def pages_known(pages):
        """The pages' rows as a page chooser reads them (Page.objects), made from the pages in
        hand: a chooser's value is its page's id to every reader of an import's values (the
        stored blocks, the checks), and the indexes read the pages afresh."""
        fields = [field.attname for field in Page._meta.concrete_fields]
        for page in pages:
            if page.pk is not None and (Page, page.pk) not in found:
                row = Page(**{name: getattr(page, name) for name in fields})
                row._state.adding, row._state.db = False, page._state.db
                found[(Page, page.pk)] = row

    try:
        yield pages_known
    finally:
        for block in patched:
            del block.bulk_to_python
            del block.clean


def chooser_blocks():
    """Every chooser block of every StreamField of every model, each once."""
    seen, choosers = set(), []

    def visit(block):
        if id(block) in seen:
            return
        seen.add(id(block))
        # A page chooser limited to some page types keeps Wagtail's own reads: they check the
        # type, which a page remembered from another chooser would skip.
        if isinstance(block, blocks.ChooserBlock) and not getattr(block, "page_type", None):
            choosers.append(block)
        for child in getattr(block, "child_blocks", {}).values():
            visit(child)
        if isinstance(block, blocks.ListBlock):
            visit(block.child_block)

    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, StreamField):
                visit(field.stream_block)
    return choosers


def remembered_bulk_to_python(block, found):
    """The block's bulk_to_python (objects in the values' order, None where there is none, a
    distinct object for each value), asking the database only for those not read before."""
    model = block.model_class
    own = type(block).bulk_to_python

    def bulk_to_python(values):
        missing = [value for value in values if remembered(found, model, value) is None]
        if missing:
            for instance in own(block, missing):
                if instance is not None:
                    found[(model, instance.pk)] = instance
        return [copy.copy(remembered(found, model, value)) for value in values]

    return bulk_to_python


def remembered_clean(block, found):
    """The block's clean: its form field's checks on the object, the object read once."""
    model = block.model_class
    own = type(block).clean

    def clean(value):
        key = value.pk if isinstance(value, model) else value
        instance = remembered(found, model, key)
        if instance is None:
            cleaned = own(block, value)
            if isinstance(cleaned, model):
                found[(model, cleaned.pk)] = cleaned
                return copy.copy(cleaned)
            return cleaned
        # What ModelChoiceField.clean checks once it has the object; its read is the one saved.
        block.field.validate(instance)
        block.field.run_validators(instance)
        return copy.copy(instance)

    return clean


def remembered(found, model, value):
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        return None
    return found.get((model, value))
