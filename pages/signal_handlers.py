"""
Every signal receiver the site connects, in one place; PagesConfig.ready calls
`register_signal_handlers()` once the models are loaded. The receivers themselves live with the
feature they serve: each line here says which signal reaches which feature.

The one exception is pages.indexing.deferred_indexing, which suspends Wagtail's own search-index
receivers for the length of a bulk write (an import) and puts them back: a suspension, not a
receiver of ours.
"""

from django.apps import apps
from django.db.models.signals import post_delete, post_migrate, post_save, pre_delete, pre_save

from wagtail.contrib.redirects.models import Redirect
from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import PageLogEntry, PageViewRestriction, Site, TaskState
from wagtail.signals import page_published, page_unpublished, post_page_move, task_approved

from pages import indexing
from pages.caching import purging
from pages.editorial import approvals, needs_change, reviews, revisions
from pages.models import FaqCategory, ReaderNotices, ReusableContent, SearchSynonym
from pages.reading import navigation, rendered
from pages.search import indexer as search_index

# Besides pages, what readers see on every page or in search: a change to any of these makes
# every cached page stale. (Reusable content shows on the pages that use it, which a change to it
# rarely makes worth finding one by one.)
SHOWN_TO_READERS = [
    ReaderNotices,
    ReusableContent,
    FaqCategory,
    Site,
    Redirect,
    Query,
    SearchPromotion,
    PageViewRestriction,
]


def register_signal_handlers():
    # The editor's "What changed" note goes onto the log entry of the publish that made it public.
    pre_save.connect(
        revisions.keep_change_note_with_publish,
        sender=PageLogEntry,
        dispatch_uid="pages.change_note",
    )

    # Readers' caches: first the purge, which compares the page with the cached tree, then the
    # tree is dropped (below).
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

    # The sidebar tree, breadcrumbs and previous / next.
    uid = "pages.navigation"
    page_published.connect(navigation.forget_navigation, dispatch_uid=f"{uid}.published")
    page_unpublished.connect(navigation.forget_navigation, dispatch_uid=f"{uid}.unpublished")
    post_page_move.connect(navigation.forget_navigation, dispatch_uid=f"{uid}.moved")
    post_delete.connect(navigation.forget_navigation_if_page, dispatch_uid=f"{uid}.deleted")
    for name, signal in (("saved", post_save), ("deleted", post_delete)):
        signal.connect(
            navigation.forget_navigation,
            sender=PageViewRestriction,
            dispatch_uid=f"{uid}.restriction.{name}",
        )

    # Pages' rendered parts (body, "On this page", subpages, tags, sidebar): stale on any save of a
    # page (a draft too: also a page saved by code) and on whatever the page cache is purged for.
    uid = "pages.rendered"
    page_published.connect(rendered.forget_rendered, dispatch_uid=f"{uid}.published")
    page_unpublished.connect(rendered.forget_rendered, dispatch_uid=f"{uid}.unpublished")
    post_page_move.connect(rendered.forget_rendered, dispatch_uid=f"{uid}.moved")
    for name, signal in (("saved", post_save), ("deleted", post_delete)):
        signal.connect(rendered.forget_rendered_if_page, dispatch_uid=f"{uid}.page.{name}")
        for model in [*SHOWN_TO_READERS, get_image_model(), get_document_model()]:
            signal.connect(
                rendered.forget_rendered,
                sender=model,
                dispatch_uid=f"{uid}.{model._meta.label_lower}.{name}",
            )

    # Readers' search: a page enters, changes in or leaves the index with the change that calls
    # for it (published, unpublished, deleted, moved, restricted; a site's address changed).
    uid = "pages.search"
    post_save.connect(search_index.page_saved, dispatch_uid=f"{uid}.saved")
    page_published.connect(search_index.page_published, dispatch_uid=f"{uid}.published")
    pre_delete.connect(search_index.page_deleted, dispatch_uid=f"{uid}.deleted")
    post_page_move.connect(search_index.page_moved, dispatch_uid=f"{uid}.moved")
    indexing.deferred_saves_indexed.connect(
        search_index.deferred_saves_indexed, dispatch_uid=f"{uid}.deferred"
    )
    for name, signal in (("saved", post_save), ("deleted", post_delete)):
        signal.connect(
            search_index.restriction_changed,
            sender=PageViewRestriction,
            dispatch_uid=f"{uid}.restriction.{name}",
        )
        signal.connect(search_index.sites_changed, sender=Site, dispatch_uid=f"{uid}.site.{name}")
        # A synonym or a pin changes what a query finds: cached rankings and pins are stale.
        for model in (SearchSynonym, SearchPromotion, Query):
            signal.connect(
                search_index.search_settings_changed,
                sender=model,
                dispatch_uid=f"{uid}.{model._meta.label_lower}.{name}",
            )
    post_migrate.connect(
        search_index.fill_empty_index,
        sender=apps.get_app_config("pages"),
        dispatch_uid=f"{uid}.fill",
    )

    # A published version saved after a needs-change note clears the note.
    page_published.connect(needs_change.clear_on_publish, dispatch_uid="pages.needs_change")

    # Approving a task on a page is a review of it.
    task_approved.connect(reviews.task_approved, dispatch_uid="pages.reviews.task_approved")

    # The approval loop's emails in place of Wagtail's own, under Wagtail's dispatch_uids so that
    # nobody gets the same news twice: "pages" comes before wagtail.admin in INSTALLED_APPS, so
    # Django then skips Wagtail's own connect as a duplicate; connected again later (tests),
    # Wagtail's are disconnected first.
    for signal, sender, dispatch_uid, ours in approvals.WAGTAIL_RECEIVERS:
        signal.disconnect(sender=sender, dispatch_uid=dispatch_uid)
        signal.connect(ours, sender=sender, dispatch_uid=dispatch_uid)
    task_approved.connect(
        approvals.step_approval_notifier, sender=TaskState, dispatch_uid="pages.approvals.step"
    )

    # Bulk writes (an import) note what they saved, to index it once at the end.
    post_save.connect(indexing.remember_saved, dispatch_uid="pages.indexing.remember_saved")
