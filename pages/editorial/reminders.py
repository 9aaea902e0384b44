"""
Review reminders: each person who can act on a knowledge-base page gets one email a day listing
what waits for them, so nobody has to remember to open the dashboard.

- **Due reviews**: live pages whose review is overdue or comes due within REVIEW_SOON_DAYS go to
  the people who can mark them reviewed (pages.editorial.reviews.can_mark_reviewed): the page's
  owner while that is an active account with an email address that may publish the page;
  otherwise every such member of Reviewers, with the reason in the digest ("nobody owns this
  page", "its owner has no email address"...). Editors are not reminded of reviews: they cannot
  mark a page reviewed.
- **Sent back**: pages a reviewer sent back for changes (their review waits in "needs changes")
  go to their last editor (the latest version's author, else whoever submitted it), with who
  sent it back, when, and the first line of the comment, until the page is submitted again.

The due pages are those of pages.editorial.attention, like the dashboard's and content_report's.
`manage.py send_review_reminders` sends them; the scheduler runs it once a day (docker-compose.yml,
docs/deploy.md). Running it again the same day sends nothing twice: each digest sent is recorded
as a ReviewReminder, one per person per day.
"""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.timezone import localdate
from django.utils.translation import ngettext

from wagtail.admin.utils import get_user_display_name
from wagtail.models import Page, WorkflowState

from pages.editorial import attention
from pages.editorial.attention import REVIEW_DUE_SOON, REVIEW_OVERDUE, REVIEW_SOON_DAYS, review_q
from pages.editorial.reviews import can_mark_reviewed
from pages.models import ReviewReminder
from pages.models.base import is_review_overdue

FALLBACK_GROUP = "Reviewers"
TEMPLATE = "pages/emails/review_reminder"

# Why a due page came to the reviewers rather than its owner (DueReview.sent_to_reviewers_because).
NO_OWNER = "nobody owns this page"
OWNER_INACTIVE = "its owner's account is inactive"
OWNER_NO_EMAIL = "its owner has no email address"
OWNER_CANNOT_REVIEW = "its owner cannot mark it reviewed"

# What became of one digest (send_digests); any other outcome is the mail server's error.
SENT = "sent"
ALREADY_REMINDED = "already reminded"


def reachable(user):
    return user is not None and user.is_active and bool(user.email)


def days_ago(day, today):
    n = (today - day).days
    if n <= 0:
        return "today"
    if n == 1:
        return "yesterday"
    return ngettext("%d day ago", "%d days ago", n) % n


@dataclass
class DueReview:
    """One page due for review in a digest, with what the digest says about it."""

    page_id: int
    title: str
    review_due: date
    days: int  # days overdue when overdue, else days until due (0: due today)
    overdue: bool
    edit_url: str
    live_url: str | None
    # Why it went to the reviewers instead of its owner (NO_OWNER...); "" when to its owner.
    sent_to_reviewers_because: str = ""

    @property
    def when(self):
        if self.overdue:
            return ngettext("overdue by %d day", "overdue by %d days", self.days) % self.days
        if self.days == 0:
            return "due today"
        return ngettext("due in %d day", "due in %d days", self.days) % self.days


@dataclass
class SentBack:
    """One page a reviewer sent back for changes, in its last editor's digest."""

    page_id: int
    title: str
    reviewer: str  # who sent it back, as the admin names them
    sent_back_on: date
    ago: str  # "5 days ago"
    comment: str  # the comment's first line, "" without one
    edit_url: str


@dataclass
class Digest:
    recipient: object
    reviews: list = field(default_factory=list)
    sent_back: list = field(default_factory=list)

    @property
    def overdue(self):
        return [review for review in self.reviews if review.overdue]

    @property
    def due_soon(self):
        return [review for review in self.reviews if not review.overdue]

    @property
    def pages(self):
        return len(self.reviews) + len(self.sent_back)

    @property
    def subject(self):
        due, back = len(self.reviews), len(self.sent_back)
        sent_back = (
            ngettext("%d page sent back for changes", "%d pages sent back for changes", back) % back
        )
        if not due:
            return sent_back[0].upper() + sent_back[1:]
        subject = (
            ngettext(
                "%d knowledge-base page needs a review",
                "%d knowledge-base pages need a review",
                due,
            )
            % due
        )
        return f"{subject}; {sent_back}" if back else subject


def due_digests(today):
    """
    One Digest per recipient, of the live pages due for review on `today` (overdue, or due
    within REVIEW_SOON_DAYS) and of the pages sent back for changes; and the titles of pages
    nobody can be reminded of.
    """
    admin_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    by_recipient, unreachable = {}, []

    def digest_of(user):
        return by_recipient.setdefault(user.pk, Digest(user))

    for page, recipients, because in due_pages(today):
        if not recipients:
            unreachable.append(page.get_admin_display_title())
            continue
        review = DueReview(
            page_id=page.pk,
            title=page.get_admin_display_title(),
            review_due=page.review_due,
            days=abs((page.review_due - today).days),
            overdue=is_review_overdue(page.review_due, today),
            edit_url=admin_url + reverse("wagtailadmin_pages:edit", args=[page.pk]),
            live_url=page.get_full_url(),
            sent_to_reviewers_because=because,
        )
        for recipient in recipients:
            digest_of(recipient).reviews.append(review)

    for page, editor, task_state in sent_back_pages():
        title = page.get_admin_display_title()
        if not reachable(editor):
            unreachable.append(title)
            continue
        finished_at = task_state.finished_at
        sent_back_on = localdate(finished_at) if finished_at else today
        comment = task_state.get_comment().strip()
        digest_of(editor).sent_back.append(
            SentBack(
                page_id=page.pk,
                title=title,
                reviewer=(
                    get_user_display_name(task_state.finished_by)
                    if task_state.finished_by
                    else "a reviewer"
                ),
                sent_back_on=sent_back_on,
                ago=days_ago(sent_back_on, today),
                comment=comment.splitlines()[0].strip() if comment else "",
                edit_url=admin_url + reverse("wagtailadmin_pages:edit", args=[page.pk]),
            )
        )
    return list(by_recipient.values()), unreachable


def due_pages(today):
    """(page, recipients, why the reviewers got it) for each live page due for review."""
    pages = (
        attention.knowledge_base_pages()
        .live()
        # An alias shows its original's content and fields: the original is reviewed.
        .filter(alias_of__isnull=True)
        .filter(review_q(REVIEW_OVERDUE, today) | review_q(REVIEW_DUE_SOON, today))
        .select_related("owner")
        .order_by("review_due", "title", "pk")
    )
    reviewers = None  # read once, when the first page needs them
    # One instance per owner, so that Wagtail reads each owner's permissions once (it caches
    # them on the user object), however many pages they own.
    owners = {}
    for page in pages:
        owner = owners.setdefault(page.owner_id, page.owner) if page.owner_id else None
        because = owner_cannot_be_reminded(page, owner)
        if not because:
            yield page, [owner], ""
            continue
        if reviewers is None:
            reviewers = list(
                get_user_model()
                .objects.filter(groups__name=FALLBACK_GROUP, is_active=True)
                .exclude(email="")
                .distinct()
                .order_by("username")
            )
        yield page, reviewers, because


def owner_cannot_be_reminded(page, owner):
    """Why `page`'s review does not go to its owner, or "" when it does."""
    if owner is None:
        return NO_OWNER
    if not owner.is_active:
        return OWNER_INACTIVE
    if not owner.email:
        return OWNER_NO_EMAIL
    if not can_mark_reviewed(page, owner):
        return OWNER_CANNOT_REVIEW
    return ""


def sent_back_pages():
    """(page, last editor, the task state that sent it back) for each knowledge-base page whose
    review waits for changes, the longest waiting first."""
    states = list(
        WorkflowState.objects.filter(
            status=WorkflowState.STATUS_NEEDS_CHANGES,
            base_content_type=ContentType.objects.get_for_model(Page),
        )
        .select_related("requested_by", "current_task_state__finished_by")
        .order_by("current_task_state__finished_at", "pk")
    )
    if not states:
        return
    pages = (
        attention.knowledge_base_pages()
        .select_related("latest_revision__user")
        .in_bulk([int(state.object_id) for state in states])
    )
    for state in states:
        page = pages.get(int(state.object_id))
        if page is None or state.current_task_state is None:
            continue  # not a knowledge-base page
        latest = page.latest_revision
        editor = latest.user if latest is not None and latest.user else state.requested_by
        yield page, editor, state.current_task_state


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
                recipient=digest.recipient, sent_on=today, pages=digest.pages
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
        "sent_back": digest.sent_back,
        "today": today,
        "soon_days": REVIEW_SOON_DAYS,
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
