"""
Review reminders: each person who keeps pages current gets one email a day listing the live
knowledge-base pages whose review is overdue or comes due within REVIEW_SOON_DAYS, so nobody has to
remember to open the dashboard.

A page's reminder goes to its owner while the owner is an active account with an email address;
otherwise to every such member of the Editors group, so no page goes unreminded because its author
left. The pages are those of pages.editorial.attention, like the dashboard's and content_report's.

`manage.py send_review_reminders` sends them; the scheduler runs it once a day (docker-compose.yml,
docs/deploy.md). Running it again the same day sends nothing twice: each digest sent is recorded
as a ReviewReminder, one per person per day.
"""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import ngettext

from pages.editorial import attention
from pages.editorial.attention import REVIEW_DUE_SOON, REVIEW_OVERDUE, REVIEW_SOON_DAYS, review_q
from pages.models import ReviewReminder
from pages.models.base import is_review_overdue

FALLBACK_GROUP = "Editors"
TEMPLATE = "pages/emails/review_reminder"

# What became of one digest (send_digests); any other outcome is the mail server's error.
SENT = "sent"
ALREADY_REMINDED = "already reminded"


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


def due_digests(today):
    """One Digest per recipient of the live pages due for review on `today` (overdue, or due
    within REVIEW_SOON_DAYS), and the titles of pages nobody can be reminded of."""
    pages = (
        attention.knowledge_base_pages()
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
        review = DueReview(
            page_id=page.pk,
            title=page.get_admin_display_title(),
            review_due=page.review_due,
            days=abs((page.review_due - today).days),
            overdue=is_review_overdue(page.review_due, today),
            edit_url=base_url + reverse("wagtailadmin_pages:edit", args=[page.pk]),
            live_url=page.get_full_url(),
            owner_unreachable=recipients is editors,
        )
        for recipient in recipients:
            by_recipient.setdefault(recipient.pk, Digest(recipient)).reviews.append(review)
    return list(by_recipient.values()), unreachable


def reminded_on(day):
    """The ids of the people who got their digest on `day` already."""
    return set(ReviewReminder.objects.filter(sent_on=day).values_list("recipient", flat=True))


def send_digests(digests, today):
    """
    Send each digest, over one mail connection opened only when there is something to send,
    yielding (digest, outcome) as each is done: SENT, ALREADY_REMINDED or the mail server's error
    for that recipient. An OSError opening the connection, or a DatabaseError recording a digest,
    ends the run; those already sent are recorded.
    """
    if not digests:
        return
    with get_connection() as connection:
        for digest in digests:
            yield digest, send(digest, today, connection)


def send(digest, today, connection):
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
    message = digest_message(digest, today, connection)
    try:
        with transaction.atomic():
            ReviewReminder.objects.create(
                recipient=digest.recipient, sent_on=today, pages=len(digest.reviews)
            )
            message.send()
    except IntegrityError:
        return ALREADY_REMINDED  # by another run, since this one looked
    except OSError as error:  # smtplib's errors and refused connections
        return str(error) or error.__class__.__name__
    return SENT


def digest_message(digest, today, connection):
    base_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    context = {
        "subject": digest.subject,
        "recipient": digest.recipient,
        "overdue": digest.overdue,
        "due_soon": digest.due_soon,
        "today": today,
        "soon_days": REVIEW_SOON_DAYS,
        "fallback_group": FALLBACK_GROUP,
        "listing_url": base_url + reverse("knowledge_base_pages:index"),
    }
    message = EmailMultiAlternatives(
        subject=digest.subject,
        body=render_to_string(f"{TEMPLATE}.txt", context),
        to=[digest.recipient.email],
        connection=connection,
    )
    message.attach_alternative(render_to_string(f"{TEMPLATE}.html", context), "text/html")
    return message
