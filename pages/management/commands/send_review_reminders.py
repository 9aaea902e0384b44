"""
Review reminders: each person who keeps pages current gets one email a day listing the live
knowledge-base pages whose review is overdue or comes due within REVIEW_SOON_DAYS, so nobody has to
remember to open the dashboard.

A page's reminder goes to its owner while the owner is an active account with an email address;
otherwise to every such member of the Editors group, so no page goes unreminded because its author
left. The pages are those of pages.editorial_status, like the dashboard's and content_report's.

The scheduler runs it once a day (docker-compose.yml, docs/deploy.md). Running it again the same day
sends nothing twice: each digest sent is recorded as a ReviewReminder, one per person per day.
"""

from argparse import ArgumentTypeError
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.timezone import localdate
from django.utils.translation import ngettext

from pages import editorial_status
from pages.editorial_status import REVIEW_DUE_SOON, REVIEW_OVERDUE, REVIEW_SOON_DAYS, review_q
from pages.models import ReviewReminder
from pages.models.base import is_review_overdue

FALLBACK_GROUP = "Editors"
TEMPLATE = "pages/emails/review_reminder"


def iso_date(value):
    """--date's argument: a date written YYYY-MM-DD."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not a date written YYYY-MM-DD") from None


def n_pages(count):
    return ngettext("%d page", "%d pages", count) % count


@dataclass
class DueReview:
    """One page in a digest, with what the digest says about it."""

    page_id: int
    title: str
    review_due: date
    days: int  # days overdue when overdue, else days until due (0: due today)
    overdue: bool
    edit_url: str
    live_url: str | None
    owner_unreachable: bool  # sent to the Editors because no owner can be emailed

    @property
    def when(self):
        if self.overdue:
            return ngettext("overdue by %d day", "overdue by %d days", self.days) % self.days
        if self.days == 0:
            return "due today"
        return ngettext("due in %d day", "due in %d days", self.days) % self.days


@dataclass
class Digest:
    recipient: object
    reviews: list = field(default_factory=list)

    @property
    def overdue(self):
        return [review for review in self.reviews if review.overdue]

    @property
    def due_soon(self):
        return [review for review in self.reviews if not review.overdue]

    @property
    def subject(self):
        count = len(self.reviews)
        return (
            ngettext(
                "%d knowledge-base page needs a review",
                "%d knowledge-base pages need a review",
                count,
            )
            % count
        )


class Command(BaseCommand):
    help = (
        "Email each page's owner (or, when the owner is inactive or has no email address, every "
        "active member of Editors) one digest of the live knowledge-base pages whose review is "
        f"overdue or due within {REVIEW_SOON_DAYS} days: overdue first, the oldest first, then "
        "those coming due, each with its due date, editor link and live link. At most one digest "
        "per person per day, so running it again the same day sends nothing twice. --dry-run "
        "prints who would get what and sends nothing; --verbosity 2 also lists each digest's "
        "pages; --verbosity 0 prints nothing but warnings and errors."
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
            digests, unreachable = self.digests(today)
            already_reminded = set(
                ReviewReminder.objects.filter(sent_on=today).values_list("recipient", flat=True)
            )
        except DatabaseError as error:
            raise CommandError(
                f"Could not read the pages due for review: {error}. Is the database set up? "
                "Run `manage.py migrate` first."
            ) from error

        if unreachable:
            self.stderr.write(
                self.style.WARNING(
                    f"{n_pages(len(unreachable))} with no one to remind (no active owner and no "
                    f"active member of {FALLBACK_GROUP} with an email address): "
                    + ", ".join(unreachable)
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
        if to_send:
            try:
                # One connection for the whole run, opened only when there is something to send.
                with get_connection() as connection:
                    for digest in to_send:
                        outcome = self.send(digest, today, connection)
                        if outcome == "sent":
                            sent.append(digest)
                            self.describe(digest, "Sent", verbosity)
                        elif outcome == "already reminded":
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

    def digests(self, today):
        """One Digest per recipient, and the titles of pages nobody can be reminded of."""
        pages = (
            editorial_status.knowledge_base_pages()
            .live()
            # An alias shows its original's content and fields: the original is reviewed.
            .filter(alias_of__isnull=True)
            .filter(review_q(REVIEW_OVERDUE, today) | review_q(REVIEW_DUE_SOON, today))
            .select_related("owner")
            .order_by("review_due", "title", "pk")
        )
        editors = None  # read once, when the first page needs them
        by_recipient, unreachable = {}, []
        base_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        for page in pages:
            owner = page.owner
            if owner is not None and owner.is_active and owner.email:
                recipients = [owner]
            else:
                if editors is None:
                    editors = list(
                        get_user_model()
                        .objects.filter(groups__name=FALLBACK_GROUP, is_active=True)
                        .exclude(email="")
                        .order_by("username")
                    )
                recipients = editors
            if not recipients:
                unreachable.append(page.get_admin_display_title())
                continue
            overdue = is_review_overdue(page.review_due, today)
            review = DueReview(
                page_id=page.pk,
                title=page.get_admin_display_title(),
                review_due=page.review_due,
                days=abs((page.review_due - today).days),
                overdue=overdue,
                edit_url=base_url + reverse("wagtailadmin_pages:edit", args=[page.pk]),
                live_url=page.get_full_url(),
                owner_unreachable=recipients is editors,
            )
            for recipient in recipients:
                by_recipient.setdefault(recipient.pk, Digest(recipient)).reviews.append(review)
        return list(by_recipient.values()), unreachable

    def send(self, digest, today, connection):
        """
        Records the reminder, then sends it, in one transaction: a failed send rolls the record
        back, so the next run tries that person again.

        Recording first is the safer order. The unique (recipient, sent_on) row is claimed before
        any mail leaves, so two runs at once (a restarted scheduler beside the old one, cron on
        two machines) cannot both send: the second one's insert waits for the first's commit and
        then fails. Sending first would leave a window the length of the send in which both
        could. What remains is a crash between the send and the commit, which repeats that one
        person's digest at most; each digest has its own transaction, so those already done stay
        recorded whatever happens later in the run. (The transaction stays open for one send: on
        SQLite that holds the write lock for those seconds, which a daily job can afford.)
        """
        message = self.message(digest, today, connection)
        try:
            with transaction.atomic():
                ReviewReminder.objects.create(
                    recipient=digest.recipient, sent_on=today, pages=len(digest.reviews)
                )
                message.send()
        except IntegrityError:
            return "already reminded"  # by another run, since this one looked
        except OSError as error:  # smtplib's errors and refused connections
            return str(error) or error.__class__.__name__
        return "sent"

    def message(self, digest, today, connection):
        context = {
            "subject": digest.subject,
            "recipient": digest.recipient,
            "overdue": digest.overdue,
            "due_soon": digest.due_soon,
            "today": today,
            "soon_days": REVIEW_SOON_DAYS,
            "fallback_group": FALLBACK_GROUP,
            "listing_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/")
            + reverse("knowledge_base_pages:index"),
        }
        message = EmailMultiAlternatives(
            subject=digest.subject,
            body=render_to_string(f"{TEMPLATE}.txt", context),
            to=[digest.recipient.email],
            connection=connection,
        )
        message.attach_alternative(render_to_string(f"{TEMPLATE}.html", context), "text/html")
        return message

    def describe(self, digest, verb, verbosity):
        if verbosity < 1:
            return
        recipient = digest.recipient
        self.stdout.write(
            f"{verb} {recipient.email} ({recipient.get_username()}): "
            f"{n_pages(len(digest.reviews))}, "
            f"{len(digest.overdue)} overdue, {len(digest.due_soon)} due soon"
        )
        if verbosity >= 2:
            for review in digest.reviews:
                self.stdout.write(f"  {review.title}: {review.when} ({review.review_due})")

    def summary(self, verb, digests, skipped, today, verbosity):
        if verbosity < 1:
            return
        listed = len({review.page_id for digest in digests for review in digest.reviews})
        when = "today" if today == localdate() else f"on {today.isoformat()}"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {ngettext('%d digest', '%d digests', len(digests)) % len(digests)} "
                f"({n_pages(listed)}); "
                f"{ngettext('%d recipient', '%d recipients', skipped) % skipped} "
                f"already reminded {when}."
            )
        )
