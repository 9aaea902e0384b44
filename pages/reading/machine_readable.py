"""
The knowledge base for programs: every page as Markdown, /llms.txt listing them, and the sitemap.

As on GitBook, a page's Markdown is at its URL with `.md` in place of the trailing slash
(`/plasma/plasma-mvp/` → `/plasma/plasma-mvp.md`); the home page's is `/index.md`. Pages are
found through the reader's navigation tree, so a draft or a restricted page has no Markdown view.

The sitemap and llms.txt list every page, so their cost could grow with the site. They read
plain rows (never page objects), in a fixed number of queries whatever the site's size: the
sitemap in sections of at most `ReaderSitemap.limit` addresses, llms.txt streamed as it reads.
"""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import x_robots_tag
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Case, DateField, F, IntegerField, Max, TextField, Value, When
from django.db.models.functions import Coalesce, Substr
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from wagtail.models import Page, Site, get_page_models

from pages.models import EditorialMixin, SectionPage
from pages.models.base import is_review_overdue
from pages.reading.addresses import absolute_url, base_url
from pages.reading.navigation import markdown_url, navigation_for_request
from pages.reading.query import reads_query
from pages.reading.visibility import visible_pages

MARKDOWN = "text/markdown; charset=utf-8"
PLAIN_TEXT = "text/plain; charset=utf-8"
SITEMAP_XML = "application/xml"
# llms.txt goes out this many lines at a time: few enough writes, and a small buffer.
LLMS_TXT_LINES_PER_CHUNK = 500
# Rows fetched from the database at a time while llms.txt is written.
LLMS_TXT_ROWS_PER_FETCH = 2000


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
        return Paginator(self.items(), self.limit)

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
        """The newest publication among all the sections' pages, in one query."""
        newest = (
            self.items()
            .order_by()
            .aggregate(newest=Max(Coalesce("last_published_at", "latest_revision_created_at")))
        )
        return newest["newest"]


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


def editorial_field(name, output_field):
    """`name` (summary, review_due) read onto `Page` rows from whichever page type's table
    holds it: one join per page type, never a query per page."""
    declaring = {
        model._meta.get_field(name).model
        for model in get_page_models()
        if issubclass(model, EditorialMixin)
    }
    tables = sorted(model._meta.parents[Page].related_query_name() for model in declaring)
    return Coalesce(
        *[F(f"{table}__{name}") for table in tables], Value(None), output_field=output_field
    )


def llms_txt_rows(root):
    """(id, title, path, depth, url_path, summary, review_due, is_in_a_section) of the live
    pages under `root` (a NavItem),
    in llms.txt's order: the home page and the pages outside sections first, then each
    section's pages, each part in tree order. Section pages are found in a query of their own,
    so that the one query of all the pages can be sorted by them."""
    top_level = len(root.path) + Page.steplen
    sections = list(
        SectionPage.objects.filter(path__startswith=root.path, depth=root.depth + 1).values_list(
            "path", flat=True
        )
    )
    in_a_section = (
        Case(
            When(top_level_path__in=sections, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        if sections
        else Value(0, output_field=IntegerField())
    )
    return (
        Page.objects.filter(path__startswith=root.path, live=True)
        .annotate(top_level_path=Substr("path", 1, top_level))
        .annotate(
            summary_text=editorial_field("summary", TextField()),
            review_due_date=editorial_field("review_due", DateField()),
            in_a_section=in_a_section,
        )
        .order_by("in_a_section", "path")
        .values_list(
            "pk",
            "title",
            "path",
            "depth",
            "url_path",
            "summary_text",
            "review_due_date",
            "in_a_section",
        )
        .iterator(chunk_size=LLMS_TXT_ROWS_PER_FETCH)
    )


def llms_txt_lines(request, navigation):
    """llms.txt line by line, read as it is written: a page's title and address from the
    one query, each kept if the navigation says readers can reach it (no whole-site tree)."""
    root = navigation.root
    site = Site.find_for_request(request)
    today = timezone.localdate()
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
        link = f"- [{item.title}]({absolute_url(request, markdown_url(item.url))})"
        yield f"{link}: {summary}" if summary else link


def in_chunks(lines, size=LLMS_TXT_LINES_PER_CHUNK):
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

    Streamed as it is read, in three queries however large the site: at 50,000 pages it is
    megabytes, and built whole it was every page object and the whole text in memory at once.
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
