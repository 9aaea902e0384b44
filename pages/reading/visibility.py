"""
What a reader may see, for every reader-facing list: live pages outside any login, group or
password restriction, and the tags those pages use.
"""

from wagtail.models import Page

from pages.models import PageTag

Tag = PageTag.tag_model()


def visible_pages():
    """Live pages outside any login, group or password restriction."""
    return Page.objects.live().public()


def tags_in_use():
    """Tags of pages a reader may see (a tag used only on drafts or restricted pages is not)."""
    return Tag.objects.filter(pages_pagetag_items__content_object__in=visible_pages())
