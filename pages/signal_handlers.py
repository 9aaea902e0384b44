from django.db.models.signals import post_delete, post_save, pre_save

from wagtail.contrib.redirects.models import Redirect
from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, PageLogEntry, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move, task_approved

from pages import purging, reviews
from pages.changes import PUBLISH_ACTIONS
from pages.models import FaqCategory, ReaderNotices
from pages.navigation import forget_navigation

# Besides pages, what readers see on every page or in search: a change to any of these makes
# every cached page stale.
SHOWN_TO_READERS = [
    ReaderNotices,
    FaqCategory,
    Site,
    Redirect,
    Query,
    SearchPromotion,
    PageViewRestriction,
]


def forget_navigation_if_page(sender, instance, **kwargs):
    if isinstance(instance, Page):
        forget_navigation()


def keep_change_note_with_publish(sender, instance, **kwargs):
    """The editor's "What changed" note, copied onto the log entry of the publish that made it
    public, where the admin's page history shows it (see wagtail_hooks)."""
    if instance._state.adding and instance.action in PUBLISH_ACTIONS and instance.revision:
        note = (instance.revision.content.get("change_note") or "").strip()
        if note:
            instance.data = {**(instance.data or {}), "change_note": note}


def register_signal_handlers():
    pre_save.connect(
        keep_change_note_with_publish, sender=PageLogEntry, dispatch_uid="pages.change_note"
    )
    # First the purge, which compares the page with the cached tree, then the tree is dropped.
    uid = "pages.purging"
    page_published.connect(purging.page_published, dispatch_uid=f"{uid}.published")
    page_unpublished.connect(purging.tree_changed, dispatch_uid=f"{uid}.unpublished")
    post_page_move.connect(purging.tree_changed, dispatch_uid=f"{uid}.moved")
    post_delete.connect(purging.page_deleted, dispatch_uid=f"{uid}.deleted")
    for model in [*SHOWN_TO_READERS, get_image_model(), get_document_model()]:
        for name, signal in (("saved", post_save), ("deleted", post_delete)):
            signal.connect(
                purging.tree_changed,
                sender=model,
                dispatch_uid=f"{uid}.{model._meta.label_lower}.{name}",
            )

    # Approving a task on a page is a review of it.
    task_approved.connect(reviews.task_approved, dispatch_uid="pages.reviews.task_approved")

    uid = "pages.navigation"
    page_published.connect(forget_navigation, dispatch_uid=f"{uid}.published")
    page_unpublished.connect(forget_navigation, dispatch_uid=f"{uid}.unpublished")
    post_page_move.connect(forget_navigation, dispatch_uid=f"{uid}.moved")
    post_delete.connect(forget_navigation_if_page, dispatch_uid=f"{uid}.deleted")
    for name, signal in (("saved", post_save), ("deleted", post_delete)):
        signal.connect(
            forget_navigation, sender=PageViewRestriction, dispatch_uid=f"{uid}.restriction.{name}"
        )
