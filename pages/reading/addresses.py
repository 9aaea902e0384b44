"""
The one rule for the site's absolute addresses: the configured public address (`SITE_URL`,
e.g. `https://kb.example.org`), else the scheme and host the request came to.

Every absolute URL a reader or a program is given goes through here: the sitemap's <loc>,
robots.txt, llms.txt, the Atom feed, the API's `html_url` and `detail_url`, `rel=canonical` and
the Open Graph tags. Wagtail's own `full_url` follows the Site record instead, whose host name
says `localhost` until an editor changes it (the import makes it so), and every link built from
it was dead on a real host.
"""

from urllib.parse import urlsplit

from django.conf import settings

from wagtail.models import Site


def base_url(request):
    """`https://kb.example.org`, without a trailing slash."""
    if settings.KB_SITE_URL:
        return settings.KB_SITE_URL
    return f"{request.scheme}://{request.get_host()}"


def absolute_url(request, url):
    """`url` (a path, or an absolute URL Wagtail built from this site's Site record) at the
    site's public address. An absolute URL of another site (a second Site record) is left as it
    is: that site has its own address."""
    if url.startswith("/") and not url.startswith("//"):
        return base_url(request) + url
    parts = urlsplit(url)
    site = Site.find_for_request(request)
    if site is not None and parts.netloc and url.startswith(site.root_url):
        rest = url[len(site.root_url) :]
        if not rest or rest.startswith(("/", "?", "#")):
            return base_url(request) + (rest or "/")
    return url


def page_url(request, page):
    """A live page's absolute address, or None if it has none (not routable)."""
    url = page.get_url(request=request)
    return absolute_url(request, url) if url else None
