"""
Page links in rich text that can point at a heading: `<a linktype="page" id="12" anchor="exits">`.

Wagtail stores a page link by id, so it survives renames and moves; GitBook links often end in
`#anchor`. The anchor rides along as an extra attribute and is appended when the link is rendered.
"""

from urllib.parse import quote

from django.utils.html import escape

from wagtail.rich_text.pages import PageLinkHandler


class AnchoredPageLinkHandler(PageLinkHandler):
    @classmethod
    def expand_db_attributes_many(cls, attrs_list):
        links = []
        for attrs, page in zip(attrs_list, cls.get_many(attrs_list), strict=True):
            if page is None:
                links.append("<a>")
                continue
            url = page.localized.url
            if attrs.get("anchor"):
                url = f"{url}#{quote(attrs['anchor'])}"
            links.append(f'<a href="{escape(url)}">')
        return links
