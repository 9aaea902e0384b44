"""
What the permission suites (test_permissions.py, test_tree_permissions.py) both read back: a
page as the database has it now, and everything a refused action must leave alone. The payloads
and the data they build are in builders.py.
"""

import pytest

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from wagtail.models import Page, PageLogEntry, PageViewRestriction, TaskState, WorkflowState
from wagtail.models.audit_log import ModelLogEntry

from pages.models import TopicPage
from tests.conftest import make_topic
from tests.hardening.builders import hidden_fields, tag_with_marker

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


@pytest.fixture
def hidden_pages(section):
    """A live page, and one page of each kind readers must not see: a draft, a page withdrawn
    from the site, and pages behind a login, a password and a group."""
    visible = make_topic(section, title="Exits", summary="How to leave.")
    visible.tags.set(["plasma"])
    visible.save_revision().publish()

    draft = TopicPage(live=False, slug="draft", **hidden_fields("Draft"))
    section.add_child(instance=draft)
    tag_with_marker(draft)
    draft.save_revision()

    edited = make_topic(section, title="Blocks", summary="How blocks are made.")
    for name, value in hidden_fields("Unpublished").items():
        setattr(edited, name, value)
    tag_with_marker(edited)
    edited.save_revision()

    restricted = {}
    for kind, restriction in (
        ("login", {"restriction_type": "login"}),
        ("password", {"restriction_type": "password", "password": "s3cret"}),
        ("group", {"restriction_type": "groups"}),
    ):
        page = make_topic(section, slug=f"{kind}-only", **hidden_fields(kind.title()))
        tag_with_marker(page)
        page.save_revision().publish()
        rule = PageViewRestriction.objects.create(page=page, **restriction)
        if kind == "group":
            rule.groups.set([Group.objects.get_or_create(name="Insiders")[0]])
        restricted[kind] = page

    withdrawn = make_topic(section, slug="withdrawn", **hidden_fields("Withdrawn"))
    tag_with_marker(withdrawn)
    withdrawn.save_revision().publish()
    withdrawn.unpublish()

    return visible, [draft, withdrawn, *restricted.values()]
