"""
What a request keeps on itself for its own rendering (the page's rendered parts, the pieces of
the tree it read) is let go as soon as its response is made, rather than when the garbage
collector next gets round to it.

Django's request is always in reference cycles (its messages' storage and its lazy user point
back at it), so nothing hung on it is freed when the request ends: it waits for a full
collection, which comes only every few dozen requests. A page's rendered parts are its whole
HTML and its sidebar again, 330 KB for a deep page of the 50,000-page site, so that wait piled up
megabytes of dead HTML in every worker and its heap kept the high-water mark. A worker's peak
RSS (gunicorn sync, the deep page and then searches, as bench/serve_bench.py's (a) and (d)
serve them) at 50,000 pages: 127.7 and 137.0 MB before, 113.8 and 112.4 MB with this.

Freed at once, a page's big strings would go back to the C allocator on every request, and
glibc's defaults hand blocks that large back to the system (mmap and munmap, or trimming the
heap's top) only to fault them in again on the next request: the deep page took 5.4 ms in place
of 2.5. So the allocator is told, once per process, to keep them (keep_big_blocks): with it
the deep page takes 1.3-1.4 ms (2.1 before; one process, median of 300 requests), and what a
worker holds is one request's high-water mark rather than that of the dozens of requests'
garbage a full collection used to find.
"""

import ctypes
import ctypes.util

# Set by pages.reading.rendered.parts_for and pages.reading.navigation.navigation_for_request.
PER_REQUEST_ATTRIBUTES = ("_kb_rendered_parts", "_kb_navigation")


# glibc's mallopt() parameters (malloc.h) and the values measured: blocks under 4 MB come from the
# heap, and its top is handed back only past 32 MB free.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
TRIM_THRESHOLD = 32 * 1024 * 1024
MMAP_THRESHOLD = 4 * 1024 * 1024


def keep_big_blocks():
    """Tell glibc's malloc to keep freed big blocks for the next request; elsewhere (musl,
    macOS) nothing. Called when the middleware is made, in gunicorn's master before its workers
    are forked, so every worker inherits it. Whether it took is returned, for the tests."""
    library = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(library).mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(
        mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )


class ForgetRequestPartsMiddleware:
    """Next to outermost (only the page cache, which reads none of them, is outside it): every
    other middleware has finished with the request when it lets go."""

    def __init__(self, get_response):
        self.get_response = get_response
        keep_big_blocks()

    def __call__(self, request):
        response = self.get_response(request)
        # A streamed body (llms.txt) is written after this returns and may still read them.
        if not response.streaming:
            for name in PER_REQUEST_ATTRIBUTES:
                request.__dict__.pop(name, None)
        return response
