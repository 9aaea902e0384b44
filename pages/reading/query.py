"""
Which query parameters a reader view reads, said next to the view: `@reads_query("page")`.

The page cache keeps a reader's page under its address, query string included
(pages/caching/http_cache.py). A request carrying a parameter its view does not read
(`?junk=<random>`, `?utm_source=`) is the same page under yet another address: neither the page
cache nor a shared cache keeps it, or a script could fill Redis with copies of one page and push
out the sidebar tree and the throttles' counts. A view without the mark reads no parameter, as
Wagtail's pages read none. deploy/varnish/default.vcl lists the same names
(tests/caching/test_http_cache.py compares them).
"""


def reads_query(*names):
    """Marks a view as reading these query parameters (and no other)."""

    def mark(view):
        view.query_parameters = frozenset(names)
        return view

    return mark


def query_parameters(view):
    """The parameters `view`, a URL pattern's callback, reads: its mark, or its class's for a
    class-based view (the API's viewset, whose own depend on the page types, so it answers with a
    method)."""
    declared = getattr(view, "query_parameters", None)
    if declared is None:
        view_class = getattr(view, "cls", None) or getattr(view, "view_class", None)
        declared = getattr(view_class, "query_parameters", frozenset())
    return declared() if callable(declared) else declared
