"""
Imported pages start reviewable, and every version of a page can be restored from its History.

1. Pages with neither a review date nor a last review (the GitBook import's, before imports
   set one) get their first review date from the review schedule, counted from today: the day
   the schedule starts to apply to them. Nobody is recorded as having reviewed them.
2. Versions with no entry in the page's history that History offers "Review this version" on
   (the import logged only the publish of a new page's first version) get the entry the admin
   writes when it saves a version: "wagtail.edit", with the version, its author and its time.
"""

from datetime import timedelta

from django.db import migrations
from django.db.models import Exists, OuterRef
from django.utils import timezone

# The review schedule's defaults (pages.models.reviews.ReviewSchedule), by page type, for a site
# whose schedule was never saved: historical models have no interval_for().
DEFAULT_DAYS = {
    "HomePage": ("home_page_days", 180),
    "SectionPage": ("section_page_days", 180),
    "TopicPage": ("topic_page_days", 90),
    "DeepDivePage": ("deep_dive_page_days", 90),
    "FaqIndexPage": ("faq_index_page_days", 180),
    "FaqPage": ("faq_page_days", 180),
    "VideoPage": ("video_page_days", 365),
}


def set_first_review_dates(apps, schema_editor):
    Site = apps.get_model("wagtailcore", "Site")
    ReviewSchedule = apps.get_model("pages", "ReviewSchedule")
    site = Site.objects.filter(is_default_site=True).first()
    schedule = ReviewSchedule.objects.filter(site=site).first() if site else None
    today = timezone.localdate()
    for model_name, (field, default) in DEFAULT_DAYS.items():
        days = getattr(schedule, field) if schedule is not None else default
        apps.get_model("pages", model_name).objects.filter(
            review_due__isnull=True, last_reviewed__isnull=True
        ).update(review_due=today + timedelta(days=days), review_due_set_by_editor=False)


def log_unlogged_versions(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Revision = apps.get_model("wagtailcore", "Revision")
    PageLogEntry = apps.get_model("wagtailcore", "PageLogEntry")
    Page = apps.get_model("wagtailcore", "Page")
    page_type = ContentType.objects.filter(app_label="wagtailcore", model="page").first()
    if page_type is None:
        return
    offered = PageLogEntry.objects.filter(
        revision=OuterRef("pk"), content_changed=True
    ).exclude(action="wagtail.publish")
    unlogged = (
        Revision.objects.filter(base_content_type=page_type)
        .exclude(Exists(offered))
        .values_list("pk", "object_id", "content_type_id", "object_str", "user_id", "created_at")
    )
    pages = {str(pk) for pk in Page.objects.values_list("pk", flat=True)}
    PageLogEntry.objects.bulk_create(
        PageLogEntry(
            revision_id=pk,
            page_id=int(object_id),
            content_type_id=content_type_id,
            label=object_str,
            action="wagtail.edit",
            data={},
            user_id=user_id,
            timestamp=created_at,
            content_changed=True,
        )
        for pk, object_id, content_type_id, object_str, user_id, created_at in unlogged.iterator()
        if object_id in pages  # a deleted page's versions have no History to show them
    )


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0018_development_banner_once"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(set_first_review_dates, migrations.RunPython.noop),
        migrations.RunPython(log_unlogged_versions, migrations.RunPython.noop),
    ]
