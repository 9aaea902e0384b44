"""
The site's addresses: the health check, the admin, the API, what robots and programs read, the
reader views of pages.reading and pages.feedback, and, last, Wagtail's page tree.
"""

from pathlib import Path

from django.conf import settings
from django.urls import include, path, re_path

from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from kbsite.api import api_router
from pages.feedback import views as feedback
from pages.reading import changes, machine_readable, passwords, search, search_api, views

# In the site's layout, without a query; a database that cannot be reached is a 503.
handler500 = "pages.reading.errors.server_error"

# What of MEDIA_ROOT anyone may fetch at /media/ when the app serves uploads itself: Wagtail's
# original images, their renditions and editors' profile pictures.
PUBLIC_MEDIA_FOLDERS = ("original_images", "images", "avatar_images")

urlpatterns = [
    path("healthz/", views.healthz, name="healthz"),
    path("admin/", include(wagtailadmin_urls)),
    path("api/v2/", api_router.urls),
    # The sitemap, or past one section's worth of pages the sitemap index (?page= its sections).
    path("sitemap.xml", machine_readable.sitemap, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("llms.txt", machine_readable.llms_txt, name="llms_txt"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("site.webmanifest", views.web_manifest, name="web_manifest"),
    path("search/", search.search, name="search"),
    path("search/suggest/", search_api.suggest, name="search_suggest"),
    path("search/clicked/", search_api.clicked, name="search_clicked"),
    path("whats-new/", changes.whats_new, name="whats_new"),
    path("feed/", changes.whats_new_feed, name="feed"),
    path("feedback/<int:page_id>/", feedback.page_feedback, name="page_feedback"),
    path("tags/", views.tag_index, name="tags"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag"),
    # Wagtail's password forms with a limit on wrong passwords, at Wagtail's own addresses: these
    # come before wagtaildocs_urls and wagtail_urls, which would answer them unlimited.
    path(
        "documents/authenticate_with_password/<int:restriction_id>/",
        passwords.documents_password,
    ),
    path(
        "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/",
        passwords.page_password,
    ),
    path("documents/", include(wagtaildocs_urls)),
]

if settings.DEBUG or settings.KB_SERVE_MEDIA:
    from django.views.static import serve

    # Uploaded images from the media volume when there is no bucket (docker-compose on one
    # machine; `make run`): the proxy keeps them, so the app serves each one about once an hour.
    # Only the folders of images, each its own root, so that no `..` leads out of one. Documents
    # (MEDIA_ROOT/documents/) are never served from here: a private collection's are for those
    # Wagtail's view at /documents/<id>/<name> lets in, and anyone could fetch them here.
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}{folder}/(?P<path>.+)$",
            serve,
            {"document_root": Path(settings.MEDIA_ROOT) / folder},
        )
        for folder in PUBLIC_MEDIA_FOLDERS
    ]

# A page's Markdown (`/plasma/plasma-mvp.md`) and history (`/plasma/plasma-mvp/history/`),
# after every route that may serve a real .md file; then Wagtail serves every other path from
# the page tree, so it goes last.
urlpatterns += [
    re_path(r"^(?P<path>[\w\-/]+)\.md$", machine_readable.page_markdown, name="page_markdown"),
    # "history" is a reserved slug (see EditorialMixin.clean), so this shadows no page.
    re_path(r"^(?P<path>(?:[\w\-]+/)*)history/$", changes.page_history, name="page_history"),
    path("", include(wagtail_urls)),
]
