"""
Settings → Search synonyms: the words readers use for what the pages call something else
("MoreVP" = "More Viable Plasma", "PoS" = "proof of stake"), kept by reviewers and
administrators (pages/migrations/0015_search_index.py grants them; editors do not, since a
synonym changes every search at once, without a review).

A synonym saved or deleted, here or anywhere, changes what every search finds from the next
search on: pages.signal_handlers renews the search index's version on each change.
"""

from wagtail.snippets.views.snippets import SnippetViewSet

from pages.models import SearchSynonym


class SearchSynonymViewSet(SnippetViewSet):
    model = SearchSynonym
    icon = "search"
    menu_label = "Search synonyms"
    menu_name = "search-synonyms"
    add_to_settings_menu = True
    # After Wagtail's "Promoted search results" (900): the two ways editors steer search.
    menu_order = 910
    list_display = ["words", "means"]
    # A plain database search of the two columns: the list is short, and needs no search index.
    search_fields = ["words", "means"]
    search_backend_name = None
    ordering = ["words"]
    copy_view_enabled = False
