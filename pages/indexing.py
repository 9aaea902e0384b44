"""
Bulk writes index each object once, when they are done.

Every save of a page updates the search index and Wagtail's reference index. An import saves each
page three times (created, revised, published), and indexing a page with a long body costs more
than saving it, so `deferred_indexing()` collects what was saved and indexes it once at the end,
in bulk. The indexes live in the database, inside the same transaction: if the block raises,
nothing is indexed and the rollback leaves both indexes as they were.

It suspends the search index's signal handlers while it runs (disconnected, and connected again
at the end), so it is meant for management commands, not for requests served alongside other
threads. What was saved meanwhile reaches `remember_saved`, which pages.signal_handlers connects.
"""

from collections import defaultdict
from contextlib import contextmanager

from asgiref.local import Local
from modelsearch import index
from modelsearch.backends import get_search_backends
from modelsearch.signal_handlers import post_save_signal_handler

from django.db import connection
from django.db.models.signals import post_save
from django.dispatch import Signal

from wagtail.models import ReferenceIndex

_state = Local()

# Sent once a deferred block's saves are indexed, with `saved` (model -> primary keys), for the
# indexes that are not Wagtail search backends (the readers' search, pages.search.indexer).
deferred_saves_indexed = Signal()


def indexing_is_deferred():
    return getattr(_state, "saved", None) is not None


def remember_saved(sender, instance, raw=False, **kwargs):
    """post_save of any model (pages.signal_handlers): noted while indexing is deferred."""
    if not raw and indexing_is_deferred():
        _state.saved[sender].add(instance.pk)


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
        # One fetch serves both indexes, so each stream's chooser lookups run once.
        queryset = model.get_indexed_objects() if searchable else model._default_manager
        objects = list(queryset.filter(pk__in=pks))
        if searchable:
            for backend in backends:
                backend.add_bulk(model, objects)
        if referencing:
            missing = set(pks) - {instance.pk for instance in objects}
            if missing:
                objects += model._default_manager.filter(pk__in=missing)
            for instance in objects:
                ReferenceIndex.create_or_update_for_object(instance)
