"""
Wagtail's password forms, with a limit on wrong passwords: a private page's
(/_util/authenticate_with_password/<restriction>/<page>/) and a private collection's documents'
(/documents/authenticate_with_password/<restriction>/). Wagtail's own views take any number of
guesses.

After as many wrong passwords for one restriction from one client address in an hour as the
admin's sign-in allows (AXES_FAILURE_LIMIT, kbsite/settings/base.py), that address's further
attempts on it are refused with a 429 page in the site's layout until the hour is over, the right
password too: nothing is checked and nothing is stored. Other addresses and other restrictions
are not held up. Counted per address as the feedback throttle counts (kbsite.security), in
Redis, or without it in each worker's memory.
"""

import math

from django.conf import settings
from django.shortcuts import render

from wagtail import views as page_views
from wagtail.documents.views import serve as document_views

from kbsite.security import count_this_hour, counted_this_hour, seconds_left_this_hour

PAGE_KEY_PREFIX = "pages:page-password:"
DOCUMENTS_KEY_PREFIX = "pages:documents-password:"


def answer_counting_wrong_passwords(request, key_prefix, wagtail_view, *args):
    """Wagtail's answer, or a 429 once this address is past the limit. A POST Wagtail answers
    with its form again (200) was a wrong password, and counts; one it redirects was right."""
    if request.method != "POST":
        return wagtail_view(request, *args)
    if counted_this_hour(request, key_prefix) >= settings.AXES_FAILURE_LIMIT:
        return refused(request)
    response = wagtail_view(request, *args)
    if response.status_code == 200:
        count_this_hour(request, key_prefix)
    return response


def refused(request):
    seconds = seconds_left_this_hour()
    response = render(
        request,
        "pages/password_throttled.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": math.ceil(seconds / 60)},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


def page_password(request, page_view_restriction_id, page_id):
    return answer_counting_wrong_passwords(
        request,
        f"{PAGE_KEY_PREFIX}{page_view_restriction_id}:",
        page_views.authenticate_with_password,
        page_view_restriction_id,
        page_id,
    )


def documents_password(request, restriction_id):
    return answer_counting_wrong_passwords(
        request,
        f"{DOCUMENTS_KEY_PREFIX}{restriction_id}:",
        document_views.authenticate_with_password,
        restriction_id,
    )
