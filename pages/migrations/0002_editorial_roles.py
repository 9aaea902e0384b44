"""
The three editorial roles, as groups with page permissions on the tree's root.

Wagtail's first migrations create 'Editors' and 'Moderators'; we keep Editors, rename Moderators to
Reviewers (the word our team uses) and add Administrators. Permission rows for auth and our own
models are normally created after migrations run, so they are created here when missing.
Re-running is harmless: every step is get-or-create.
"""

from django.db import migrations

PAGE_PERMISSIONS = {
    # Editors draft and submit for review; publishing is the reviewers' job.
    "Editors": ["add_page", "change_page", "lock_page"],
    "Reviewers": ["add_page", "change_page", "lock_page", "unlock_page", "publish_page"],
    "Administrators": [
        "add_page",
        "change_page",
        "lock_page",
        "unlock_page",
        "publish_page",
        "bulk_delete_page",
    ],
}

MEDIA = [
    ("wagtailimages", "image", ["add", "change", "delete", "choose"]),
    ("wagtaildocs", "document", ["add", "change", "delete", "choose"]),
]
MODEL_PERMISSIONS = {
    "Editors": [("pages", "faqcategory", ["view"]), *MEDIA],
    "Reviewers": [("pages", "faqcategory", ["view", "add", "change"]), *MEDIA],
    "Administrators": [
        ("pages", "faqcategory", ["view", "add", "change", "delete"]),
        ("auth", "user", ["view", "add", "change", "delete"]),
        ("auth", "group", ["view", "add", "change", "delete"]),
        ("wagtailcore", "site", ["add", "change", "delete"]),
        *MEDIA,
    ],
}


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")

    def permission(app_label, model, codename):
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        perm, _ = Permission.objects.get_or_create(
            content_type=content_type,
            codename=codename,
            defaults={"name": f"Can {codename.split('_')[0]} {model}"},
        )
        return perm

    if not Group.objects.filter(name="Reviewers").exists():
        Group.objects.filter(name="Moderators").update(name="Reviewers")

    root = Page.objects.filter(depth=1).order_by("path").first()
    access_admin = permission("wagtailadmin", "admin", "access_admin")

    for name, page_codenames in PAGE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(access_admin)
        for app_label, model, actions in MODEL_PERMISSIONS[name]:
            group.permissions.add(
                *(permission(app_label, model, f"{action}_{model}") for action in actions)
            )
        if root is None:
            continue
        for codename in page_codenames:
            GroupPagePermission.objects.get_or_create(
                group=group,
                page=root,
                permission=permission("wagtailcore", "page", codename),
            )


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
