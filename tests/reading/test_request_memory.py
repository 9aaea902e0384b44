"""
What a request keeps for its own rendering is let go with its response
(pages/reading/request_memory.py): a request is always in reference cycles, so anything left on
it would wait for a full garbage collection, and a worker's heap would keep the high-water mark
of the pages' HTML piled up meanwhile.
"""

import platform

import pytest

from pages.reading.request_memory import PER_REQUEST_ATTRIBUTES, keep_big_blocks

pytestmark = pytest.mark.django_db


def test_a_page_lets_go_of_its_parts_and_navigation_once_served(client, topic):
    for _ in range(2):  # drawn, then kept
        response = client.get(topic.url)

        assert response.status_code == 200
        assert "<h1>Exits</h1>" in response.content.decode()
        assert 'class="sidebar"' in response.content.decode()
        left = [name for name in PER_REQUEST_ATTRIBUTES if name in response.wsgi_request.__dict__]
        assert left == []


def test_a_streamed_answer_still_reads_the_tree_while_it_is_written(client, topic):
    response = client.get("/llms.txt")

    assert response.status_code == 200
    assert "Exits" in b"".join(response.streaming_content).decode()


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc settings")
def test_the_allocator_keeps_big_blocks_for_the_next_request():
    # Without it, a page's big strings freed at once went back to the system and were faulted in
    # again on the next request: the deep page at 50,000 pages took twice as long.
    assert keep_big_blocks()
