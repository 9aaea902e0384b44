"""
How long one SQL statement may run on PostgreSQL, by who is asking (issue 22).

- A web request: DB_STATEMENT_TIMEOUT milliseconds (production: 5,000), set as the connection's
  own statement_timeout when it opens (kbsite/settings/base.py), so it costs no query. A statement
  past it is cancelled, and the reader gets a 503 with Retry-After (pages/reading/errors.py)
  instead of holding a worker, and a database backend, for minutes.
- An editor's admin request (signed in, with access to the admin): DB_ADMIN_STATEMENT_TIMEOUT
  (30,000 by default), set by AdminStatementTimeoutMiddleware for the request and reset after it.
  Editors' work (moving or deleting a section, the reports, a search over every draft) may
  rightly take longer than a reader's page, and an edit should not fail halfway for it. The
  admin's sign-in page is a reader's request: anyone can reach it. A streamed response (a
  report's CSV export) reads its rows after the view has returned, under the readers' limit,
  which each of its statements (a chunk of rows) keeps to easily.
- A management command: no limit (manage.py), so migrate, import_gitbook and backups finish.

SQLite has no statement timeout: there every limit is 0 and this middleware does nothing.
"""

from django.conf import settings
from django.db import Error, connection

from kbsite.security import ADMIN_PREFIX


def admin_statement_timeout(request):
    """The statement timeout for this request if it is an editor's admin request that may run
    longer than a reader's, else None."""
    reader_limit = settings.KB_STATEMENT_TIMEOUT_MS
    admin_limit = settings.KB_ADMIN_STATEMENT_TIMEOUT_MS  # 0: none
    longer = admin_limit == 0 or admin_limit > reader_limit
    # Cheapest test first: without a reader limit (SQLite, tests, commands) nothing is read,
    # not even the session.
    if not reader_limit or not longer or not request.path.startswith(ADMIN_PREFIX):
        return None
    if not request.user.has_perm("wagtailadmin.access_admin"):
        return None
    return admin_limit


class AdminStatementTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = admin_statement_timeout(request)
        if limit is None:
            return self.get_response(request)
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [str(limit)])
        try:
            return self.get_response(request)
        finally:
            restore_reader_limit()


def restore_reader_limit():
    """Back to the limit the connection opened with (its options): the worker keeps the
    connection for the next request, which may be a reader's."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")
    except Error:
        # A connection that cannot take RESET (lost, or inside a failed transaction) is not
        # handed on with the admin's limit: the next request opens a new one.
        connection.close()
