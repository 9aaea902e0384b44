from wagtail import hooks

from pages.rich_text import CONTENTSTATE_LINK_RULE, AnchoredPageLinkHandler


# order=1: after Wagtail's own "page" link type and "link" editor rule, which these replace.
@hooks.register("register_rich_text_features", order=1)
def register_anchored_page_links(features):
    features.register_link_type(AnchoredPageLinkHandler)
    features.register_converter_rule("contentstate", "link", CONTENTSTATE_LINK_RULE)
