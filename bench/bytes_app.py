"""
A WSGI application that answers every request with the bytes of one file, read once: what the
serving benchmark's scenario (f) runs under gunicorn, with the worker options of the others, to
measure the server's own limit on this machine. Anything slower than this is the app's.

    BENCH_BYTES_FILE=/path/to/page.html gunicorn bench.bytes_app
"""

import os
from pathlib import Path

BODY = Path(os.environ["BENCH_BYTES_FILE"]).read_bytes()
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", list(HEADERS))
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [BODY]
