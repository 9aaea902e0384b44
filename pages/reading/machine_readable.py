"""
The knowledge base for programs: every page as Markdown, /llms.txt listing them, and the sitemap.

As on GitBook, a page's Markdown is at its URL with `.md` in place of the trailing slash
(`/plasma/plasma-mvp/` → `/plasma/plasma-mvp.md`); the home page's is `/index.md`. Pages are
found through the reader's navigation tree, so a draft or a restricted page has no Markdown view.

The sitemap and llms.txt list every page, so their cost could grow with the site. They read
plain rows (never page objects), never sorting or counting every page on a request: the sitemap
in sections of at most `ReaderSitemap.limit` addresses, its count and newest date kept under the
navigation's version; llms.txt streamed as it reads, a few hundred pages per query, each query
a range of the tree's index, so its first lines come as soon at 50,000 pages as at 5,000.
"""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import x_robots_tag
from django.core.cache import cache
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import (
    Count,
    DateField,
    Exists,
    Max,
    OuterRef,
    TextField,
)
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from wagtail.models import Page, Site

from pages.models import SectionPage
from pages.models.base import is_review_overdue
from pages.models.editorial_fields import editorial_field
from pages.reading.addresses import absolute_url, base_url
from pages.reading.navigation import (
    CACHE_SECONDS,
    KEY_PREFIX,
    current_version,
    markdown_url,
    navigation_for_request,
)
from pages.reading.query import reads_query
from pages.reading.visibility import visible_pages

MARKDOWN = "text/markdown; charset=utf-8"
PLAIN_TEXT = "text/plain; charset=utf-8"
SITEMAP_XML = "application/xml"
# llms.txt goes out this many lines at a time: few enough writes, and a small buffer.
LLMS_TXT_LINES_PER_CHUNK = 500
# Pages read from the database at a time while llms.txt is written: about one part's worth, so
# the first part waits for one small query. Many more and PostgreSQL judges the query (one
# lookup per page and page type) costly enough to compile it first (JIT), which took longer
# than running it: 170 ms for 2,000 pages.
LLMS_TXT_ROWS_PER_FETCH = 500


class ReaderSitemap(Sitemap):
    """
    The site's live public pages, in tree order, as Django's sitemap sections: each <loc> at
    the site's public address (pages/reading/addresses.py), each <lastmod> its last publication.

    Items are rows (URL path and dates), not pages: a section of `limit` addresses is one
    query, with no page object built and none asked anything per page.
    """

    # Addresses per section. Search engines take up to 50,000 per file (sitemaps.org); 5,000
    # keeps every section (and so every request for one) the same size at 5,000 pages or at
    # 50,000, where the index lists eleven of them. WordPress's own sitemaps hold 2,000.
    limit = 5_000

    def __init__(self, request):
        self.request = request
        self.site = Site.find_for_request(request) or Site.objects.select_related("root_page").get(
            is_default_site=True
        )
        self.base_url = base_url(request)

    @cached_property
    def paginator(self):
        # Once per request: Django's property makes a new paginator, so a new count, each time.
        paginator = Paginator(self.items(), self.limit)
        # The count is the one kept with the newest publication (summary), not a count again.
        paginator.count = self.summary[0]
        return paginator

    @cached_property
    def summary(self):
        """(how many addresses, the newest publication) of the whole sitemap. Both read every
        listed page, so they are kept under the navigation's version (pages/reading/navigation.py),
        which publishing, unpublishing, moving, deleting or restricting a page moves on: what
        changes either. Every request for the index or a section between two such changes reads
        them from the cache; the first after one reads them in one query."""
        key = f"{KEY_PREFIX}:{current_version()}:{self.site.root_page_id}:sitemap:{self.limit}"
        summary = cache.get(key)
        if summary is None:
            totals = (
                self.items()
                .order_by()
                .aggregate(
                    count=Count("pk"),
                    newest=Max(Coalesce("last_published_at", "latest_revision_created_at")),
                )
            )
            summary = (totals["count"], totals["newest"])
            cache.set(key, summary, CACHE_SECONDS)
        return summary

    def items(self):
        root = self.site.root_page
        # As Wagtail's sitemap, <lastmod> is the last publication, else (pages published before
        # Wagtail recorded it) the latest revision.
        return (
            visible_pages()
            .filter(path__startswith=root.path)
            .order_by("path")
            .values_list("url_path", Coalesce("last_published_at", "latest_revision_created_at"))
        )

    def location(self, item):
        # The address Wagtail gives a page of this site: its URL path below the site's root,
        # at the public address (absolute_url's rule, its base read once for the section).
        return self.base_url + "/" + item[0][len(self.site.root_page.url_path) :]

    def lastmod(self, item):
        return item[1]

    def _urls(self, page, protocol, domain):
        urls = [
            {"location": self.location(item), "lastmod": self.lastmod(item)}
            for item in self.paginator.page(page).object_list
        ]
        lastmods = [url["lastmod"] for url in urls]
        if lastmods and None not in lastmods:
            self.latest_lastmod = max(lastmods)
        return urls

    def get_latest_lastmod(self):
        """The newest publication among all the sections' pages (summary)."""
        return self.summary[1]


@x_robots_tag
@require_safe
@reads_query("page")
def sitemap(request):
    """
    /sitemap.xml: while every page fits in one section, the sitemap itself, as it always was;
    past that a sitemap index (sitemaps.org) listing `/sitemap.xml?page=1`, `?page=2` and on,
    each a section. robots.txt names /sitemap.xml either way, and search engines read an index
    or a sitemap there alike.
    """
    reader_sitemap = ReaderSitemap(request)
    section = request.GET.get("page")
    if section is None and reader_sitemap.paginator.num_pages > 1:
        return sitemap_index(request, reader_sitemap)
    try:
        urls = reader_sitemap._urls(section or 1, request.scheme, None)
    except (EmptyPage, PageNotAnInteger) as error:
        raise Http404("No such sitemap section.") from error
    lastmod = getattr(reader_sitemap, "latest_lastmod", None)
    headers = {"Last-Modified": http_date(lastmod.timestamp())} if lastmod else None
    return HttpResponse(urlset_xml(urls), content_type=SITEMAP_XML, headers=headers)


def urlset_xml(urls):
    """The sitemap of `urls` as Django's sitemap.xml template writes it, byte for byte, written
    here: the template took 2.4 s for a section of 5,000 addresses, this a few milliseconds."""
    entries = "".join(
        f"<url><loc>{escape(url['location'])}</loc>"
        + (f"<lastmod>{day_of(url['lastmod'])}</lastmod>" if url["lastmod"] else "")
        + "</url>"
        for url in urls
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
        f"{entries}\n</urlset>\n"
    )


def day_of(moment):
    """A datetime's day in the site's time zone, as the template's `date:"Y-m-d"` gives it."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d")


def sitemap_index(request, reader_sitemap):
    address = absolute_url(request, reverse("sitemap"))
    # Each section's <lastmod> is the newest publication of them all, as in Django's own index:
    # one query, where each section's own would be one query per section.
    newest = reader_sitemap.get_latest_lastmod()
    sections = [
        {"location": f"{address}?page={number}", "last_mod": newest}
        for number in reader_sitemap.paginator.page_range
    ]
    headers = {"Last-Modified": http_date(newest.timestamp())} if newest else None
    return TemplateResponse(
        request,
        "sitemap_index.xml",
        {"sitemaps": sections},
        content_type=SITEMAP_XML,
        headers=headers,
    )


@require_safe
def page_markdown(request, path):
    navigation = navigation_for_request(request)
    item = navigation.item_at_url(f"/{path}/")
    if item is None and path == "index":
        item = navigation.root
    page = item and visible_pages().filter(pk=item.id).specific().first()
    if page is None:
        raise Http404("No published page has that address.")
    # Here, not at the top: the GitBook exporter (markdown-it and its plugins) would take about
    # 3 MB in every worker, for an address few requests ask for.
    from pages.reading.page_markdown import SiteMarkdown

    text = SiteMarkdown(request).page_markdown(page, markdown_url(item.url))
    return HttpResponse(text, content_type=MARKDOWN)


def llms_txt_stretches(root):
    """(first path, path past the last or None, is_in_a_section) of the stretches of tree order
    llms.txt lists, in its order: the home page and the pages outside sections first, then each
    section's pages. A top-level page's pages follow it in tree order, so a run of top-level
    pages alike (sections, or not) is one stretch, from its first to the next page unlike it."""
    is_section = Exists(SectionPage.objects.filter(page_ptr=OuterRef("pk")))
    top_level = (
        Page.objects.filter(path__startswith=root.path, depth=root.depth + 1)
        .annotate(is_section=is_section)
        .order_by("path")
        .values_list("path", "is_section")
    )
    # The home page opens the part outside sections; every page under it is under a top-level one.
    starts = [(root.path, False), *top_level]
    stretches = []
    for number, (path, in_a_section) in enumerate(starts):
        if number and starts[number - 1][1] == in_a_section:
            continue  # the stretch before goes on
        past = next((later for later, kind in starts[number + 1 :] if kind != in_a_section), None)
        stretches.append((path, past, in_a_section))
    return sorted(stretches, key=lambda stretch: stretch[2])


def llms_txt_rows(root):
    """(id, title, path, depth, url_path, summary, review_due, is_in_a_section) of the live
    pages under `root` (a NavItem), in llms.txt's order (llms_txt_stretches).

    Read LLMS_TXT_ROWS_PER_FETCH pages at a time in tree order, each fetch starting past the
    last page of the one before: every fetch is a range of the path index (and a lookup by key
    for each page's summary and review date), so the first lines come as fast at 50,000 pages
    as at 5,000. One query sorting every page before its first row took longer the larger the
    site."""
    per_fetch = LLMS_TXT_ROWS_PER_FETCH
    pages = (
        Page.objects.filter(path__startswith=root.path, live=True)
        .annotate(
            summary_text=editorial_field("summary", TextField()),
            review_due_date=editorial_field("review_due", DateField()),
        )
        .order_by("path")
        .values_list("pk", "title", "path", "depth", "url_path", "summary_text", "review_due_date")
    )
    for first, past, in_a_section in llms_txt_stretches(root):
        stretch = pages.filter(path__gte=first)
        if past is not None:
            stretch = stretch.filter(path__lt=past)
        after = None
        while True:
            fetched = list(
                (stretch if after is None else stretch.filter(path__gt=after))[:per_fetch]
            )
            for row in fetched:
                yield (*row, in_a_section)
            if len(fetched) < per_fetch:
                break
            after = fetched[-1][2]


def llms_txt_lines(request, navigation):
    """llms.txt line by line, read as it is written: a page's title and address from the
    rows, each kept if the navigation says readers can reach it (no whole-site tree)."""
    root = navigation.root
    site = Site.find_for_request(request)
    today = timezone.localdate()
    # Every link is at the site's public address (absolute_url's rule), found once, not per page.
    base = base_url(request)
    for page_id, title, path, depth, url_path, summary, review_due, in_a_section in llms_txt_rows(
        root
    ):
        if not navigation.is_reachable(path):
            continue  # restricted, or under a page readers cannot see
        item = navigation.item((page_id, title, path, depth, url_path, 0))
        if item.id == root.id:
            yield f"# {(site and site.site_name) or root.title}"
            yield ""
            if summary:
                yield f"> {summary}"
                yield ""
        elif in_a_section and item.depth == root.depth + 1:
            yield ""
            yield f"## {item.title}"
            yield ""
            # A section's own entry opens its list, as it always did.
        if is_review_overdue(review_due, today):
            summary = f"{summary or ''} (may be out of date)".lstrip()
        link = f"- [{item.title}]({base}{markdown_url(item.url)})"
        yield f"{link}: {summary}" if summary else link


def in_chunks(lines):
    size = LLMS_TXT_LINES_PER_CHUNK
    chunk = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= size:
            yield "\n".join(chunk) + "\n"
            chunk = []
    if chunk:
        yield "\n".join(chunk) + "\n"


@require_safe
def llms_txt(request):
    """
    The index an LLM reads first (llmstxt.org): every live page, its summary, its Markdown.

    Streamed as it is read, LLMS_TXT_ROWS_PER_FETCH pages per query (llms_txt_rows): at
    50,000 pages it is megabytes, and built whole it was every page object and the whole text
    in memory at once.
    The app's page cache keeps no streamed answer (pages/caching/http_cache.py); programs read
    this file rarely, and the proxy keeps it as it keeps any reader's page.
    """
    navigation = navigation_for_request(request)
    if navigation.root is None:
        raise Http404("This site has no published pages.")
    if request.method == "HEAD":
        # The headers alone: nothing is read to be thrown away.
        response = HttpResponse(content_type=PLAIN_TEXT)
    else:
        response = StreamingHttpResponse(
            in_chunks(llms_txt_lines(request, navigation)), content_type=PLAIN_TEXT
        )
    return response
