"""
What the permission suites (test_permissions.py, test_tree_permissions.py) both read back: a
page as the database has it now, and everything a refused action must leave alone. The payloads
and the data they build are in builders.py.
"""

from django.contrib.auth import get_user_model
from django.urls import reverse

from wagtail.models import Page, PageLogEntry, TaskState, WorkflowState
from wagtail.models.audit_log import ModelLogEntry

# What the admin says when it sends a user without the right back to the dashboard.
NO_PERMISSION = "Sorry, you do not have permission to access this area."


def fresh(page):
    return Page.objects.get(pk=page.pk)


def latest_title(page):
    return fresh(page).get_latest_revision_as_object().title


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def live_state():
    """What readers can see: the live pages, where they are, what they say, what was published."""
    return {
        "live pages": sorted(
            Page.objects.live().values_list("pk", "title", "path", "live_revision_id")
        ),
        "publish log": PageLogEntry.objects.filter(action="wagtail.publish").count(),
    }


def database_state():
    """Everything a refused action must leave alone."""
    return {
        **live_state(),
        "pages": sorted(
            Page.objects.values_list(
                "pk", "title", "live", "path", "latest_revision_id", "locked", "locked_by_id"
            )
        ),
        "page log": PageLogEntry.objects.count(),
        "other log": ModelLogEntry.objects.count(),
        "users": sorted(get_user_model().objects.values_list("username", "is_superuser")),
        "workflows": sorted(WorkflowState.objects.values_list("pk", "object_id", "status")),
        "tasks": sorted(TaskState.objects.values_list("pk", "revision_id", "status")),
    }
