"""
Keeping content current: the "Knowledge base pages" listing with its development and review
filters, the dashboard's "Needs attention" panel, and `manage.py content_report`, which must all
count the same pages, for any number of pages in a fixed number of queries.
"""

import csv
import datetime
import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError
from django.test import RequestFactory
from django.urls import reverse
from django.utils.timezone import localdate

from wagtail.models import GroupApprovalTask, Page, Workflow

from pages.editorial import attention
from pages.editorial.dashboard import NeedsAttentionPanel
from pages.models import EditorialMixin, PageFeedback
from tests.conftest import (
    editor_of_only,
    logged_in,
    make_deep_dive,
    make_faq,
    make_faq_index,
    make_section,
    make_topic,
    make_video,
    member_of,
)

pytestmark = pytest.mark.django_db

LISTING_URL = reverse("knowledge_base_pages:index")
TODAY = localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


def submit_for_review(page, editor, new_title):
    """The editor saves a draft and submits it to the "Editorial review" workflow."""
    page.title = new_title
    page.save_revision(user=editor)
    Workflow.objects.get(name="Editorial review").start(page, user=editor)


@pytest.fixture
def pages(home, section):
    """One page in each state the listing and the panel tell apart; home and section have none."""
    return {
        "unfinished": make_topic(section, title="Staking rewards", in_development=True),
        "overdue": make_deep_dive(section, title="Plasma MVP", review_due=days(-3)),
        "unfinished and overdue": make_topic(
            section, title="Exit games", in_development=True, review_due=days(-30)
        ),
        "due today": make_topic(section, title="Watchers", review_due=TODAY),
        "due soon": make_video(section, title="Plasma explained", review_due=days(14)),
        "due later": make_topic(section, title="Fees", review_due=days(15)),
    }


def listed_titles(response):
    assert response.status_code == 200
    table = BeautifulSoup(response.content, "html.parser").select_one("table.listing")
    return [cell.select_one("a").get_text(strip=True) for cell in table.select("tbody td.title")]


def panel(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").select_one("#needs-attention-section")


def panel_list(panel_html, name):
    """(count, listing link, {page title: edit link}) of one list in the panel."""
    section = panel_html.select_one(f"#needs-attention-{name}")
    heading = section.select_one("h3 a")
    shown = {link.get_text(strip=True): link["href"] for link in section.select("td.title a")}
    return int(heading.select_one("[data-count]").get_text()), heading["href"], shown


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


# The "Knowledge base pages" listing


def admin_menu(response):
    """The admin's main menu items, which the sidebar reads from JSON, as {label: URL}."""
    props = BeautifulSoup(response.content, "html.parser").select_one("#wagtail-sidebar-props")
    items = {}

    def collect(value):
        if isinstance(value, dict):
            if "label" in value and "url" in value:
                items[value["label"]] = value["url"]
            for child in value.values():
                collect(child)
        elif isinstance(value, list):
            for child in value:
                collect(child)

    collect(json.loads(props.string))
    return items


@pytest.mark.parametrize("role", ["Editors", "Reviewers", "Administrators"])
def test_listing_is_in_the_admin_menu_for_every_role(django_user_model, role):
    user = member_of(django_user_model, role, "someone")

    menu = admin_menu(logged_in(user).get(reverse("wagtailadmin_home")))

    assert menu["Knowledge base pages"] == LISTING_URL


def test_listing_filters_pages_in_development(editor, pages):
    browser = logged_in(editor)

    unfinished = listed_titles(browser.get(LISTING_URL, {"in_development": "true"}))
    finished = listed_titles(browser.get(LISTING_URL, {"in_development": "false"}))

    assert sorted(unfinished) == ["Exit games", "Staking rewards"]
    assert "Staking rewards" not in finished
    assert {"Plasma MVP", "Fees", "OMG Deep Dive", "OMG Network Knowledge Base"} <= set(finished)


@pytest.mark.parametrize(
    ("review", "expected"),
    [
        ("overdue", {"Plasma MVP", "Exit games"}),
        # Today and the 14 days after it.
        ("due_soon", {"Watchers", "Plasma explained"}),
        ("not_set", {"Staking rewards", "OMG Deep Dive", "OMG Network Knowledge Base"}),
    ],
)
def test_listing_filters_pages_by_review_date(editor, pages, review, expected):
    titles = listed_titles(logged_in(editor).get(LISTING_URL, {"review": review}))
    assert set(titles) == expected


def test_listing_shows_in_development_and_review_due_columns(editor, pages):
    response = logged_in(editor).get(LISTING_URL)
    html = BeautifulSoup(response.content, "html.parser")

    headers = [th.get_text(" ", strip=True) for th in html.select("table.listing thead th")]
    assert "In development" in headers
    assert "Review due" in headers
    rows = {
        row.select_one("td.title a").get_text(strip=True): row.get_text(" ", strip=True)
        for row in html.select("table.listing tbody tr")
    }
    assert "In development" in rows["Staking rewards"]
    assert "In development" not in rows["Fees"]
    # An overdue review is marked; one due today is not overdue yet.
    overdue = days(-3)
    assert f"{overdue.day} {overdue:%B %Y}" in rows["Plasma MVP"]
    assert "Overdue" in rows["Plasma MVP"]
    assert "Overdue" not in rows["Watchers"]
    assert "Overdue" not in rows["Fees"]


def test_listing_sorts_by_review_due_with_unset_dates_last(editor, pages):
    browser = logged_in(editor)
    dated = ["Exit games", "Plasma MVP", "Watchers", "Plasma explained", "Fees"]

    soonest_first = listed_titles(browser.get(LISTING_URL, {"ordering": "review_due"}))
    latest_first = listed_titles(browser.get(LISTING_URL, {"ordering": "-review_due"}))

    assert soonest_first[:5] == dated
    assert latest_first[:5] == dated[::-1]
    assert "Staking rewards" in soonest_first[5:]
    assert "Staking rewards" in latest_first[5:]


def test_listing_search_combines_with_the_filters(editor, pages):
    browser = logged_in(editor)

    found = listed_titles(browser.get(LISTING_URL, {"q": "Plasma", "review": "overdue"}))
    # The search backend sorts results itself; the annotation sort is not offered meanwhile.
    still_found = listed_titles(browser.get(LISTING_URL, {"q": "Plasma", "ordering": "review_due"}))

    assert found == ["Plasma MVP"]
    assert set(still_found) == {"Plasma MVP", "Plasma explained"}


def test_listing_filters_drafts_awaiting_review(editor, reviewer, pages):
    submit_for_review(pages["due later"], editor, "Fees and bonds")

    for_reviewer = listed_titles(logged_in(reviewer).get(LISTING_URL, {"awaiting_review": "you"}))
    for_editor = listed_titles(logged_in(editor).get(LISTING_URL, {"awaiting_review": "you"}))
    for_anyone = listed_titles(logged_in(editor).get(LISTING_URL, {"awaiting_review": "anyone"}))

    # The listing shows the draft's title, as the rest of the admin does.
    assert for_reviewer == ["Fees and bonds"]
    assert for_editor == []
    assert for_anyone == ["Fees and bonds"]


# The dashboard's "Needs attention" panel


def test_panel_for_an_editor_counts_and_links_each_list(editor, pages):
    submit_for_review(pages["due later"], editor, "Fees and bonds")

    html = panel(logged_in(editor).get(reverse("wagtailadmin_home")))

    assert html.select_one("h2").get_text(strip=True) == "Needs attention"
    # The draft waits for a reviewer, not for the editor who submitted it.
    assert panel_list(html, "awaiting-your-review")[0] == 0
    count, listing, shown = panel_list(html, "in-development")
    assert count == 2
    assert parse_qs(urlsplit(listing).query) == {"in_development": ["true"]}
    assert shown == {
        "Exit games": edit_url(pages["unfinished and overdue"]),
        "Staking rewards": edit_url(pages["unfinished"]),
    }
    count, listing, shown = panel_list(html, "review-overdue")
    assert count == 2
    assert parse_qs(urlsplit(listing).query) == {"review": ["overdue"], "ordering": ["review_due"]}
    # Longest overdue first.
    assert list(shown) == ["Exit games", "Plasma MVP"]


def test_panel_for_a_reviewer_lists_the_drafts_awaiting_their_review(editor, reviewer, pages):
    submit_for_review(pages["due later"], editor, "Fees and bonds")

    html = panel(logged_in(reviewer).get(reverse("wagtailadmin_home")))

    count, listing, shown = panel_list(html, "awaiting-your-review")
    assert count == 1
    assert shown == {"Fees and bonds": edit_url(pages["due later"])}
    # The panel's link leads to a listing of exactly those drafts.
    assert listed_titles(logged_in(reviewer).get(listing)) == ["Fees and bonds"]
    assert panel_list(html, "in-development")[0] == 2
    assert panel_list(html, "review-overdue")[0] == 2


def test_panel_for_an_administrator(django_user_model, editor, pages):
    administrator = member_of(django_user_model, "Administrators", "ada")
    submit_for_review(pages["due later"], editor, "Fees and bonds")

    html = panel(logged_in(administrator).get(reverse("wagtailadmin_home")))

    # Drafts await an administrator's review only if the workflow's task lets them approve.
    task = GroupApprovalTask.objects.get(name="Reviewer approval")
    may_approve = task.groups.filter(name="Administrators").exists()
    assert panel_list(html, "awaiting-your-review")[0] == (1 if may_approve else 0)
    assert panel_list(html, "in-development")[0] == 2
    assert panel_list(html, "review-overdue")[0] == 2


def test_panel_for_a_superuser_counts_what_the_listing_lists(admin_user, pages):
    # A superuser may explore every page: the panel counts pages in development and overdue
    # reviews in the page types' own tables, and must agree with the listing all the same.
    browser = logged_in(admin_user)
    html = panel(browser.get(reverse("wagtailadmin_home")))

    for name, unfinished_or_overdue in [
        ("in-development", ["Exit games", "Staking rewards"]),
        ("review-overdue", ["Exit games", "Plasma MVP"]),
    ]:
        count, listing, shown = panel_list(html, name)
        assert count == 2
        assert sorted(listed_titles(browser.get(listing))) == unfinished_or_overdue
        assert sorted(shown) == unfinished_or_overdue


def test_panel_for_an_editor_of_one_section_counts_only_that_section(
    django_user_model, home, pages
):
    wallets = make_section(home, title="Wallets")
    make_topic(wallets, title="Seed phrases", in_development=True, review_due=days(-1))
    wally = editor_of_only(django_user_model, wallets)

    html = panel(logged_in(wally).get(reverse("wagtailadmin_home")))

    for name in ["in-development", "review-overdue"]:
        count, _listing, shown = panel_list(html, name)
        assert (count, list(shown)) == (1, ["Seed phrases"])


def test_panel_links_lead_to_listings_of_the_counted_pages(editor, pages):
    browser = logged_in(editor)
    html = panel(browser.get(reverse("wagtailadmin_home")))

    for name in ["in-development", "review-overdue"]:
        count, listing, shown = panel_list(html, name)
        titles = listed_titles(browser.get(listing))
        assert len(titles) == count
        assert set(shown) <= set(titles)


def test_panel_shows_five_pages_of_a_list_and_links_to_the_rest(editor, section):
    for number in range(7):
        make_topic(section, title=f"Draft topic {number}", in_development=True)

    html = panel(logged_in(editor).get(reverse("wagtailadmin_home")))

    count, listing, shown = panel_list(html, "in-development")
    assert count == 7
    assert len(shown) == 5
    more = html.select_one("#needs-attention-in-development p a")
    assert more.get_text(strip=True) == "2 more"
    assert more["href"] == listing


def test_panel_and_listing_are_only_for_users_with_page_permissions(django_user_model, pages):
    # Admin access alone (say, someone who only manages images) gives neither.
    outsider = django_user_model.objects.create_user("ivy")
    outsider.user_permissions.add(Permission.objects.get(codename="access_admin"))
    browser = logged_in(outsider)

    dashboard = browser.get(reverse("wagtailadmin_home"))

    assert dashboard.status_code == 200
    assert panel(dashboard) is None
    assert "Knowledge base pages" not in admin_menu(dashboard)
    denied = browser.get(LISTING_URL)
    assert (denied.status_code, denied.url) == (302, reverse("wagtailadmin_home"))


# `manage.py content_report`


def content_report(*args):
    out = io.StringIO()
    call_command("content_report", *args, stdout=out)
    return out.getvalue()


def test_content_report_prints_figures_and_aligned_lists(editor, pages):
    submit_for_review(pages["due later"], editor, "Fees and bonds")

    report = content_report()
    lines = report.splitlines()

    assert "  In development:          2" in lines
    assert "  Review overdue:          2" in lines
    assert "  Drafts awaiting review:  1" in lines
    assert "  Least helpful (30 days): 0" in lines
    header = next(line for line in lines if line.strip().startswith("Title"))
    columns = ["Title", "URL path", "Type", "Review due", "Last published", "Helpful"]
    starts = [header.index(column) for column in columns]
    plasma = next(line for line in lines if line.strip().startswith("Plasma MVP"))
    # Every value starts under its heading.
    values = ["Plasma MVP", "/omg-deep-dive/plasma-mvp/", "Deep dive", days(-3).isoformat()]
    for value in [*values, "no answers"]:
        assert plasma.index(value) in starts
    assert "Fees and bonds" in report
    assert lines.index("Review overdue (2)") < lines.index("Drafts awaiting review (1)")


def test_content_report_writes_csv(editor, pages):
    submit_for_review(pages["due later"], editor, "Fees and bonds")

    rows = list(csv.DictReader(io.StringIO(content_report("--format", "csv"))))

    assert [(row["List"], row["Title"]) for row in rows] == [
        ("In development", "Exit games"),
        ("In development", "Staking rewards"),
        ("Review overdue", "Exit games"),
        ("Review overdue", "Plasma MVP"),
        ("Drafts awaiting review", "Fees and bonds"),
    ]
    plasma = rows[3]
    assert plasma["URL path"] == "/omg-deep-dive/plasma-mvp/"
    assert plasma["Type"] == "Deep dive"
    assert plasma["Review due"] == days(-3).isoformat()
    published = datetime.datetime.fromisoformat(plasma["Last published"])
    assert published == pages["overdue"].last_published_at.replace(microsecond=0)


def test_content_report_with_nothing_to_report(home):
    report = content_report()

    assert "  In development:          0" in report.splitlines()
    assert report.count("  None.") == 4
    assert content_report("--format", "csv").splitlines() == [
        "List,Title,URL path,Type,Review due,Last published,Helpful"
    ]


def test_content_report_rejects_an_unknown_format(home):
    with pytest.raises(CommandError, match="invalid choice: 'xml'"):
        content_report("--format", "xml")


def test_content_report_explains_a_database_without_tables(home, monkeypatch):
    def missing_table():
        raise OperationalError("no such table: wagtailcore_page")

    monkeypatch.setattr(attention, "pages_in_development", missing_table)

    with pytest.raises(CommandError, match="no such table.*Run `manage.py migrate` first"):
        content_report()


def test_panel_listing_and_report_agree(editor, reviewer, pages):
    submit_for_review(pages["due later"], editor, "Fees and bonds")
    browser = logged_in(reviewer)
    html = panel(browser.get(reverse("wagtailadmin_home")))
    figures = dict(
        line.strip().rsplit(":", 1) for line in content_report("--verbosity", "0").splitlines()[1:]
    )

    assert int(figures["In development"]) == panel_list(html, "in-development")[0] == 2
    assert int(figures["Review overdue"]) == panel_list(html, "review-overdue")[0] == 2
    # There is one review task, and Reviewers are in it, so everything waiting waits for Rita.
    assert int(figures["Drafts awaiting review"]) == panel_list(html, "awaiting-your-review")[0]
    for name, query in [
        ("In development", {"in_development": "true"}),
        ("Review overdue", {"review": "overdue"}),
        ("Drafts awaiting review", {"awaiting_review": "anyone"}),
    ]:
        assert len(listed_titles(browser.get(LISTING_URL, query))) == int(figures[name])


# Query budgets: a page more costs no query more.

# As measured on SQLite and PostgreSQL, the same for 5 pages as for 40: the listing for an editor
# (who, unable to publish, is the costliest to check), the dashboard and the panel alone for a
# reviewer, with a draft awaiting their review. A query per page would break the 40-page case.
LISTING_QUERIES = 30
# The dashboard reads the user's page permissions once more, to keep the panel to their part of
# the tree.
# Each of the panel's four lists is a count and its first pages: two queries.
# "Awaiting your review" reads the tasks' due dates and named reviewers
# (pages/editorial/dashboard.py) in one query more, whatever the number of tasks.
# The review suggestions read the review schedule's threshold (the request's site, the setting)
# and are one list more: five queries in all.
# "Searches that found nothing this week" counts the search terms that found nothing and those
# whose results nobody opened: two more.
# The four-eyes rule reads who made each change awaiting review (pages/models/reviews.py), to
# offer its author no Approve: one query per task, and the test has one.
# "Pages flagged as needing change" is one more list (a count and its first pages): two more.
DASHBOARD_QUERIES = 36 + 1 + 5 + 2 + 1 + 2
# Alone, the panel reads those permissions itself (two queries).
# ... of which the review suggestions are four (the site, the setting, a count and the list).
# ... and "Searches that found nothing" reads the user's permissions (two queries, which the
# dashboard has already read) and makes its two counts.
# ... and "Pages flagged as needing change" its count and first pages.
PANEL_QUERIES = 13 + 4 + 4 + 2
# One query per list, the least helpful pages' included.
REPORT_QUERIES = 4


def build_knowledge_base(home, section, category, count):
    """`count` pages of four types, a third in development, a third overdue for review."""
    faqs = make_faq_index(home, title="FAQ")
    makers = [
        lambda **kw: make_topic(section, **kw),
        lambda **kw: make_deep_dive(section, **kw),
        lambda **kw: make_faq(faqs, category, **kw),
        lambda **kw: make_video(section, **kw),
    ]
    for number in range(count):
        makers[number % len(makers)](
            title=f"Page {number}",
            in_development=number % 3 == 0,
            review_due=days(-number - 1) if number % 3 == 1 else None,
        )


@pytest.fixture
def knowledge_base_of(home, section, faq_category, editor):
    def build(count):
        build_knowledge_base(home, section, faq_category, count)
        # One draft under review, whatever the size, for Wagtail's own "Awaiting your review".
        submit_for_review(make_topic(section, title="Under review"), editor, "Under review v2")

    return build


@pytest.mark.parametrize("count", [5, 40])
def test_listing_queries_do_not_grow_with_pages(
    knowledge_base_of, editor, count, django_assert_max_num_queries
):
    knowledge_base_of(count)
    browser = logged_in(editor)
    browser.get(LISTING_URL)  # Warm the process-wide caches (content types, site root paths).

    with django_assert_max_num_queries(LISTING_QUERIES):
        titles = listed_titles(browser.get(LISTING_URL, {"ordering": "review_due"}))
    assert len(titles) == count + 4  # Home, section, FAQ index and the draft under review.

    with django_assert_max_num_queries(LISTING_QUERIES):
        titles = listed_titles(browser.get(LISTING_URL, {"in_development": "true"}))
    assert len(titles) == len(range(0, count, 3))


@pytest.mark.parametrize("count", [5, 40])
def test_dashboard_queries_do_not_grow_with_pages(
    knowledge_base_of, django_user_model, editor, reviewer, count, django_assert_max_num_queries
):
    knowledge_base_of(count)
    # Readers found every page unhelpful, so the least helpful list grows with the pages too.
    PageFeedback.objects.bulk_create(
        PageFeedback(page=page, helpful=helpful)
        for page in Page.objects.type(EditorialMixin)
        for helpful in (True, False, False)
    )
    browser = logged_in(reviewer)
    browser.get(reverse("wagtailadmin_home"))

    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        html = panel(browser.get(reverse("wagtailadmin_home")))
    assert panel_list(html, "in-development")[0] == len(range(0, count, 3))
    assert panel_list(html, "least-helpful")[0] >= count

    # For a reviewer, and for a superuser, who may explore every page and whose counts of pages
    # in development and overdue come from the page types' own tables.
    for user in [reviewer, django_user_model.objects.create_superuser("root")]:
        request = RequestFactory().get(reverse("wagtailadmin_home"))
        request.user = user
        with django_assert_max_num_queries(PANEL_QUERIES):
            html = NeedsAttentionPanel().render_html({"request": request})
        counted = BeautifulSoup(html, "html.parser").select_one("#needs-attention-in-development")
        assert int(counted.select_one("[data-count]").get_text()) == len(range(0, count, 3))


@pytest.mark.parametrize("count", [5, 40])
def test_content_report_queries_do_not_grow_with_pages(
    knowledge_base_of, count, django_assert_max_num_queries
):
    knowledge_base_of(count)
    PageFeedback.objects.bulk_create(
        PageFeedback(page=page, helpful=False)
        for page in Page.objects.type(EditorialMixin)[:3]
        for _ in range(3)  # enough answers to be ranked
    )
    content_report()

    with django_assert_max_num_queries(REPORT_QUERIES):
        report = content_report("--format", "csv")
    in_development, overdue, awaiting = len(range(0, count, 3)), len(range(1, count, 3)), 1
    least_helpful = 3
    assert len(report.splitlines()) == 1 + in_development + overdue + awaiting + least_helpful
