"""
The knowledge base for programs: every page as Markdown, and /llms.txt listing them.

As on GitBook, a page's Markdown is at its URL with `.md` in place of the trailing slash
(`/plasma/plasma-mvp/` → `/plasma/plasma-mvp.md`); the home page's is `/index.md`. Pages are
found through the reader's navigation tree, so a draft or a restricted page has no Markdown view.
"""

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from wagtail.contrib.sitemaps.sitemap_generator import Sitemap
from wagtail.documents import get_document_model
from wagtail.models import Site

from pages.gitbook.exporter import MarkdownWriter
from pages.models import SectionPage
from pages.reading.addresses import absolute_url
from pages.reading.navigation import markdown_url, navigation_for_request
from pages.reading.visibility import reader_link, visible_pages

MARKDOWN = "text/markdown; charset=utf-8"


class ReaderSitemap(Sitemap):
    """Wagtail's sitemap (live public pages of the request's site), each <loc> at the site's
    public address (pages/reading/addresses.py) rather than the Site record's host name."""

    def _urls(self, page, protocol, domain):
        urls = super()._urls(page, protocol, domain)
        for url_info in urls:
            url_info["location"] = absolute_url(self.request, url_info["location"])
        return urls


class SiteMarkdown(MarkdownWriter):
    """Links point at the other pages' Markdown views, images and documents at their files."""

    def __init__(self, request):
        super().__init__()
        self.request = request

    def page_href(self, page_id, anchor, current_path):
        try:
            page_link = reader_link(int(page_id), self.request)
        except (TypeError, ValueError):
            page_link = None
        if page_link is None:
            return ""  # not live, or not public: the link text stays, the link goes
        return markdown_url(page_link.url) + (f"#{anchor}" if anchor else "")

    def document_href(self, document_id, current_path):
        document = get_document_model().objects.filter(pk=document_id).first()
        return document.url if document else ""

    def asset_href(self, kind, asset, current_path):
        if kind == "image":
            # The size the page itself shows.
            return asset.get_rendition("max-1200x900").url
        return asset.url

    def front_matter(self, page):
        # What a reader of the page sees besides its text: when it was last confirmed accurate,
        # and whether it is past its review (pages/editorial/reviews.py). Not in a GitBook
        # export, whose front matter is what an editor writes.
        data = super().front_matter(page)
        if getattr(page, "last_reviewed", None):
            data["last_reviewed"] = timezone.localdate(page.last_reviewed)
        if getattr(page, "may_be_out_of_date", False):
            data["may_be_out_of_date"] = True
        return data


@require_safe
def page_markdown(request, path):
    navigation = navigation_for_request(request)
    item = navigation.by_url.get(f"/{path}/")
    if item is None and path == "index":
        item = navigation.root
    page = item and visible_pages().filter(pk=item.id).specific().first()
    if page is None:
        raise Http404("No published page has that address.")
    text = SiteMarkdown(request).page_markdown(page, markdown_url(item.url))
    return HttpResponse(text, content_type=MARKDOWN)


@require_safe
def llms_txt(request):
    """The index an LLM reads first (llmstxt.org): every live page, its summary, its Markdown."""
    navigation = navigation_for_request(request)
    if navigation.root is None:
        raise Http404("This site has no published pages.")
    pages = {page.pk: page for page in visible_pages().filter(pk__in=navigation.by_id).specific()}
    home = pages[navigation.root.id]
    site = Site.find_for_request(request)
    lines = [f"# {(site and site.site_name) or home.title}", ""]
    if getattr(home, "summary", ""):
        lines += [f"> {home.summary}", ""]

    def entry(item):
        page = pages.get(item.id)
        link = f"- [{item.title}]({absolute_url(request, markdown_url(item.url))})"
        summary = getattr(page, "summary", "")
        if getattr(page, "may_be_out_of_date", False):
            summary = f"{summary} (may be out of date)".lstrip()
        return f"{link}: {summary}" if summary else link

    top, groups = [], []
    for item in navigation.sections:
        (groups if isinstance(pages.get(item.id), SectionPage) else top).append(item)
    lines += [entry(navigation.root)] + [entry(page) for item in top for page in walk(item)]
    for section in groups:
        lines += ["", f"## {section.title}", ""] + [entry(page) for page in walk(section)]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def walk(item):
    yield item
    for child in item.children:
        yield from walk(child)
