from .base import EditorialMixin, PageTag
from .deep_dives import DeepDivePage
from .faq import FaqCategory, FaqIndexPage, FaqPage
from .feedback import NeedsChangeNote, PageFeedback
from .gitbook import GitBookSource
from .home import HomePage, SectionPage
from .reusable import ReusableContent
from .reviews import (
    ReviewAssignment,
    ReviewerApprovalTask,
    ReviewReminder,
    ReviewRules,
    ReviewSchedule,
)
from .search import SearchEntry, SearchQueryDay, SearchSynonym, SearchTerm, SearchWord
from .settings import ReaderNotices
from .topics import TopicPage
from .videos import VideoPage

__all__ = [
    "DeepDivePage",
    "EditorialMixin",
    "FaqCategory",
    "FaqIndexPage",
    "FaqPage",
    "GitBookSource",
    "HomePage",
    "NeedsChangeNote",
    "PageFeedback",
    "PageTag",
    "ReaderNotices",
    "ReusableContent",
    "ReviewAssignment",
    "ReviewerApprovalTask",
    "ReviewReminder",
    "ReviewRules",
    "ReviewSchedule",
    "SearchEntry",
    "SearchQueryDay",
    "SearchSynonym",
    "SearchTerm",
    "SearchWord",
    "SectionPage",
    "TopicPage",
    "VideoPage",
]
