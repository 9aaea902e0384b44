"""
Server errors, in the site's layout and without a query: Django renders these while the database
may be the very thing that failed.

A database that cannot be reached (PostgreSQL stopped or restarting, a failover, too many
connections) is not a bug in a page: readers get "503 Service Unavailable" with Retry-After, so
that proxies, crawlers and monitors know to come back, and the site recovers by itself on the
next request once the database answers, because each request opens or health-checks its
connection (CONN_HEALTH_CHECKS). Anything else is a 500.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

# Seconds a client should wait before it tries again.
RETRY_AFTER_SECONDS = 30


def database_unavailable(error):
    # OperationalError: no connection, or one lost mid-request; InterfaceError: a connection that
    # was closed under us. psycopg's own errors reach Django as these.
    return isinstance(error, OperationalError | InterfaceError)


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
