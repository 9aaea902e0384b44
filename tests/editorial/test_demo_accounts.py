"""`make run` gives one demo account per role, and never on a production configuration."""

import io

import pytest

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tests.conftest import make_topic


@pytest.mark.django_db
def test_demo_accounts_are_refused_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="local development only"):
        call_command("create_demo_accounts")

    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_each_role_gets_an_account_with_its_permissions(settings, section, client):
    settings.DEBUG = True
    output = io.StringIO()
    # Twice, as every `make run` does: the second run changes nothing.
    call_command("create_demo_accounts", stdout=output)
    call_command("create_demo_accounts", stdout=output)
    topic = make_topic(section)
    users = {user.username: user for user in get_user_model().objects.all()}

    assert sorted(users) == ["admin", "editor", "reviewer"]
    assert [group.name for group in users["editor"].groups.all()] == ["Editors"]
    assert [group.name for group in users["reviewer"].groups.all()] == ["Reviewers"]
    assert users["admin"].is_superuser
    # Editors draft; only reviewers (and administrators) can publish.
    assert topic.permissions_for_user(users["editor"]).can_edit()
    assert not topic.permissions_for_user(users["editor"]).can_publish()
    assert topic.permissions_for_user(users["reviewer"]).can_publish()
    assert client.login(username="editor", password="editor-demo-password")
    # The console shows each role's login.
    assert "Reviewers       reviewer  reviewer-demo-password" in output.getvalue()
