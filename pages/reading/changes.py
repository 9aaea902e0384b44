"""
What's new: the changes readers can see, newest first, each with the note its editor gave.

A change is a publish, as Wagtail's audit log records it. The note is the "What changed" field of
the revision that was published, so a draft's note is never shown, and neither is any change to a
page readers cannot see now (unpublished, restricted, or under such a page).

A publish of a revision its editor marked "Minor edit" (a typo fixed, formatting tidied) is left
out of What's new and its feed, except a page's first publish, which is always news. A page's own
history shows minor edits marked as such, and leaves them out with `?minor=hide`.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.timezone import localdate

from wagtail.models import Page, PageLogEntry, Site

from pages.reading.addresses import absolute_url
from pages.reading.navigation import NavItem, navigation_for_request, navigation_for_site
from pages.reading.query import reads_query
from pages.reading.visibility import visible_pages

# A publish, whether by a person or by the scheduler at a page's go-live time.
PUBLISH_ACTIONS = ["wagtail.publish", "wagtail.publish.scheduled"]
CHANGES_PER_PAGE = 25
# Past any site's last page of changes, and low enough that the page's offset stays a number the
# database takes (a made-up ?page=400000000000000000 overflowed SQLite's 64-bit integers: a 500).
LAST_PAGE_NUMBER = 1_000_000
CHANGES_IN_FEED = 30


def not_minor_edit(revision="revision"):
    """Log entries whose revision (the relation named `revision`) is not marked as a minor edit,
    including those without a revision or saved before minor edits could be marked."""
    return (
        Q(**{f"{revision}__isnull": True})
        | Q(**{f"{revision}__content__minor_edit": False})
        | Q(**{f"{revision}__content__minor_edit__isnull": True})
    )


@dataclass
class PublishedChange:
    id: int
    page: NavItem
    published_at: datetime
    note: str
    is_new_page: bool
    parent: NavItem | None = None
    minor_edit: bool = False

    @property
    def day(self):
        return localdate(self.published_at)

    @property
    def description(self):
        return self.note or ("New page." if self.is_new_page else "Updated.")


def publishes(*, minor_edits=False):
    """Every publish readers may see, newest first; with `minor_edits`, minor edits too."""
    earlier = PageLogEntry.objects.filter(
        page=OuterRef("page"), action__in=PUBLISH_ACTIONS, timestamp__lt=OuterRef("timestamp")
    )
    rows = PageLogEntry.objects.filter(
        action__in=PUBLISH_ACTIONS,
        revision__isnull=False,
        page__in=visible_pages().values("pk"),
    ).annotate(
        note=KeyTextTransform("change_note", "revision__content"),
        is_new_page=~Exists(earlier),
        minor_edit=KeyTransform("minor_edit", "revision__content"),
    )
    if not minor_edits:
        rows = rows.filter(not_minor_edit() | Q(is_new_page=True))
    return rows.order_by("-timestamp", "-pk").values_list(
        "pk", "page_id", "timestamp", "note", "is_new_page", "minor_edit"
    )


def published_changes(rows, navigation):
    """The changes among `rows` to pages of the navigation: pages a reader can reach."""
    rows = list(rows)
    pages = navigation.items_by_id(row[1] for row in rows)
    parents = navigation.items_by_path(page.path[: -Page.steplen] for page in pages.values())
    changes = []
    for pk, page_id, timestamp, note, is_new, minor_edit in rows:
        page = pages.get(page_id)
        if page is not None:
            parent = parents.get(page.path[: -Page.steplen])
            changes.append(
                PublishedChange(
                    pk, page, timestamp, (note or "").strip(), is_new, parent, bool(minor_edit)
                )
            )
    return changes


class NewestFirstPage:
    """
    One page of a newest-first list of changes, with links to the newer and the older page but
    no count of them all: counting every publish reads every published revision (a minor edit
    is marked inside it), which grows with the site, while a page reads its own rows and one
    more, to know whether older ones exist. Offers what components/pagination.html uses.
    """

    paginator = None  # no "of N pages"

    def __init__(self, rows, number, per_page=CHANGES_PER_PAGE):
        try:
            self.number = min(max(int(number), 1), LAST_PAGE_NUMBER)
        except (TypeError, ValueError):
            self.number = 1
        start = (self.number - 1) * per_page
        fetched = list(rows[start : start + per_page + 1])
        self.object_list = fetched[:per_page]
        self.has_next = len(fetched) > per_page
        self.has_previous = self.number > 1

    @property
    def has_other_pages(self):
        return self.has_previous or self.has_next

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1


@reads_query("page")
def whats_new(request):
    listing = NewestFirstPage(publishes(), request.GET.get("page"))
    if not listing.object_list and listing.number > 1:
        # Past the oldest change (an old link, a made-up number): the newest are what there is.
        listing = NewestFirstPage(publishes(), 1)
    changes = published_changes(listing.object_list, navigation_for_request(request))
    return render(request, "pages/whats_new.html", {"listing": listing, "changes": changes})


@reads_query("page", "minor")
def page_history(request, path):
    """A page's published versions for readers: when, and what changed. Never a draft. Minor
    edits are marked, or left out with `?minor=hide`."""
    navigation = navigation_for_request(request)
    page = navigation.item_at_url("/" + path)
    if page is None:
        raise Http404("No published page has this address.")
    hide_minor = request.GET.get("minor") == "hide"
    rows = publishes(minor_edits=not hide_minor).filter(page_id=page.id)
    listing = Paginator(rows, CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    changes = published_changes(listing.object_list, navigation)
    context = {
        "history_of": page,
        "breadcrumbs": navigation.ancestors(page),
        "listing": listing,
        "changes": changes,
        "hide_minor": hide_minor,
        # The switch is offered where it changes something: minor edits shown, or hidden.
        "has_minor_edits": hide_minor or any(change.minor_edit for change in changes),
    }
    return render(request, "pages/page_history.html", context)


class WhatsNewFeed(Feed):
    feed_type = Atom1Feed
    description_template = None

    def __init__(self, request):
        # Entry ids are absolute URLs, which need the request; so one feed object per request
        # (see whats_new_feed), never one shared by the threads of a server.
        super().__init__()
        self.request = request

    def get_object(self, request):
        return Site.find_for_request(request)

    def title(self, site):
        name = (site and site.site_name) or settings.WAGTAIL_SITE_NAME
        return f"{name}: what's new"

    def subtitle(self, site):
        return "Pages published and revised, newest first, with what changed."

    def link(self, site):
        return absolute_url(self.request, reverse("whats_new"))

    def feed_url(self, site):
        return absolute_url(self.request, reverse("feed"))

    def items(self, site):
        if site is None:
            return []
        return published_changes(publishes()[:CHANGES_IN_FEED], navigation_for_site(site))

    def item_title(self, change):
        return change.page.title

    def item_link(self, change):
        return absolute_url(self.request, change.page.url)

    def item_guid(self, change):
        return absolute_url(self.request, f"{reverse('whats_new')}#change-{change.id}")

    item_guid_is_permalink = False

    def item_description(self, change):
        # Atom summaries are HTML; a note is plain text.
        return escape(change.description)

    def item_pubdate(self, change):
        return change.published_at

    def item_updateddate(self, change):
        return change.published_at


def whats_new_feed(request):
    return WhatsNewFeed(request)(request)
