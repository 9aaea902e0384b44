"""
Template tags for the admin's own templates that we extend: which two versions a comparison
shows, as an editor names them.
"""

from django import template
from django.utils.formats import date_format
from django.utils.timezone import localtime

from wagtail.admin.utils import get_user_display_name

register = template.Library()


@register.inclusion_tag("wagtailadmin/shared/compared_versions.html")
def compared_versions(view):
    """The older and newer side of a comparison: whose version, saved when, and which is live.
    Wagtail's own heading gives neither who nor which, and prints the date as stored."""
    obj = view.object
    live_id = getattr(obj, "live_revision_id", None)
    revisions = obj.revisions.select_related("user").order_by("created_at", "id")
    wanted = [
        live_id if revision_id == "live" else revision_id
        for revision_id in (view.revision_id_a, view.revision_id_b)
    ]
    # Both sides in one query when they are given by id (or "live"), as History links them.
    found = {
        str(revision.pk): revision
        for revision in revisions.filter(pk__in=[r for r in wanted if str(r).isdigit()])
    }
    for index, revision_id in enumerate(wanted):
        if revision_id == "earliest":
            wanted[index] = revisions.first()
        elif revision_id == "latest":
            wanted[index] = revisions.last()
        else:
            wanted[index] = found.get(str(revision_id))
    return {"sides": [version_side(revision, live_id) for revision in wanted]}


def version_side(revision, live_id):
    if revision is None:
        return {"name": "The live version", "by": "", "live": True}
    return {
        "name": f"Version of {date_format(localtime(revision.created_at), 'DATETIME_FORMAT')}",
        # No user: the GitBook import, run without --user (the only writer of such versions).
        "by": get_user_display_name(revision.user) if revision.user else "the GitBook import",
        "live": revision.pk == live_id,
    }
