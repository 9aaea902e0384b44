"""pages/gitbook/types.py: one description of each page type, which import, export and search
read."""

from wagtail.models import get_page_models

from pages.gitbook.types import BY_MODEL, FILE_KINDS, PAGE_TYPES, TAGS
from pages.models import DeepDivePage, FaqIndexPage, FaqPage, SectionPage, TopicPage, VideoPage
from pages.reading.search import FLAGGED_TYPES, SearchForm


def test_every_page_model_is_described_once():
    ours = {model for model in get_page_models() if model._meta.app_label == "pages"}
    described = [page_type.model for page_type in PAGE_TYPES]
    assert len(described) == len(set(described)), "a model is described twice"
    missing = sorted(model.__name__ for model in ours - set(described))
    assert not missing, f"add a PageType for {missing} to PAGE_TYPES in pages/gitbook/types.py"
    assert set(BY_MODEL) == ours


def test_every_front_matter_key_fills_a_field_of_its_pages():
    for page_type in PAGE_TYPES:
        for key in page_type.keys:
            if key.field not in (None, TAGS):
                page_type.model._meta.get_field(key.field)  # FieldDoesNotExist names it


def test_front_matter_names_the_types_of_files_only():
    # The front page is the book's README and a section a heading of SUMMARY.md: no file says
    # `type: section`.
    assert FILE_KINDS == ["topic", "deep-dive", "faq-index", "faq", "video"]


def test_the_search_filter_keeps_its_choices_and_addresses():
    # Readers' bookmarks and links hold these `?type=` values.
    assert SearchForm.base_fields["type"].choices == [
        ("", "Any type"),
        ("topic", "Topics"),
        ("deep-dive", "Deep dives"),
        ("faq", "FAQ entries"),
        ("video", "Videos"),
        ("listing", "Sections and indexes"),
    ]
    assert set(FLAGGED_TYPES) == {
        TopicPage,
        DeepDivePage,
        FaqPage,
        VideoPage,
        SectionPage,
        FaqIndexPage,
    }
