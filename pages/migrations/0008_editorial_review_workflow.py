"""
The "Editorial review" workflow: one group approval task for Reviewers, on the root of the tree,
so every page an editor submits waits for a reviewer, and approval publishes it. Administrators
are in the task too: a page in review is locked to everyone outside it, and administrators must
not be shut out of any page.

Wagtail's install made a "Moderators approval" workflow from the publish permissions of the day;
it is retired here (kept, inactive, for the history of any page that went through it).
Re-running is harmless: every step is get-or-create.
"""

from django.db import migrations

WORKFLOW_NAME = "Editorial review"
TASK_NAME = "Reviewer approval"


def create_editorial_review(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    Task = apps.get_model("wagtailcore", "Task")

    reviewers, _ = Group.objects.get_or_create(name="Reviewers")
    administrators, _ = Group.objects.get_or_create(name="Administrators")
    task_type, _ = ContentType.objects.get_or_create(
        app_label="wagtailcore", model="groupapprovaltask"
    )
    task, _ = GroupApprovalTask.objects.get_or_create(
        name=TASK_NAME, defaults={"content_type": task_type, "active": True}
    )
    task.groups.set([reviewers, administrators])
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})

    root = Page.objects.filter(depth=1).order_by("path").first()
    if root is not None:
        WorkflowPage.objects.update_or_create(page=root, defaults={"workflow": workflow})
    Workflow.objects.exclude(pk=workflow.pk).filter(workflow_pages__isnull=True).update(
        active=False
    )
    Task.objects.exclude(workflow_tasks__workflow__active=True).update(active=False)


def remove_editorial_review(apps, schema_editor):
    Workflow = apps.get_model("wagtailcore", "Workflow")
    Workflow.objects.filter(name=WORKFLOW_NAME).update(active=False)
    apps.get_model("wagtailcore", "WorkflowPage").objects.filter(
        workflow__name=WORKFLOW_NAME
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0007_change_note"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_editorial_review, remove_editorial_review)]
