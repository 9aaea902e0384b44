"""
Email review reminders: each person who can act gets one digest a day of the live pages whose
review is overdue or comes due soon, and of their pages sent back for changes
(pages/editorial/reminders.py says who gets what).

The scheduler runs it once a day (docker-compose.yml, docs/deploy.md); running it again the same
day sends nothing twice.
"""

from argparse import ArgumentTypeError
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.timezone import localdate
from django.utils.translation import ngettext

from pages.editorial import reminders
from pages.editorial.attention import REVIEW_SOON_DAYS


def iso_date(value):
    """--date's argument: a date written YYYY-MM-DD."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not a date written YYYY-MM-DD") from None


def n_pages(count):
    return ngettext("%d page", "%d pages", count) % count


class Command(BaseCommand):
    help = (
        "Email one digest a day to each person who can act on a knowledge-base page: live pages "
        f"whose review is overdue or due within {REVIEW_SOON_DAYS} days go to the page's owner "
        "if the owner can mark it reviewed (else to every active member of Reviewers with an "
        "email address), overdue first, the oldest first; pages sent back for changes go to "
        "their last editor, with who sent them back and the comment's first line. At most one "
        "digest per person per day, so running it again the same day sends nothing twice. "
        "--dry-run prints who would get what and sends nothing; --verbosity 2 also lists each "
        "digest's pages; --verbosity 0 prints nothing but warnings and errors."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            dest="as_of",
            type=iso_date,
            help="Remind as of this day (YYYY-MM-DD) instead of today, in TIME_ZONE.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print who would get which pages; send and record nothing.",
        )

    def handle(self, *args, as_of, dry_run, verbosity, **options):
        today = as_of or localdate()
        try:
            digests, unreachable = reminders.due_digests(today)
            already_reminded = reminders.reminded_on(today)
        except DatabaseError as error:
            raise CommandError(
                f"Could not read the pages due for review: {error}. Is the database set up? "
                "Run `manage.py migrate` first."
            ) from error

        if unreachable:
            self.stderr.write(
                self.style.WARNING(
                    f"{n_pages(len(unreachable))} with no one to remind (for a review: no owner "
                    f"who can mark it reviewed and no active member of {reminders.FALLBACK_GROUP} "
                    "with an email address; sent back: its last editor is inactive or has no "
                    "email address): " + ", ".join(unreachable)
                )
            )

        to_send = [d for d in digests if d.recipient.pk not in already_reminded]
        skipped = len(digests) - len(to_send)
        if dry_run:
            for digest in to_send:
                self.describe(digest, "Would send", verbosity)
            self.summary("Would send", to_send, skipped, today, verbosity)
            return

        sent, failures = [], []
        try:
            for digest, outcome in reminders.send_digests(to_send, today):
                if outcome == reminders.SENT:
                    sent.append(digest)
                    self.describe(digest, "Sent", verbosity)
                elif outcome == reminders.ALREADY_REMINDED:
                    skipped += 1
                else:
                    failures.append(f"{digest.recipient.email}: {outcome}")
        except DatabaseError as error:
            self.summary("Sent", sent, skipped, today, verbosity)
            raise CommandError(
                f"Could not record a reminder: {error}. The digests above were sent and "
                "recorded; run the command again to send the rest."
            ) from error
        except OSError as error:  # The mail server cannot be reached at all.
            raise CommandError(f"Could not connect to the mail server: {error}.") from error

        self.summary("Sent", sent, skipped, today, verbosity)
        if failures:
            raise CommandError(
                f"Could not send {len(failures)} digests (not recorded, so the next run tries "
                "again): " + "; ".join(failures)
            )

    def describe(self, digest, verb, verbosity):
        if verbosity < 1:
            return
        recipient = digest.recipient
        sent_back = f", {len(digest.sent_back)} sent back" if digest.sent_back else ""
        self.stdout.write(
            f"{verb} {recipient.email} ({recipient.get_username()}): "
            f"{n_pages(digest.pages)}, "
            f"{len(digest.overdue)} overdue, {len(digest.due_soon)} due soon{sent_back}"
        )
        if verbosity >= 2:
            for review in digest.reviews:
                self.stdout.write(f"  {review.title}: {review.when} ({review.review_due})")
            for page in digest.sent_back:
                self.stdout.write(f"  {page.title}: sent back by {page.reviewer} {page.ago}")

    def summary(self, verb, digests, skipped, today, verbosity):
        if verbosity < 1:
            return
        listed = len(
            {item.page_id for digest in digests for item in digest.reviews + digest.sent_back}
        )
        when = "today" if today == localdate() else f"on {today.isoformat()}"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {ngettext('%d digest', '%d digests', len(digests)) % len(digests)} "
                f"({n_pages(listed)}); "
                f"{ngettext('%d recipient', '%d recipients', skipped) % skipped} "
                f"already reminded {when}."
            )
        )
