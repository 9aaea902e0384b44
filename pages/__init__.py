"""
The knowledge base: its pages and everything built on them, one room per concern
(docs/architecture.md). At the bottom, the content core: models/ and the modules beside this one
(blocks, rich_text, sanitising, embeds, indexing, concurrency). Above it, in this order: gitbook/,
reading/, caching/, feedback/, editorial/. On top, the wiring: apps.py, signal_handlers.py,
wagtail_hooks.py and the management commands. Imports only go down (tests/test_rooms.py).
"""
