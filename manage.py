#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbsite.settings.dev")
    # Commands (migrate, import_gitbook, backup_site...) run as long as their statements need,
    # whatever the environment they share with the web processes says: the statement timeout is
    # for web requests (kbsite/settings/base.py).
    os.environ["DB_STATEMENT_TIMEOUT"] = "0"

    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
