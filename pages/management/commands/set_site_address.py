"""
Point the default site at the address it is served from, so that links built without a request
(emails, reminders) lead there: `manage.py set_site_address http://127.0.0.1:8000`.

`make run` calls it with its own HOST and PORT. In production, set the Site in the admin
(Settings → Sites) or run this once with the public address.
"""

from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from wagtail.models import Site


class Command(BaseCommand):
    help = (
        "Set the default site's host name and port from an address such as http://127.0.0.1:8000."
    )

    def add_arguments(self, parser):
        parser.add_argument("address", help="The site's address: http(s)://host[:port]")

    def handle(self, *args, address, **options):
        parts = urlsplit(address)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CommandError(f"{address!r} is not an address like http://127.0.0.1:8000.")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as error:
            raise CommandError(f"{address!r} has no valid port: {error}.") from None
        with transaction.atomic():
            site = Site.objects.filter(is_default_site=True).first()
            if site is None:
                raise CommandError("There is no default site to point at that address.")
            site.hostname, site.port = parts.hostname, port
            site.save()
        self.stdout.write(self.style.SUCCESS(f"The default site is now {site.root_url}/."))
