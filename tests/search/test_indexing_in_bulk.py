"""
Pages written in bulk (an import) enter readers' search at the end, in batches, as a rebuild of
the index (`manage.py index_search`) would put them, and a second bulk write replaces their words.
"""

import pytest

from wagtail.rich_text import RichText

from pages.indexing import deferred_indexing
from pages.models import SearchEntry, SearchTerm, SearchWord
from pages.search import indexer
from pages.search.engine import search
from tests.conftest import make_topic

pytestmark = pytest.mark.django_db


def readers_index():
    fields = ("page_id", "title", "url", "place", "headings", "passages", "words", "word_count")
    entries = {entry["page_id"]: entry for entry in SearchEntry.objects.values(*fields)}
    terms = set(SearchTerm.objects.values_list("entry_id", "term", "weight", "in_title"))
    return entries, terms, set(SearchWord.objects.values_list("word", "term", "pages"))


def test_a_bulk_write_indexes_its_pages_as_a_rebuild_does(monkeypatch, section):
    monkeypatch.setattr(indexer, "BATCH_SIZE", 2)
    with deferred_indexing():
        topics = [
            make_topic(
                section,
                title=f"Café exits {number}",
                summary="Watchers guard the root chain.",
                body=[("text", RichText(f"<p>Exit game {number}: the e-wallet waits.</p>"))],
            )
            for number in range(1, 6)
        ]
    written = readers_index()
    indexer.index_all()

    assert written == readers_index()
    assert {hit.page_id for hit in search("cafe exit", limit=10).hits} == {t.pk for t in topics}


def test_a_second_bulk_write_replaces_the_pages_words(section):
    with deferred_indexing():
        topic = make_topic(section, title="Exits", body=[("text", RichText("<p>Watchers.</p>"))])
    with deferred_indexing():
        topic.body = [("text", RichText("<p>Operators.</p>"))]
        topic.save_revision().publish()

    assert [hit.page_id for hit in search("operators").hits] == [topic.pk]
    assert search("watchers").hits == []
    assert not SearchWord.objects.filter(word="watchers").exists()
    written = readers_index()
    indexer.index_all()
    assert written == readers_index()
