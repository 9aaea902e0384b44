"""
The site's web server in production: granian, its workers forked from a process that has already
loaded the application.

    python -m kbsite.serve [--host 0.0.0.0] [--port $PORT] [--workers $WEB_CONCURRENCY]
                           [--access-log] [--application kbsite.wsgi:application]

Why granian, not gunicorn's sync workers (bench/profile-uncached.md, "Fifth round"): its HTTP
handling is in Rust and keeps connections alive, so a page from the app's page cache costs a
fraction of what a sync worker spends accepting and closing a connection per request, and a slow
client holds no worker while it sends or reads (a sync worker must sit behind a buffering proxy).
On the benchmark's machine it served 2-2.5x the cached pages and 1.7x the uncached ones.

Why this launcher rather than the `granian` command: granian loads the application in each
worker, once per worker. Loaded here first, with the start method set to fork, every worker
shares the master's Django, Wagtail and URL conf (kbsite/wsgi.py also freezes them for the
garbage collector), as gunicorn's preload_app did: about 20 MB less of each worker's own memory.
Each worker runs the application on one thread: the app's per-process caches and database
connection are not shared between threads, and a page is rendered start to finish on one core.
"""

import argparse
import gc
import importlib
import multiprocessing
import os

# Requests after which a worker moves what it has loaded since the fork into the garbage
# collector's permanent generation (the URL conf's lazy parts, templates, the Site): full
# collections then stop walking it, and the pages it shares with the master stay shared.
FREEZE_AFTER_REQUESTS = (1, 10, 100, 1000)


class FreezingApplication:
    """The application, counting its requests to freeze what the worker loaded on its first."""

    def __init__(self, application):
        self.application = application
        self.served = 0

    def __call__(self, environ, start_response):
        self.served += 1
        if self.served in FREEZE_AFTER_REQUESTS:
            # After the previous request, not this one: what it made is garbage or kept by now.
            gc.collect()
            gc.freeze()
        return self.application(environ, start_response)


def load(target):
    """'module:attribute' -> the WSGI application it names, importing the module."""
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute or "application")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))  # noqa: S104
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", "3")),
        help="Worker processes (default: WEB_CONCURRENCY, else 3).",
    )
    parser.add_argument(
        "--access-log", action="store_true", help="Log each request on standard output."
    )
    parser.add_argument(
        "--application",
        default="kbsite.wsgi:application",
        help="The WSGI application, as module:attribute (the benchmarks serve others).",
    )
    return parser.parse_args(argv)


def main(argv=None):
    options = parse_args(argv)
    from granian import Granian
    from granian.constants import Interfaces

    # Fork, never spawn: a spawned worker would load the application all over again.
    multiprocessing.set_start_method("fork", force=True)
    application = FreezingApplication(load(options.application))
    gc.collect()
    gc.freeze()
    server = Granian(
        options.application,
        address=options.host,
        port=options.port,
        interface=Interfaces.WSGI,
        workers=options.workers,
        runtime_threads=1,
        blocking_threads=1,
        websockets=False,
        log_access=options.access_log,
        respawn_failed_workers=True,
    )
    server.serve(target_loader=lambda _target: application)


if __name__ == "__main__":
    main()
