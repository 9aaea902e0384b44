from wagtail import hooks

from pages.rich_text import AnchoredPageLinkHandler


# order=1: after Wagtail's own registration of the "page" link type, which this one replaces.
@hooks.register("register_rich_text_features", order=1)
def register_anchored_page_links(features):
    features.register_link_type(AnchoredPageLinkHandler)
