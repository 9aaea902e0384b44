"""
Reminder digests (`manage.py send_review_reminders`): who gets which pages (due reviews to whoever
can mark them reviewed, pages sent back to their last editor), what the digest says, and that each
person gets one a day at most, however often the scheduler runs it.
"""

import datetime
import io
import smtplib

import pytest
import time_machine
from bs4 import BeautifulSoup

from django.core import mail
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import localdate

from wagtail.models import PageViewRestriction, WorkflowState

from pages.editorial import attention, reminders
from pages.models import ReviewReminder, TopicPage
from tests.conftest import make_deep_dive, make_topic, member_of

pytestmark = pytest.mark.django_db

TODAY = localdate()


def days(n, today=TODAY):
    return today + datetime.timedelta(days=n)


def remind(*args):
    """Run the command; its standard output and error."""
    out, err = io.StringIO(), io.StringIO()
    call_command("send_review_reminders", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def sent_to():
    """Each message's recipient, with the subject it got."""
    return {message.to[0]: message.subject for message in mail.outbox}


def mail_to(address):
    [message] = [message for message in mail.outbox if message.to == [address]]
    return message


def html_of(message):
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return BeautifulSoup(html, "html.parser")


@pytest.fixture
def alice(django_user_model):
    """A page owner who can mark her pages reviewed (an administrator), outside Reviewers, so
    she never gets the pages whose owner cannot be reminded."""
    return member_of(django_user_model, "Administrators", "alice")


@pytest.fixture
def reviewers(reviewer, django_user_model):
    """Who gets the reminders of pages whose owner cannot be reminded: every active member of
    Reviewers with an address. Rita and Ruth qualify; a departed reviewer and one without an
    address do not."""
    ruth = member_of(django_user_model, "Reviewers", "ruth")
    departed = member_of(django_user_model, "Reviewers", "departed")
    departed.is_active = False
    departed.save()
    no_address = member_of(django_user_model, "Reviewers", "noaddress")
    no_address.email = ""
    no_address.save()
    return [reviewer, ruth]


def send_back(page, editor, reviewer, comment):
    """`editor` submits a draft of `page`; `reviewer` requests changes with `comment`."""
    page.save_revision(user=editor)
    page.get_workflow().start(page, editor)
    task_state = page.current_workflow_task_state
    task_state.task.specific.on_action(task_state, reviewer, "reject", comment=comment)
    mail.outbox.clear()  # the request for changes' own email
    return task_state


# Who gets what


def test_owners_get_their_own_pages_and_reviewers_the_pages_without_an_owner(
    section, alice, reviewers, editor
):
    make_topic(section, title="Exit games", owner=alice, review_due=days(-3))
    make_topic(section, title="Watchers", owner=alice, review_due=days(10))
    make_topic(section, title="Fees", review_due=days(-1))  # no owner
    make_topic(section, title="Staking", owner=alice, review_due=days(20))  # not due yet

    out, err = remind()

    # Editors are never reminded of a review: they cannot mark a page reviewed.
    assert sent_to() == {
        "alice@example.com": "2 knowledge-base pages need a review",
        "rita@example.com": "1 knowledge-base page needs a review",
        "ruth@example.com": "1 knowledge-base page needs a review",
    }
    assert "Fees" in mail_to("rita@example.com").body
    assert "Sent to reviewers: nobody owns this page." in mail_to("rita@example.com").body
    assert "Fees" not in mail_to("alice@example.com").body
    assert "Sent to reviewers" not in mail_to("alice@example.com").body
    assert "Exit games" not in mail_to("ruth@example.com").body
    assert "Sent 3 digests (3 pages); 0 recipients already reminded today." in out
    assert err == ""


def test_a_reviewer_who_owns_pages_gets_one_digest_with_the_ownerless_ones_too(section, reviewer):
    make_topic(section, title="Exit games", owner=reviewer, review_due=days(-3))
    make_topic(section, title="Fees", review_due=days(2))

    remind()

    [message] = mail.outbox
    assert message.to == ["rita@example.com"]
    assert message.subject == "2 knowledge-base pages need a review"
    assert "Exit games" in message.body and "Fees" in message.body


def test_a_page_owned_by_an_editor_goes_to_the_reviewers_who_can_mark_it_reviewed(
    section, editor, reviewers
):
    make_topic(section, title="Exit games", owner=editor, review_due=days(-3))

    remind()

    assert sorted(sent_to()) == ["rita@example.com", "ruth@example.com"]
    assert "Sent to reviewers: its owner cannot mark it reviewed." in (
        mail_to("rita@example.com").body
    )
    assert not ReviewReminder.objects.filter(recipient=editor).exists()


def test_pages_of_an_inactive_or_addressless_owner_go_to_the_reviewers(
    section, reviewers, django_user_model
):
    gone = member_of(django_user_model, "Administrators", "gone")
    gone.is_active = False
    gone.save()
    silent = member_of(django_user_model, "Administrators", "silent")
    silent.email = ""
    silent.save()
    make_topic(section, title="Exit games", owner=gone, review_due=days(-3))
    make_topic(section, title="Watchers", owner=silent, review_due=days(1))

    remind()

    assert sorted(sent_to()) == ["rita@example.com", "ruth@example.com"]
    for message in mail.outbox:
        assert message.subject == "2 knowledge-base pages need a review"
        # The reviewers are told why each page came to them.
        assert "Sent to reviewers: its owner's account is inactive." in message.body
        assert "Sent to reviewers: its owner has no email address." in message.body
        assert "cannot be emailed" not in message.body
    assert not ReviewReminder.objects.filter(recipient__in=[gone, silent]).exists()


def test_pages_not_due_not_live_or_aliases_are_left_out(section, home, alice, reviewers):
    make_topic(section, title="Due later", owner=alice, review_due=days(15))
    make_topic(section, title="No date", owner=alice)
    draft = TopicPage(title="Never published", owner=alice, review_due=days(-5), live=False)
    section.add_child(instance=draft)
    unpublished = make_topic(section, title="Taken down", owner=alice, review_due=days(-5))
    unpublished.unpublish()
    original = make_topic(section, title="Original", owner=alice, review_due=days(-2))
    original.create_alias(parent=home, update_slug="original-alias")

    out, _ = remind()

    # Only the original: its alias shares its fields, and reviewing the original is enough.
    [message] = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.subject == "1 knowledge-base page needs a review"
    assert "Original" in message.body
    for title in ("Due later", "No date", "Never published", "Taken down"):
        assert title not in message.body
    assert "Sent 1 digest (1 page)" in out


def test_a_live_page_behind_a_login_restriction_still_needs_its_review(section, alice):
    restricted = make_topic(section, title="Members only", owner=alice, review_due=days(-1))
    PageViewRestriction.objects.create(page=restricted, restriction_type="login")

    remind()

    [message] = mail.outbox
    assert message.to == ["alice@example.com"]
    assert "Members only" in message.body


def test_pages_nobody_can_be_reminded_of_are_named_in_a_warning(section, django_user_model):
    # No owner, and Reviewers has no one with an address.
    no_address = member_of(django_user_model, "Reviewers", "noaddress")
    no_address.email = ""
    no_address.save()
    make_topic(section, title="Orphan", review_due=days(-1))

    out, err = remind()

    assert mail.outbox == []
    assert "1 page with no one to remind" in err
    assert "Orphan" in err
    assert "Sent 0 digests (0 pages)" in out
    assert not ReviewReminder.objects.exists()


def test_nothing_due_sends_nothing(section, alice):
    make_topic(section, title="Due later", owner=alice, review_due=days(15))

    out, _ = remind()

    assert mail.outbox == []
    assert "Sent 0 digests (0 pages); 0 recipients already reminded today." in out


# What the digest says


def test_the_digest_lists_overdue_pages_oldest_first_then_those_coming_due(section, alice):
    pages = {
        "Due in two weeks": make_topic(
            section, title="Due in two weeks", owner=alice, review_due=days(14)
        ),
        "A day late": make_deep_dive(section, title="A day late", owner=alice, review_due=days(-1)),
        "Due today": make_topic(section, title="Due today", owner=alice, review_due=TODAY),
        "A month late": make_topic(
            section, title="A month late", owner=alice, review_due=days(-30)
        ),
        "Tomorrow": make_topic(section, title="Tomorrow", owner=alice, review_due=days(1)),
    }

    remind()

    [message] = mail.outbox
    assert message.subject == "5 knowledge-base pages need a review"
    assert message.from_email == "kb@localhost"
    body = message.body
    order = ["A month late", "A day late", "Due today", "Tomorrow", "Due in two weeks"]
    assert [body.index(f"- {title}:") for title in order] == sorted(
        body.index(f"- {title}:") for title in order
    )
    assert body.index("Overdue (2)") < body.index("- A month late:")
    assert body.index("- A day late:") < body.index("Coming due within 14 days (3)")
    assert f"- A month late: overdue by 30 days (due {days(-30):%-d %B %Y})" in body
    assert "- A day late: overdue by 1 day" in body
    assert "- Due today: due today" in body
    assert "- Tomorrow: due in 1 day" in body
    assert f"- Due in two weeks: due in 14 days ({days(14):%-d %B %Y})" in body
    # Absolute links, from WAGTAILADMIN_BASE_URL for the editor, the site for readers.
    late = pages["A month late"]
    assert f"Edit: http://testserver/admin/pages/{late.pk}/edit/" in body
    assert f"View: {late.get_full_url()}" in body
    assert late.get_full_url().startswith("http")
    assert "http://testserver/admin/knowledge-base-pages/" in body

    # The HTML alternative says the same, in the same order, with the same links.
    html = html_of(message)
    items = html.select("li.review")
    assert [item.strong.get_text() for item in items] == order
    assert "overdue by 30 days" in items[0].get_text()
    assert [a["href"] for a in items[0].select("a")] == [
        f"http://testserver/admin/pages/{late.pk}/edit/",
        late.get_full_url(),
    ]
    assert [h2.get_text() for h2 in html.select("h2")] == [
        "Overdue (2)",
        "Coming due within 14 days (3)",
    ]


def test_a_hostile_title_is_escaped_in_the_html_and_plain_in_the_text(section, alice):
    make_topic(
        section,
        title='<script>alert("x")</script> & co',
        slug="hostile",
        owner=alice,
        review_due=days(-1),
    )

    remind()

    [message] = mail.outbox
    [(html, _)] = message.alternatives
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in html
    assert html_of(message).select("script") == []
    # Plain text is not HTML: the title as the editor typed it, not entity-encoded.
    assert '- <script>alert("x")</script> & co: overdue by 1 day' in message.body


# Once a day


def test_a_second_run_the_same_day_sends_nothing_and_the_next_day_sends_again(
    section, alice, reviewers
):
    make_topic(section, title="Exit games", owner=alice, review_due=days(-3))
    make_topic(section, title="Fees", review_due=days(-1))

    remind()
    assert len(mail.outbox) == 3
    assert set(ReviewReminder.objects.values_list("recipient__username", "sent_on", "pages")) == {
        ("alice", TODAY, 1),
        ("rita", TODAY, 1),
        ("ruth", TODAY, 1),
    }

    # The scheduler restarts and runs it again: nobody hears twice.
    mail.outbox.clear()
    out, _ = remind()
    assert mail.outbox == []
    assert "Sent 0 digests (0 pages); 3 recipients already reminded today." in out
    assert ReviewReminder.objects.count() == 3

    # The next day, the pages are still overdue, so everyone hears again.
    tomorrow = days(1)
    out, _ = remind("--date", tomorrow.isoformat())
    assert sorted(sent_to()) == ["alice@example.com", "rita@example.com", "ruth@example.com"]
    assert "overdue by 4 days" in mail_to("alice@example.com").body
    assert f"Sent 3 digests (2 pages); 0 recipients already reminded on {tomorrow}." in out
    assert ReviewReminder.objects.filter(sent_on=tomorrow).count() == 3


def test_today_is_the_local_date_when_the_scheduler_runs(section, alice):
    make_topic(section, title="Exit games", owner=alice, review_due=datetime.date(2031, 3, 10))

    with time_machine.travel(datetime.datetime(2031, 3, 1, 9, tzinfo=datetime.UTC), tick=False):
        remind()
        remind()
    assert [message.to for message in mail.outbox] == [["alice@example.com"]]
    assert "due in 9 days" in mail.outbox[0].body

    with time_machine.travel(datetime.datetime(2031, 3, 12, 9, tzinfo=datetime.UTC), tick=False):
        remind()
    assert len(mail.outbox) == 2
    assert "overdue by 2 days" in mail.outbox[1].body
    assert list(ReviewReminder.objects.order_by("sent_on").values_list("sent_on", flat=True)) == [
        datetime.date(2031, 3, 1),
        datetime.date(2031, 3, 12),
    ]


def test_a_failed_send_is_not_recorded_so_the_next_run_sends_only_what_is_missing(
    section, alice, reviewers, monkeypatch
):
    make_topic(section, title="Exit games", owner=alice, review_due=days(-3))
    make_topic(section, title="Fees", review_due=days(-1))
    real_send = reminders.EmailMultiAlternatives.send

    def mail_server_refuses_ruth(message, *args, **kwargs):
        if message.to == ["ruth@example.com"]:
            raise smtplib.SMTPRecipientsRefused({"ruth@example.com": (550, b"mailbox full")})
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(reminders.EmailMultiAlternatives, "send", mail_server_refuses_ruth)
    with pytest.raises(CommandError, match="Could not send 1 digest.*ruth@example.com"):
        remind()

    # Alice and Rita got theirs and are recorded; Ruth's record was rolled back with her send.
    assert sorted(sent_to()) == ["alice@example.com", "rita@example.com"]
    assert sorted(ReviewReminder.objects.values_list("recipient__username", flat=True)) == [
        "alice",
        "rita",
    ]

    # The mail server recovers; the next run sends Ruth's alone.
    monkeypatch.setattr(reminders.EmailMultiAlternatives, "send", real_send)
    mail.outbox.clear()
    out, _ = remind()
    assert sent_to() == {"ruth@example.com": "1 knowledge-base page needs a review"}
    assert "Sent 1 digest (1 page); 2 recipients already reminded today." in out


def test_an_unreachable_mail_server_is_explained_and_nothing_is_recorded(
    section, alice, monkeypatch
):
    make_topic(section, title="Exit games", owner=alice, review_due=days(-3))

    class UnreachableServer(locmem.EmailBackend):
        def open(self):
            raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(reminders, "get_connection", UnreachableServer)
    with pytest.raises(CommandError, match="Could not connect to the mail server.*refused"):
        remind()

    assert mail.outbox == []
    assert not ReviewReminder.objects.exists()


def test_a_run_that_loses_the_race_to_another_sends_nothing(section, alice, monkeypatch):
    make_topic(section, title="Exit games", owner=alice, review_due=days(-3))
    real_message = reminders.digest_message

    def another_run_gets_there_first(digest, today, connection):
        # Between this run's look at who was reminded and its own record, another run (a
        # second scheduler) records and sends Alice's digest.
        ReviewReminder.objects.create(recipient=digest.recipient, sent_on=today, pages=1)
        return real_message(digest, today, connection)

    monkeypatch.setattr(reminders, "digest_message", another_run_gets_there_first)
    out, _ = remind()

    assert mail.outbox == []
    assert ReviewReminder.objects.count() == 1
    assert "Sent 0 digests (0 pages); 1 recipient already reminded today." in out


# --dry-run, output and errors


def test_dry_run_says_who_would_get_what_and_sends_and_records_nothing(section, alice, reviewers):
    make_topic(section, title="Exit games", owner=alice, review_due=days(-3))
    make_topic(section, title="Watchers", owner=alice, review_due=days(3))
    make_topic(section, title="Fees", review_due=days(-1))

    out, _ = remind("--dry-run", "--verbosity", "2")

    assert mail.outbox == []
    assert not ReviewReminder.objects.exists()
    assert "Would send alice@example.com (alice): 2 pages, 1 overdue, 1 due soon" in out
    assert "Would send rita@example.com (rita): 1 page, 1 overdue, 0 due soon" in out
    assert "  Exit games: overdue by 3 days" in out
    assert "  Watchers: due in 3 days" in out
    assert "Would send 3 digests (3 pages); 0 recipients already reminded today." in out

    # A real run afterwards sends everything the dry run listed.
    remind()
    assert sorted(sent_to()) == ["alice@example.com", "rita@example.com", "ruth@example.com"]


def test_verbosity_zero_prints_nothing_and_one_names_each_digest(section, alice):
    make_topic(section, title="Exit games", owner=alice, review_due=days(-3))

    out, err = remind("--verbosity", "0")
    assert (out, err) == ("", "")
    assert len(mail.outbox) == 1

    out, _ = remind("--date", days(1).isoformat())
    assert "Sent alice@example.com (alice): 1 page, 1 overdue, 0 due soon" in out
    assert "Exit games" not in out  # the pages themselves only at --verbosity 2
    assert len(mail.outbox) == 2


def test_a_bad_date_is_refused(section, alice):
    make_topic(section, title="Exit games", owner=alice, review_due=days(-3))

    with pytest.raises(CommandError, match="'2030-02-30' is not a date written YYYY-MM-DD"):
        remind("--date", "2030-02-30")
    assert mail.outbox == []


def test_a_database_without_tables_is_explained(home, monkeypatch):
    def missing_table():
        raise OperationalError("no such table: wagtailcore_page")

    monkeypatch.setattr(attention, "knowledge_base_pages", missing_table)

    with pytest.raises(CommandError, match="no such table.*Run `manage.py migrate` first"):
        remind()
    assert mail.outbox == []


def test_the_number_of_queries_does_not_grow_with_the_pages(
    section, alice, reviewers, editor, reviewer
):
    def queries_to_remind(pages_each, today):
        for n in range(pages_each):
            make_topic(section, title=f"Owned {today} {n}", owner=alice, review_due=today)
            make_topic(section, title=f"Ownerless {today} {n}", review_due=today)
            sent = make_topic(section, title=f"Sent back {today} {n}", slug=f"back-{today}-{n}")
            send_back(sent, editor, reviewer, "Cite the contract.")
        remind("--dry-run", "--date", today.isoformat())  # fills the site root paths cache
        with CaptureQueriesContext(connection) as queries:
            remind("--date", today.isoformat())
        return len(queries)

    # Four digests either way (Alice, Rita, Ruth, and Eddie's pages sent back): 2 due pages and
    # 1 sent back, then 2 + 10 due (the first two are due again, overdue by then) and 6 back.
    few = queries_to_remind(1, days(100))
    mail.outbox.clear()
    many = queries_to_remind(5, days(101))

    assert len(mail.outbox) == 4
    assert mail_to("alice@example.com").subject == "6 knowledge-base pages need a review"
    assert mail_to("eddie@example.com").subject == "6 pages sent back for changes"
    assert many == few


# Pages sent back for changes: their last editor is reminded until they submit again.


@pytest.fixture
def exits(section):
    return make_topic(section, title="Exits", slug="exits")


def test_the_last_editor_is_reminded_of_a_page_sent_back_until_it_is_submitted_again(
    exits, editor, reviewer
):
    send_back(exits, editor, reviewer, "Cite the <contract>.\nAnd say which chain.")

    out, _ = remind("--date", days(5).isoformat(), "--verbosity", "2")

    [message] = mail.outbox
    assert message.to == ["eddie@example.com"]
    assert message.subject == "1 page sent back for changes"
    # The first line of the comment, as typed in the text; escaped in the HTML.
    assert "- Exits: sent back by rita 5 days ago: Cite the <contract>.\n" in message.body
    assert "And say which chain." not in message.body
    assert f"Edit: http://testserver/admin/pages/{exits.pk}/edit/" in message.body
    assert "still accurate" not in message.body and "Overdue" not in message.body
    [item] = html_of(message).select("li.sent-back")
    assert item.get_text(" ", strip=True).startswith(
        "Exits : sent back by rita 5 days ago: Cite the <contract>."
    )
    assert "&lt;contract&gt;" in message.alternatives[0][0]
    assert "Exits: sent back by rita 5 days ago" in out
    assert ReviewReminder.objects.get().pages == 1

    # Eddie submits the page again: nothing more to remind him of.
    workflow_state = exits.current_workflow_state
    workflow_state.resume(editor)
    mail.outbox.clear()
    remind("--date", days(6).isoformat())
    assert mail.outbox == []


def test_a_page_sent_back_goes_to_whoever_edited_it_last(
    exits, editor, reviewer, django_user_model
):
    send_back(exits, editor, reviewer, "Cite the contract.")
    # Ed takes the draft over after it was sent back.
    ed = member_of(django_user_model, "Editors", "ed")
    exits.get_latest_revision_as_object().save_revision(user=ed)

    remind()

    assert sent_to() == {"ed@example.com": "1 page sent back for changes"}
    assert "sent back by rita today: Cite the contract." in mail.outbox[0].body


def test_due_reviews_and_pages_sent_back_come_in_one_digest(exits, section, reviewer, reviewers):
    ruth = reviewers[1]
    make_topic(section, title="Fees", owner=reviewer, review_due=days(-1))
    # Rita submits a change of her own, and Ruth sends it back.
    send_back(exits, reviewer, ruth, "")

    remind()

    message = mail_to("rita@example.com")
    assert message.subject == ("1 knowledge-base page needs a review; 1 page sent back for changes")
    body = message.body
    assert body.index("Overdue (1)") < body.index("Sent back for changes (1)")
    assert "- Exits: sent back by ruth today\n" in body  # no comment, nothing after it
    assert ReviewReminder.objects.get(recipient=reviewer).pages == 2


def test_a_page_sent_back_whose_editor_cannot_be_emailed_is_named_in_a_warning(
    exits, editor, reviewer
):
    send_back(exits, editor, reviewer, "Cite the contract.")
    editor.email = ""
    editor.save()

    _, err = remind()

    assert mail.outbox == []
    assert "1 page with no one to remind" in err and "Exits" in err
    assert WorkflowState.objects.get().status == WorkflowState.STATUS_NEEDS_CHANGES
