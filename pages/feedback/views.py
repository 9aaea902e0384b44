"""
"Was this page helpful?": readers' answers, taken without making a page uncacheable.

A reader's page is the same for everyone (the proxy and the page cache keep it,
pages/caching/http_cache.py), so it holds no CSRF token and nothing about the reader. Its form
(components/page_feedback.html) points at the page's feedback address, /feedback/<page id>/:

- With JavaScript (kb.js), the answer is posted in place and the page never reloads. The CSRF token
  comes from the `csrftoken` cookie, or the first time from a GET of the feedback address as JSON;
  the answers come back as JSON.
- Without, the form is a GET of the feedback address: a small page of its own, never cached, which
  holds the token and posts the answer (after "No", with what was missing).

Both end in the same POST, which Django's CSRF middleware guards like any other. Per reader:

- One answer per page per browser per day: the pages answered today are listed in a signed cookie
  (kb_feedback), which the script also reads to thank the reader instead of asking again.
- KB_FEEDBACK_ANSWERS_PER_HOUR answers per client address (kbsite.security.client_ip_address),
  counted in the cache; more get a 429.
- A honeypot field that people never see: a bot that fills in every field is thanked, and nothing
  is kept.

After "No", the reader may say what was missing: the answer's key, signed and good for
COMMENT_WINDOW, lets that one answer take one comment. Comments are plain text, at most
COMMENT_MAX_LENGTH characters; longer ones are refused with a message, not cut.
"""

import logging
from datetime import datetime, timedelta
from datetime import time as clock_time

from django import forms
from django.conf import settings
from django.core import signing
from django.db.models import Exists, OuterRef
from django.http import Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from wagtail.models import Page, PageLogEntry

from kbsite.security import count_this_hour
from pages.models import EditorialMixin, PageFeedback
from pages.models.feedback import COMMENT_MAX_LENGTH
from pages.reading.changes import PUBLISH_ACTIONS

logger = logging.getLogger(__name__)

ANSWERED_COOKIE = "kb_feedback"
# The cookie lists this many pages at most (the latest): a few hundred bytes.
ANSWERED_PAGES_KEPT = 50
# How long after answering "No" the reader may still add what was missing.
COMMENT_WINDOW = timedelta(hours=1)
THROTTLE_KEY_PREFIX = "pages:feedback:answers:"

answered_signer = signing.Signer(salt="pages.feedback.answered")
answer_key_signer = signing.TimestampSigner(salt="pages.feedback.comment")

ANSWER_CHOICES = [("yes", "Yes"), ("no", "No")]
CHOOSE_AN_ANSWER = "Choose Yes or No."
ALREADY_ANSWERED = "You already told us about this page today. Thank you!"
COMMENT_TOO_LONG = (
    f"Please keep it to {COMMENT_MAX_LENGTH:,} characters (this one has %(show_value)d): "
    "a sentence or two on what was missing is plenty."
)


class HoneypotMixin(forms.Form):
    # Named like a field a bot expects to fill; hidden from people (components/page_feedback.html).
    website = forms.CharField(required=False, label="Leave this field empty")

    def is_from_a_bot(self):
        return bool(self.data.get("website"))


class AnswerForm(HoneypotMixin):
    helpful = forms.TypedChoiceField(
        label="Was this page helpful?",
        choices=ANSWER_CHOICES,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": CHOOSE_AN_ANSWER, "invalid_choice": CHOOSE_AN_ANSWER},
    )
    comment = forms.CharField(
        label="What was missing? (optional)",
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": COMMENT_TOO_LONG},
    )
    # The version the reader saw: kept when readers could have seen it, else the live one.
    revision = forms.CharField(required=False, widget=forms.HiddenInput)


class CommentForm(HoneypotMixin):
    answer = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label="What was missing?",
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Write what was missing, or leave the page as it is.",
            "max_length": COMMENT_TOO_LONG,
        },
    )

    def __init__(self, *args, page, **kwargs):
        super().__init__(*args, **kwargs)
        self.page = page

    def clean_answer(self):
        """The reader's own "No" on this page, answered within COMMENT_WINDOW, not yet commented."""
        try:
            answer_id = answer_key_signer.unsign(
                self.cleaned_data["answer"], max_age=COMMENT_WINDOW
            )
            answer = PageFeedback.objects.get(
                pk=int(answer_id), page=self.page, helpful=False, comment=""
            )
        except (signing.BadSignature, ValueError, PageFeedback.DoesNotExist):
            raise forms.ValidationError(
                "This answer can no longer take a comment: comments are added within an hour "
                "of answering, once."
            ) from None
        return answer


# Which pages this browser answered today -------------------------------------------------------


def today_stamp():
    return timezone.localdate().strftime("%Y%m%d")


def pages_answered_today(request):
    """Ids of the pages this browser answered today, from its signed cookie (empty if forged)."""
    try:
        value = answered_signer.unsign(request.COOKIES.get(ANSWERED_COOKIE, ""))
    except signing.BadSignature:
        return []
    day, *page_ids = value.split(".")
    if day != today_stamp():
        return []
    return [int(page_id) for page_id in page_ids if page_id.isdigit()]


def remember_answer(request, response, page):
    page_ids = [pk for pk in pages_answered_today(request) if pk != page.pk] + [page.pk]
    value = ".".join([today_stamp(), *map(str, page_ids[-ANSWERED_PAGES_KEPT:])])
    now = timezone.localtime()
    midnight = timezone.make_aware(
        datetime.combine(now.date() + timedelta(days=1), clock_time.min), now.tzinfo
    )
    response.set_cookie(
        ANSWERED_COOKIE,
        answered_signer.sign(value),
        # Gone at midnight, when the reader may answer again; the script reads it (it names
        # pages, nothing else), so it is not HttpOnly.
        max_age=max(int((midnight - now).total_seconds()), 1),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=False,
        samesite="Lax",
    )


# Answers per client address --------------------------------------------------------------------


def within_answer_limit(request):
    """Counts this answer against its address's hourly limit; False once the limit is passed."""
    count = count_this_hour(request, THROTTLE_KEY_PREFIX)
    if count is None:  # the cache is down (django-redis ignores its errors): take the answer
        logger.warning("Reader feedback: no cache to count answers by address; not throttled.")
        return True
    return count <= settings.KB_FEEDBACK_ANSWERS_PER_HOUR


# The view ---------------------------------------------------------------------------------------


def page_for_feedback(request, page_id):
    """The live knowledge-base page, as far as this reader may see it (Wagtail's own rule)."""
    page = get_object_or_404(Page.objects.live().type(EditorialMixin), pk=page_id)
    for restriction in page.get_view_restrictions():
        if not restriction.accept_request(request):
            raise Http404("No such page.")
    return page


def revision_seen(page, value):
    """
    The version the answer is about: the one the form names if readers could have seen it, else
    the live one. The form names the live version the page was rendered with, and the caches
    may serve that page after a newer one is published, so any version that was once live is
    taken. A draft's id (readers never see drafts) counts for no more than another page's, or
    no number at all: the answer goes with the version the page shows now.
    """
    if value and value.isascii() and value.isdigit():
        revision_id = int(value)
        if revision_id == page.live_revision_id:
            return revision_id
        # Filtered by its own key first, which Django checks for range (a 30-digit number finds
        # nothing instead of overflowing the database's integer).
        once_live = page.revisions.filter(pk=revision_id).filter(
            Exists(PageLogEntry.objects.filter(revision=OuterRef("pk"), action__in=PUBLISH_ACTIONS))
        )
        if once_live.exists():
            return revision_id
    return page.live_revision_id


def wants_json(request):
    # The script asks for JSON alone; a browser's own form submission prefers HTML.
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


class Answer:
    """What the view answers, as JSON for the script or as the no-JavaScript page."""

    def __init__(
        self, request, page, status, message, *, http_status=200, remember=False, **context
    ):
        self.request = request
        self.page = page
        self.status = status
        self.message = message
        self.http_status = http_status
        # A new answer: the browser remembers the page was answered today.
        self.remember = remember
        self.context = context

    def response(self):
        if wants_json(self.request):
            body = {"status": self.status, "message": self.message}
            form = self.context.get("form")
            if form is not None and form.errors:
                body["errors"] = {name: list(errors) for name, errors in form.errors.items()}
            if self.context.get("answer_key"):
                body["answer"] = self.context["answer_key"]
            response = JsonResponse(body, status=self.http_status)
        else:
            response = render(
                self.request,
                "pages/page_feedback.html",
                {
                    "feedback_page": self.page,
                    "status": self.status,
                    "message": self.message,
                    **self.context,
                },
                status=self.http_status,
            )
        response["X-Robots-Tag"] = "noindex"
        if self.remember:
            remember_answer(self.request, response, self.page)
        if self.http_status == 429:
            response["Retry-After"] = "3600"
        return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def page_feedback(request, page_id):
    page = page_for_feedback(request, page_id)
    if request.method == "POST":
        if "answer" in request.POST:
            return add_comment(request, page).response()
        return take_answer(request, page).response()

    answered = page.pk in pages_answered_today(request)
    if wants_json(request):
        # The script's first answer on a site: a token for its POST (sets the csrftoken cookie).
        return JsonResponse({"csrf_token": get_token(request), "answered_today": answered})
    if answered:
        return Answer(request, page, "already-answered", ALREADY_ANSWERED).response()
    chosen = request.GET.get("helpful")
    form = AnswerForm(
        initial={
            "helpful": chosen if chosen in dict(ANSWER_CHOICES) else None,
            "revision": request.GET.get("revision", ""),
        }
    )
    return Answer(request, page, "ask", "", form=form, chosen=form.initial["helpful"]).response()


def take_answer(request, page):
    form = AnswerForm(request.POST)
    if form.is_from_a_bot():
        return Answer(request, page, "recorded", "Thank you for your answer.")
    if not form.is_valid():
        return Answer(
            request,
            page,
            "invalid",
            "Your answer was not saved: " + error_text(form),
            http_status=400,
            form=form,
            chosen=form.data.get("helpful"),
        )
    if page.pk in pages_answered_today(request):
        return Answer(request, page, "already-answered", ALREADY_ANSWERED)
    if not within_answer_limit(request):
        return throttled(request, page)

    answer = PageFeedback.objects.create(
        page=page,
        helpful=form.cleaned_data["helpful"],
        comment=form.cleaned_data["comment"],
        revision_id=revision_seen(page, form.cleaned_data["revision"]),
    )
    if answer.helpful or answer.comment:
        return Answer(request, page, "recorded", "Thank you for your answer.", remember=True)
    # A plain "No": the script asks next what was missing (the page without JavaScript asked
    # with the answer itself).
    return Answer(
        request,
        page,
        "ask-comment",
        "Thank you. What was missing? Tell us in a sentence or two (optional).",
        remember=True,
        answer_key=answer_key_signer.sign(str(answer.pk)),
    )


def add_comment(request, page):
    form = CommentForm(request.POST, page=page)
    if form.is_from_a_bot():
        return Answer(request, page, "comment-saved", "Thank you for telling us.")
    if not form.is_valid():
        return Answer(
            request,
            page,
            "invalid-comment",
            "Your comment was not saved: " + error_text(form),
            http_status=400,
            form=form,
            answer_key=form.data.get("answer", ""),
        )
    if not within_answer_limit(request):
        return throttled(request, page)
    answer = form.cleaned_data["answer"]
    answer.comment = form.cleaned_data["comment"]
    answer.save(update_fields=["comment"])
    return Answer(
        request, page, "comment-saved", "Thank you for telling us: an editor will read it."
    )


def error_text(form):
    return " ".join(error for errors in form.errors.values() for error in errors)


def throttled(request, page):
    return Answer(
        request,
        page,
        "throttled",
        "Too many answers have come from your network in the last hour; nothing was saved. "
        "Please try again later.",
        http_status=429,
    )
