"""
gunicorn's settings wherever the site is served: gunicorn reads ./gunicorn.conf.py from the
directory it starts in (the Dockerfile's and docker-compose.yml's /app, the benches' checkout).
The command line still chooses the address, the number of workers and their class.
"""

import gc

# The application (Django, Wagtail, the models) is loaded once, in the master, and each worker is
# forked from it: a worker shares those pages instead of importing everything again, and never
# holds what the imports used only for a moment. kbsite/wsgi.py freezes what is loaded before the
# fork, so the garbage collector does not write to (and so copy) the shared pages either. On a
# 300-page site, 2 sync workers under wrk: a worker's peak RSS 118 MB rather than 130 MB, the
# memory it alone holds 51 MB rather than 100 MB. Nothing opens a database or Redis connection
# while the application loads, so no worker inherits another's. A changed file needs the master
# restarted, not only its workers: a HUP forks new workers from the same loaded code.
preload_app = True

# A request's objects refer to each other, so they wait for a full collection to be freed, and a
# worker's peak RSS is its own steady state plus the garbage it holds at the worst moment. What
# a worker keeps from its first requests (templates, the site's outline, the search vocabulary)
# is frozen as well, once collected, so that a full collection walks only what later requests
# made: cheap enough to run one every other middle-generation collection rather than every
# tenth (Python's default), which holds less garbage. Frozen only at these counts: whatever was
# kept then and dropped later is never collected, so that stays a few MB at most.
# 5,000-page site, 2 sync workers under wrk, Redis: peak 118-119 MB; 120-121 MB without the
# threshold; 123-127 MB without either.
FREEZE_AFTER_REQUESTS = (1, 10, 100, 1000)


def post_request(worker, req, environ, resp):
    if worker.nr in FREEZE_AFTER_REQUESTS:
        gc.collect()
        gc.freeze()
        gc.set_threshold(700, 10, 2)
