"""`manage.py set_site_address`: links built without a request (emails, reminders) lead to the
address the site is served from, as `make run` sets it."""

import io

import pytest

from django.core.management import CommandError, call_command

from wagtail.models import Site

from tests.conftest import make_topic

pytestmark = pytest.mark.django_db


def test_pages_full_addresses_follow_the_site_address(section):
    page = make_topic(section, title="Exits")

    out = io.StringIO()
    call_command("set_site_address", "http://127.0.0.1:8123", stdout=out)

    assert "The default site is now http://127.0.0.1:8123/." in out.getvalue()
    page.refresh_from_db()
    assert page.get_full_url() == "http://127.0.0.1:8123/omg-deep-dive/exits/"


@pytest.mark.parametrize(
    "address", ["127.0.0.1:8000", "ftp://example.org", "http://", "http://host:99999"]
)
def test_an_address_that_is_not_one_is_refused_and_changes_nothing(home, address):
    before = Site.objects.values_list("hostname", "port").get(is_default_site=True)

    with pytest.raises(CommandError):
        call_command("set_site_address", address, stdout=io.StringIO())

    assert Site.objects.values_list("hostname", "port").get(is_default_site=True) == before
