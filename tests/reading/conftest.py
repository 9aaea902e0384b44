import pytest

from wagtail.rich_text import RichText

from tests.conftest import make_topic


@pytest.fixture
def topic(section):
    """A published, tagged topic with a summary: what a reader opens, shares or links to."""
    page = make_topic(
        section,
        title="Exits",
        slug="exits",
        summary="How to leave the chain.",
        body=[("text", RichText("<p>Start an exit to leave the Plasma chain.</p>"))],
    )
    page.tags.set(["plasma"])
    page.save_revision().publish()
    return page
