"""
Bulk writes index each object once, when they are done.

Every save of a page updates the search index and Wagtail's reference index. An import saves each
page three times (created, revised, published), and indexing a page with a long body costs more
than saving it, so `deferred_indexing()` collects what was saved and indexes it once at the end,
in bulk: a few queries a batch of pages, none a page. The indexes live in the database, inside
the same transaction: if the block raises, nothing is indexed and the rollback leaves both
indexes as they were.

It suspends the search index's signal handlers while it runs (disconnected, and connected again
at the end), so it is meant for management commands, not for requests served alongside other
threads. What was saved meanwhile reaches `remember_saved`, which pages.signal_handlers connects.
"""

import copy
from collections import defaultdict
from contextlib import contextmanager

from asgiref.local import Local
from modelsearch import index
from modelsearch.backends import get_search_backends
from modelsearch.signal_handlers import post_save_signal_handler

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import prefetch_related_objects
from django.db.models.signals import post_save
from django.dispatch import Signal

from modelcluster.models import ClusterableModel, get_all_child_relations
from wagtail.blocks import StreamValue
from wagtail.fields import StreamField
from wagtail.models import ReferenceIndex

_state = Local()

# Objects indexed at a time: a batch's objects, their text and their references are held in
# memory together, and a 50,000-page import must not hold all its pages at once.
BATCH_SIZE = 500

# Sent once a deferred block's saves are indexed, with `saved` (model -> primary keys), for the
# indexes that are not Wagtail search backends (the readers' search, pages.search.indexer).
deferred_saves_indexed = Signal()


def indexing_is_deferred():
    return getattr(_state, "saved", None) is not None


def remember_saved(sender, instance, raw=False, **kwargs):
    """post_save of any model (pages.signal_handlers): noted while indexing is deferred."""
    if not raw and indexing_is_deferred():
        _state.saved[sender].add(instance.pk)


def remember_saved_objects(model, pks):
    """What rows written without their save (a bulk insert) would have noted in remember_saved,
    while indexing is deferred: the model's objects with these primary keys."""
    if indexing_is_deferred():
        _state.saved[model].update(pks)


@contextmanager
def deferred_indexing():
    # Imported here: page models import this module before Wagtail's signal handlers can load.
    from wagtail.signal_handlers import disable_reference_index_auto_update

    if indexing_is_deferred():
        yield
        return
    models = [
        model for model in index.get_indexed_models() if getattr(model, "search_auto_update", True)
    ]
    for model in models:
        post_save.disconnect(post_save_signal_handler, sender=model)
    _state.saved = defaultdict(set)
    try:
        with disable_reference_index_auto_update():
            yield
        # A block that marked its transaction for rollback (a dry run) keeps nothing to index.
        if not (connection.in_atomic_block and connection.needs_rollback):
            index_saved(_state.saved)
            deferred_saves_indexed.send(sender=None, saved=_state.saved)
    finally:
        del _state.saved
        for model in models:
            post_save.connect(post_save_signal_handler, sender=model)


def index_saved(saved):
    backends = list(get_search_backends(with_auto_update=True))
    for model, pks in saved.items():
        searchable = index.class_is_indexed(model) and getattr(model, "search_auto_update", True)
        referencing = ReferenceIndex.is_indexed(model)
        if not (searchable or referencing):
            continue
        search_indexes = [backend.get_index_for_model(model) for backend in backends]
        ordered = sorted(pks)
        batches = [ordered[i : i + BATCH_SIZE] for i in range(0, len(ordered), BATCH_SIZE)]
        for number, batch in enumerate(batches, start=1):
            # One fetch serves both indexes, so each stream's chooser lookups run once.
            queryset = model.get_indexed_objects() if searchable else model._default_manager
            objects = list(queryset.filter(pk__in=batch))
            read_streams_together(objects)
            if searchable:
                add_to_search_indexes(search_indexes, model, objects, last=number == len(batches))
            if referencing:
                missing = set(batch) - {instance.pk for instance in objects}
                if missing:
                    objects += model._default_manager.filter(pk__in=missing)
                update_reference_index(model, objects)


def read_streams_together(objects):
    """The StreamFields' blocks of one model's objects made Python values as Wagtail's StreamValue
    makes them for one stream (bulk_to_python for each block type, which keeps the values' order),
    for all the objects at once: a chooser's lookup (a page, an image, a document) is one query a
    batch instead of one a page. Both indexes read the blocks as Python values (the text to
    search, the references). It fills the StreamValue's own cache (private to Wagtail: the tests
    of this module compare the indexes with Wagtail's)."""
    if not objects:
        return
    fields = [field for field in objects[0]._meta.get_fields() if isinstance(field, StreamField)]
    for field in fields:
        waiting = defaultdict(list)  # block type -> [(stream, position)]
        for instance in objects:
            stream = field.value_from_object(instance)
            if not isinstance(stream, StreamValue) or not stream.is_lazy:
                continue
            for position, raw in enumerate(stream._raw_data):
                known = raw.get("type") in stream.stream_block.child_blocks
                if stream._bound_blocks[position] is None and known:
                    waiting[raw["type"]].append((stream, position))
        for block_type, places in waiting.items():
            block = field.stream_block.child_blocks[block_type]
            values = block.bulk_to_python([stream._raw_data[at]["value"] for stream, at in places])
            for (stream, at), value in zip(places, values, strict=True):
                stream._bound_blocks[at] = StreamValue.StreamChild(
                    block, value, id=stream._raw_data[at].get("id")
                )


def add_to_search_indexes(search_indexes, model, objects, last):
    """Wagtail's search backends' add_bulk, with each search field's value read once an object.

    The database backends read every field of an object once for each column they fill (title,
    body, autocomplete and their plain texts): five times a page's body, each time walking its
    blocks and stripping its rich text, the most costly part of indexing a page.

    They also set each new row's title weight (title_norm) from the average title length of the
    whole index, after each call, for the rows they wrote: once for the model's last batch, so
    that a model's rows get the weight one call for them all would give (and the whole index is
    averaged once a model, not once a batch)."""
    for instance in objects:
        fields = [with_value_read_once(field, instance) for field in instance.get_search_fields()]
        # The backends ask the object for its fields (modelsearch's ObjectIndexer).
        instance.get_search_fields = lambda fields=fields: fields
    for search_index in search_indexes:
        refresh = getattr(search_index, "_refresh_title_norms", None)
        if refresh is not None and not last:
            search_index._refresh_title_norms = lambda full=False: None
        try:
            search_index.add_items(model, objects)
        finally:
            if refresh is not None:
                search_index._refresh_title_norms = refresh


def with_value_read_once(field, instance):
    if not isinstance(field, index.SearchField | index.AutocompleteField):
        return field
    value = field.get_value(instance)
    field = copy.copy(field)
    field.get_value = lambda instance, value=value: value
    return field


def update_reference_index(model, objects):
    """ReferenceIndex.create_or_update_for_object for a batch of one model's objects, the same
    rows written: each object's references found as Wagtail finds them, the rows they had read
    in one query, the new ones inserted in one, the stale ones deleted in one. Wagtail has no
    public form of it in bulk: this uses the helpers create_or_update_for_object uses, and
    tests/content/test_deferred_indexing.py compares the rows with Wagtail's own."""
    if issubclass(model, ClusterableModel):
        # Wagtail reads each child relation (tags, comments) of each object: one query a batch.
        relations = [relation.get_accessor_name() for relation in get_all_child_relations(model)]
        prefetch_related_objects(objects, *relations)
    content_types = [
        ContentType.objects.get_for_model(each, for_concrete_model=False)
        for each in [model, *model._meta.get_parent_list()]
    ]
    content_type, base_content_type = content_types[0], content_types[-1]
    own_content_type_ids = {each.id for each in content_types}
    references = {
        str(instance.pk): set(ReferenceIndex._extract_references_from_object(instance))
        for instance in objects
    }
    existing = defaultdict(dict)  # object id -> reference -> (content type id, row id)
    rows = ReferenceIndex.objects.filter(
        base_content_type=base_content_type, object_id__in=list(references)
    ).values_list(
        "object_id",
        "id",
        "content_type_id",
        "to_content_type",
        "to_object_id",
        "model_path",
        "content_path",
    )
    for object_id, row_id, content_type_id, *reference in rows:
        existing[object_id][tuple(reference)] = (content_type_id, row_id)
    new_rows, stale_row_ids = [], []
    for object_id, found in references.items():
        had = existing[object_id]
        new_rows += [
            ReferenceIndex(
                content_type=content_type,
                base_content_type=base_content_type,
                object_id=object_id,
                to_content_type_id=to_content_type_id,
                to_object_id=to_object_id,
                model_path=model_path,
                content_path=content_path,
                content_path_hash=ReferenceIndex._get_content_path_hash(content_path),
            )
            for to_content_type_id, to_object_id, model_path, content_path in found - had.keys()
        ]
        # A row under a more specific model's content type holds a reference only that model
        # sees: Wagtail keeps it.
        stale_row_ids += [
            row_id
            for reference, (content_type_id, row_id) in had.items()
            if reference not in found and content_type_id in own_content_type_ids
        ]
    ReferenceIndex.objects.bulk_create(
        new_rows,
        batch_size=BATCH_SIZE,
        ignore_conflicts=connection.features.supports_ignore_conflicts,
    )
    if stale_row_ids:
        ReferenceIndex.objects.filter(id__in=stale_row_ids).delete()
