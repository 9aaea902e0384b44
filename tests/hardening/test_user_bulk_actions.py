"""
The user listing's bulk actions keep the rule of the user edit form (pages/editorial/users.py):
only a superuser changes a superuser. Wagtail checks them against the "change user" permission
alone, so a member of Administrators could deactivate every superuser at once (issue 22). Each
action is posted as its confirmation page posts it, and the accounts read back from the database.
"""

import pytest

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.hardening.builders import account

ACTIONS = ["set_active_state", "assign_role", "delete"]


@pytest.fixture
def people(db):
    return {
        "administrator": account("administrator", "Administrators"),
        "superuser": account("superuser", "Administrators", is_superuser=True),
        "founder": account("founder", "Administrators", is_superuser=True),
        "editor": account("editor", "Editors"),
    }


def bulk_url(action, *users):
    url = reverse("wagtail_bulk_action", args=["auth", "user", action])
    return url + "?" + "&".join(f"id={user.pk}" for user in users)


def confirm(client, action, *users):
    """Press the confirmation page's "Yes": deactivate, make Reviewer, or delete `users`."""
    form = {
        "set_active_state": {"mark_as_active": "False"},
        "assign_role": {"role": Group.objects.get(name="Reviewers").pk},
        "delete": {},
    }[action]
    return client.post(bulk_url(action, *users), form)


def account_state(user):
    """All a bulk user action could change about `user`; None once the account is deleted."""
    found = get_user_model().objects.filter(pk=user.pk).first()
    if found is None:
        return None
    return found.is_active, found.is_superuser, sorted(found.groups.values_list("name", flat=True))


def took_effect(action, user):
    state = account_state(user)
    if action == "delete":
        return state is None
    is_active, _, groups = state
    return not is_active if action == "set_active_state" else "Reviewers" in groups


@pytest.mark.parametrize("action", ACTIONS)
def test_an_administrator_cannot_act_on_a_superuser(client, people, action):
    founder = people["founder"]
    before = account_state(founder)
    client.force_login(people["administrator"])

    confirm(client, action, founder)

    assert account_state(founder) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_the_confirmation_page_says_why_a_superuser_is_left_out(client, people, action):
    client.force_login(people["administrator"])

    response = client.get(bulk_url(action, people["founder"]))

    assert response.status_code == 200
    assert "Only a superuser can change a superuser" in response.content.decode()


@pytest.mark.parametrize("action", ACTIONS)
def test_an_administrator_still_acts_on_the_ordinary_users_chosen(client, people, action):
    founder, editor = people["founder"], people["editor"]
    before = account_state(founder)
    client.force_login(people["administrator"])

    # A superuser chosen with an ordinary user (as "select all" would): only the one is left out.
    confirm(client, action, founder, editor)

    assert account_state(founder) == before
    assert took_effect(action, editor)


@pytest.mark.parametrize("action", ACTIONS)
def test_a_superuser_still_acts_on_a_superuser(client, people, action):
    client.force_login(people["superuser"])

    confirm(client, action, people["founder"])

    assert took_effect(action, people["founder"])
