"""
One account per editorial role, so someone trying the site can see what each role may do.

The passwords are public (they are in the README), so this refuses to run unless DEBUG is on.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

DEMO_ACCOUNTS = [
    # username, password, group, superuser
    ("admin", "admin-demo-password", "Administrators", True),
    ("editor", "editor-demo-password", "Editors", False),
    ("reviewer", "reviewer-demo-password", "Reviewers", False),
]


class Command(BaseCommand):
    help = (
        "Create (or reset) the demo accounts admin, editor and reviewer with their published "
        "passwords and groups. Development only: refuses to run when DEBUG is off."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the accounts without writing anything."
        )

    def handle(self, *args, dry_run, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Demo accounts have public passwords and are for local development only; "
                "DEBUG is off, so none were created."
            )
        User = get_user_model()
        with transaction.atomic():
            for username, password, group_name, is_superuser in DEMO_ACCOUNTS:
                if dry_run:
                    self.stdout.write(f"Would create {username} ({group_name})")
                    continue
                try:
                    group = Group.objects.get(name=group_name)
                except Group.DoesNotExist as error:
                    raise CommandError(
                        f"The group {group_name!r} is missing; run `manage.py migrate` first."
                    ) from error
                user, _ = User.objects.get_or_create(
                    username=username, defaults={"email": f"{username}@example.com"}
                )
                user.is_superuser = user.is_staff = is_superuser
                user.is_active = True
                user.set_password(password)
                user.save()
                user.groups.set([group])

        if dry_run:
            return
        self.stdout.write(self.style.SUCCESS("Demo accounts (development only):"))
        for username, password, group_name, _ in DEMO_ACCOUNTS:
            self.stdout.write(f"  {group_name:<15} {username:<9} {password}")
