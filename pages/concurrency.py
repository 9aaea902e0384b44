"""
Page writes take turns, on PostgreSQL, for the length of their transaction.

Several editors (and the scheduler) write pages at the same moment. Three things go wrong when
their transactions interleave: two pages created under one parent are given the same tree path
(treebeard reads the last child, then inserts after it); the slower of two saves of one page
points the page at the older revision; and Wagtail's PostgreSQL search index, which rewrites
every entry whose title has two words on each index write, deadlocks two long transactions that
index pages (seen in tests/content/test_concurrency.py). A knowledge base's editors write a few
pages a minute, so one transaction-scoped advisory lock for every page write costs nothing they
notice and rules all three out. SQLite takes its write lock at the start of each transaction
(`transaction_mode: IMMEDIATE` in settings), which does the same there.
"""

from contextlib import contextmanager

from asgiref.local import Local

from django.db import connection, transaction

# Any constant the site's other advisory locks don't use: "omgkb" in ASCII.
PAGE_WRITES_LOCK = 0x6F6D676B62

_state = Local()


def take_turns_writing_pages():
    """Wait for any other transaction writing pages to finish; the lock is held until this
    transaction ends. Call it inside transaction.atomic(); taking it again is harmless."""
    if getattr(_state, "held", False):
        return
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PAGE_WRITES_LOCK])


@contextmanager
def page_writes_in_turn():
    """Around a page write: inside a transaction, take the turn until it ends; outside one,
    make a transaction for the write. No savepoint is added, and an error raised by the write
    (a validation error, say) leaves an enclosing transaction usable, as it would without us."""
    if connection.in_atomic_block:
        take_turns_writing_pages()
        yield
    else:
        with transaction.atomic():
            take_turns_writing_pages()
            yield


@contextmanager
def page_writes_held():
    """For a bulk write (an import) inside transaction.atomic(): the turn taken once, up front,
    for everything the block writes. Each page write asking again costs a query, several a page:
    thousands on a large import, for a lock that is held until the transaction ends anyway."""
    if not connection.in_atomic_block:
        # No transaction to hold it for: each write takes its own turn.
        yield
        return
    take_turns_writing_pages()
    held = getattr(_state, "held", False)
    _state.held = True
    try:
        yield
    finally:
        _state.held = held
