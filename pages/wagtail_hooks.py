"""
The switchboard: everything the site changes in Wagtail's admin, one hook a line, each pointing at
the feature module that does the work. No other module registers a hook (tests/test_rooms.py
checks), so this file is the list of what differs from a stock Wagtail admin.
"""

from django.utils.safestring import mark_safe

from wagtail import hooks
from wagtail.snippets.models import register_snippet

from pages import rich_text
from pages.editorial import (
    compare,
    dashboard,
    four_eyes,
    in_review,
    listing,
    needs_change,
    review_actions,
    reviews,
    revisions,
    search_synonyms,
    search_terms,
    users,
)
from pages.feedback import report, triage
from pages.models import ReusableContent


# Rich text: page links that keep a #anchor. order=1: after Wagtail's own "page" link type and
# "link" editor rule, which these replace.
@hooks.register("register_rich_text_features", order=1)
def register_anchored_page_links(features):
    features.register_link_type(rich_text.AnchoredPageLinkHandler)
    features.register_converter_rule("contentstate", "link", rich_text.CONTENTSTATE_LINK_RULE)


# Rich text: highlighted words (<mark>), which GitBook books use and Wagtail has no feature for.
@hooks.register("register_rich_text_features")
def register_mark_feature(features):
    rich_text.register_mark_feature(features)


# Only a superuser changes a superuser, in the user listing's bulk actions too (the edit form's
# rule is in pages.apps.UsersConfig). order=1: after Wagtail's own, which these replace.
for user_bulk_action in users.USER_BULK_ACTIONS:
    hooks.register("register_bulk_action", user_bulk_action, order=1)


# Reusable content (GitBook's includes): a snippet editors keep once for every page using it.
register_snippet(ReusableContent)


# Keeping content current: the "Knowledge base pages" listing and the dashboard's panels.


@hooks.register("register_admin_viewset")
def register_knowledge_base_pages():
    return listing.knowledge_base_pages_viewset


@hooks.register("construct_homepage_panels")
def add_needs_attention_panel(request, panels):
    dashboard.add_needs_attention_panel(request, panels)


@hooks.register("construct_homepage_panels")
def order_awaiting_review_by_due_date(request, panels):
    dashboard.order_awaiting_review_by_due_date(panels)


# Reviews: "Mark as reviewed", in the editor's header menu and the page listings' "More" menu.


@hooks.register("register_admin_urls")
def register_review_urls():
    return reviews.admin_urls()


@hooks.register("register_page_header_buttons")
def mark_reviewed_header_button(page, user, view_name, next_url=None):
    yield reviews.MarkReviewedMenuItem(page=page, next_url=next_url)


@hooks.register("register_page_listing_more_buttons")
def mark_reviewed_listing_button(page, user, next_url=None):
    yield reviews.MarkReviewedMenuItem(page=page, next_url=next_url)


@hooks.register("register_log_actions")
def register_review_log_action(actions):
    reviews.register_log_action(actions)


# The review loop on the edit form: the reviewer's request for changes until the page is submitted
# again, who has a page in review and what the editor can do, and "Cancel workflow" confirmed.


@hooks.register("before_edit_page")
def show_review_notices(request, page):
    in_review.add_review_notices(request, page)


@hooks.register("construct_page_action_menu")
def confirm_cancel_workflow(menu_items, request, context):
    in_review.confirm_cancel_workflow(menu_items, request, context)


# One vocabulary (locale/en rewords Wagtail's): a page sent back offers "Resubmit for review",
# without "Restart" beside it when the workflow has one step and the two are the same.


@hooks.register("construct_page_action_menu")
def hide_restart_when_same_as_resubmit(menu_items, request, context):
    review_actions.hide_restart_when_same_as_resubmit(menu_items, request, context)


# The four-eyes rule (Settings → Review rules): nobody approves their own change, Publish and
# bulk Publish are withheld, a Publish posted anyway is saved as a draft, and the editor says why.


@hooks.register("before_edit_page")
def publish_edits_as_draft(request, page):
    four_eyes.publish_edits_as_draft(request, page)


@hooks.register("before_create_page")
def publish_new_page_as_draft(request, parent_page, page_class):
    four_eyes.publish_new_page_as_draft(request, parent_page)


@hooks.register("after_edit_page")
def say_why_edits_not_published(request, page):
    four_eyes.say_why_not_published(request, page)


@hooks.register("after_create_page")
def say_why_new_page_not_published(request, page):
    four_eyes.say_why_not_published(request, page)


@hooks.register("before_edit_page")
def note_why_approve_is_missing(request, page):
    four_eyes.note_why_approve_is_missing(request, page)


@hooks.register("construct_page_action_menu")
def remove_publish_under_four_eyes(menu_items, request, context):
    four_eyes.remove_publish(menu_items, request, context)


@hooks.register("before_bulk_action")
def refuse_bulk_publish_under_four_eyes(request, action_type, objects, action):
    return four_eyes.refuse_bulk_publish(request, action_type, objects, action)


# Revisions: quick comparisons, "Compare two versions", minor edits and change notes in the
# page history, and the block-by-block StreamField comparison's styles.


@hooks.register("register_page_header_buttons")
def revision_comparison_buttons(page, user, view_name, next_url=None):
    yield from revisions.revision_comparison_buttons(page, user, view_name, next_url)


@hooks.register("register_admin_urls")
def register_revision_choice_urls():
    return revisions.admin_urls()


@hooks.register("register_admin_viewset")
def register_page_history_with_minor_edits():
    return revisions.page_viewsets()


# order=100: after Wagtail's own registrations of the publish actions, which these replace.
@hooks.register("register_log_actions", order=100)
def show_change_notes_in_page_history(actions):
    revisions.show_change_notes_in_page_history(actions)


@hooks.register("insert_global_admin_css")
def comparison_style():
    return mark_safe(compare.comparison_style())


# Readers' answers to "Was this page helpful?": Reports → Reader feedback.


@hooks.register("register_admin_urls")
def register_reader_feedback_urls():
    return report.admin_urls()


@hooks.register("register_reports_menu_item")
def register_reader_feedback_menu_item():
    return report.menu_item()


# Feedback triage: "Mark handled" (with the version that addressed it) on each answer.


@hooks.register("register_admin_urls")
def register_feedback_triage_urls():
    return triage.admin_urls()


# "Needs change": an internal note on a page, flagged from the editor's "…" menu, shown at the
# top of its edit form, cleared by the next published version (signal_handlers.py).


@hooks.register("register_admin_urls")
def register_needs_change_urls():
    return needs_change.admin_urls()


@hooks.register("register_page_header_buttons")
def flag_needs_change_header_button(page, user, view_name, next_url=None):
    yield from needs_change.header_buttons(page, user, view_name, next_url)


@hooks.register("before_edit_page")
def show_needs_change_notes(request, page):
    needs_change.show_open_notes(request, page)


@hooks.register("register_log_actions")
def register_needs_change_log_actions(actions):
    needs_change.register_log_actions(actions)


# What readers could not find: Reports → Search terms (in place of Wagtail's own, which reads
# query daily hits this site does not record), one-step pins, and Settings → Search synonyms.


@hooks.register("register_admin_urls")
def register_search_terms_urls():
    return search_terms.admin_urls()


@hooks.register("register_reports_menu_item")
def register_search_terms_menu_item():
    return search_terms.menu_item()


@hooks.register("construct_reports_menu")
def hide_wagtails_search_terms_report(request, menu_items):
    search_terms.without_wagtails_search_terms(menu_items)


register_snippet(search_synonyms.SearchSynonymViewSet)
