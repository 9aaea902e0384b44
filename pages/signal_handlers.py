from django.db.models.signals import post_delete, post_save

from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from pages.navigation import forget_navigation


def forget_navigation_if_page(sender, instance, **kwargs):
    if isinstance(instance, Page):
        forget_navigation()


def register_signal_handlers():
    uid = "pages.navigation"
    page_published.connect(forget_navigation, dispatch_uid=f"{uid}.published")
    page_unpublished.connect(forget_navigation, dispatch_uid=f"{uid}.unpublished")
    post_page_move.connect(forget_navigation, dispatch_uid=f"{uid}.moved")
    post_delete.connect(forget_navigation_if_page, dispatch_uid=f"{uid}.deleted")
    for name, signal in (("saved", post_save), ("deleted", post_delete)):
        signal.connect(
            forget_navigation, sender=PageViewRestriction, dispatch_uid=f"{uid}.restriction.{name}"
        )
