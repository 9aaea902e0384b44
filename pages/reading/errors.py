"""
Server errors, in the site's layout and without a query: Django renders these while the database
may be the very thing that failed.

A database that cannot be reached (PostgreSQL stopped or restarting, a failover, too many
connections), or a statement it cancelled for running past the statement timeout
(DB_STATEMENT_TIMEOUT, docs/deploy.md), is not a bug in a page: readers get "503 Service
Unavailable" with Retry-After, so that proxies, crawlers and monitors know to come back, and the
site recovers by itself on the next request once the database answers, because each request
opens or health-checks its connection (CONN_HEALTH_CHECKS). Anything else is a 500.

Django logs each of these 503s on django.request as it logs a 500, with the traceback: an outage
wrote one traceback (two, chained) per request. OneLineWhenDatabaseUnavailable, a filter on that
logger (settings LOGGING), makes them one line each; a 500 keeps its traceback.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

# Seconds a client should wait before it tries again.
RETRY_AFTER_SECONDS = 30


def database_unavailable(error):
    # OperationalError: no connection, one lost mid-request, or a statement cancelled by the
    # statement timeout (psycopg's QueryCanceled); InterfaceError: a connection that was closed
    # under us. psycopg's own errors reach Django as these.
    return isinstance(error, OperationalError | InterfaceError)


class OneLineWhenDatabaseUnavailable(logging.Filter):
    """Turns django.request's record of a database-unavailable 503 into one line: the status,
    the path and the error (`Service Unavailable: /search/ (OperationalError: canceling
    statement due to statement timeout)`), without the traceback every such request repeats."""

    def filter(self, record):
        error = record.exc_info[1] if record.exc_info else None
        # The 503 only: with DEBUG, Django answers a 500 with the traceback, and logs it too.
        if getattr(record, "status_code", None) == 503 and database_unavailable(error):
            # psycopg's messages run over several lines; escaped as Django escapes the path.
            message = " ".join(str(error).split()).encode("unicode_escape").decode("ascii")
            record.msg = f"{record.getMessage()} ({type(error).__name__}: {message})"
            record.args = ()
            record.exc_info = record.exc_text = None
        return True


@requires_csrf_token
def server_error(request):
    """handler500: called by Django while it handles the exception, so sys.exc_info() has it."""
    error = sys.exc_info()[1]
    if database_unavailable(error):
        response = HttpResponseServerError(loader.get_template("503.html").render())
        response.status_code = 503
        response.reason_phrase = "Service Unavailable"
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())
