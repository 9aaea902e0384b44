"""A WSGI application for tests/operations/test_web_server.py: it answers with the process that
imported it, the process serving the request and how many objects the garbage collector has
frozen there, as JSON."""

import gc
import json
import os

LOADED_IN = os.getpid()


def application(environ, start_response):
    body = json.dumps(
        {"loaded_in": LOADED_IN, "served_by": os.getpid(), "frozen": gc.get_freeze_count()}
    ).encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
