"""
The four-eyes rule on approvals: the "Reviewer approval" task of the "Editorial review" workflow
(0008) becomes a ReviewerApprovalTask, a proxy of Wagtail's group approval task whose approve
actions leave out whoever submitted or last edited the change while Settings → Review rules has
the rule on. Same table, same groups, same task states: only the task's content type changes.
Reversed, the task is a plain group approval task again.
"""

from django.db import migrations

WORKFLOW_NAME = "Editorial review"


def task_types(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    group_approval, _ = ContentType.objects.get_or_create(
        app_label="wagtailcore", model="groupapprovaltask"
    )
    four_eyes, _ = ContentType.objects.get_or_create(
        app_label="pages", model="reviewerapprovaltask"
    )
    return group_approval, four_eyes


def editorial_review_tasks(apps):
    Task = apps.get_model("wagtailcore", "Task")
    return Task.objects.filter(
        pk__in=Task.objects.filter(workflow_tasks__workflow__name=WORKFLOW_NAME).values("pk")
    )


def use_four_eyes_task(apps, schema_editor):
    group_approval, four_eyes = task_types(apps)
    editorial_review_tasks(apps).filter(content_type=group_approval).update(content_type=four_eyes)


def use_group_approval_task(apps, schema_editor):
    group_approval, four_eyes = task_types(apps)
    editorial_review_tasks(apps).filter(content_type=four_eyes).update(content_type=group_approval)


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0016_editorial_integrity"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReviewerApprovalTask",
            fields=[],
            options={
                "verbose_name": "group approval task with four eyes",
                "verbose_name_plural": "group approval tasks with four eyes",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("wagtailcore.groupapprovaltask",),
        ),
        migrations.RunPython(use_four_eyes_task, use_group_approval_task),
    ]
