"""The page tree can only be built the way the knowledge base is organised."""

from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from pages.models import (
    DeepDivePage,
    FaqIndexPage,
    FaqPage,
    HomePage,
    SectionPage,
    TopicPage,
    VideoPage,
)


class TreeRulesTests(WagtailPageTestCase):
    def test_each_page_type_allows_exactly_its_children(self):
        # Wagtail's abstract-in-spirit base Page is allowed at the root but never creatable.
        self.assertAllowedSubpageTypes(Page, {Page, HomePage})
        self.assertFalse(Page.is_creatable)
        # A GitBook book without groups lists its pages straight under the front page.
        self.assertAllowedSubpageTypes(HomePage, {SectionPage, FaqIndexPage, TopicPage})
        self.assertAllowedSubpageTypes(
            SectionPage, {TopicPage, DeepDivePage, VideoPage, FaqIndexPage}
        )
        self.assertAllowedSubpageTypes(TopicPage, {TopicPage})
        self.assertAllowedSubpageTypes(DeepDivePage, {DeepDivePage})
        self.assertAllowedSubpageTypes(FaqIndexPage, {FaqPage})
        self.assertAllowedSubpageTypes(FaqPage, set())
        self.assertAllowedSubpageTypes(VideoPage, set())

    def test_each_page_type_allows_exactly_its_parents(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertAllowedParentPageTypes(SectionPage, {HomePage})
        self.assertAllowedParentPageTypes(TopicPage, {HomePage, SectionPage, TopicPage})
        self.assertAllowedParentPageTypes(DeepDivePage, {SectionPage, DeepDivePage})
        self.assertAllowedParentPageTypes(FaqIndexPage, {HomePage, SectionPage})
        self.assertAllowedParentPageTypes(FaqPage, {FaqIndexPage})
        self.assertAllowedParentPageTypes(VideoPage, {SectionPage})

    def test_allowed_pairs_can_be_created(self):
        for parent, child in [
            (HomePage, SectionPage),
            (HomePage, FaqIndexPage),
            (HomePage, TopicPage),
            (SectionPage, TopicPage),
            (SectionPage, DeepDivePage),
            (SectionPage, VideoPage),
            (SectionPage, FaqIndexPage),
            (TopicPage, TopicPage),
            (DeepDivePage, DeepDivePage),
            (FaqIndexPage, FaqPage),
        ]:
            with self.subTest(parent=parent.__name__, child=child.__name__):
                self.assertCanCreateAt(parent, child)

    def test_forbidden_pairs_cannot_be_created(self):
        for parent, child in [
            # FAQ entries only under a FAQ index.
            (SectionPage, FaqPage),
            (TopicPage, FaqPage),
            (HomePage, FaqPage),
            # Sections only under home.
            (SectionPage, SectionPage),
            (TopicPage, SectionPage),
            (Page, SectionPage),
            # Articles live in sections, never straight under home or in the FAQ.
            (FaqIndexPage, TopicPage),
            (TopicPage, DeepDivePage),
            (DeepDivePage, TopicPage),
            # Leaves stay leaves.
            (VideoPage, TopicPage),
            (FaqPage, FaqPage),
            (HomePage, HomePage),
        ]:
            with self.subTest(parent=parent.__name__, child=child.__name__):
                self.assertCanNotCreateAt(parent, child)

    def test_only_one_home_page(self):
        root = Page.get_first_root_node()
        self.assertTrue(HomePage.can_create_at(root))
        root.add_child(instance=HomePage(title="Knowledge base", slug="kb"))
        self.assertFalse(HomePage.can_create_at(root))
