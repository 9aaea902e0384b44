"""The read-only JSON API at /api/v2/: Wagtail's pages endpoint, live public pages only."""

from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet

api_router = WagtailAPIRouter("wagtailapi")
# Wagtail's pages endpoint serves only live pages outside any view restriction, and only GET.
api_router.register_endpoint("pages", PagesAPIViewSet)
