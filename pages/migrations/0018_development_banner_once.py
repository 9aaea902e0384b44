"""
The in-development banner says "still in development" once: its heading reads "Still in
development." and the site's wording (Settings → Reader notices) no longer repeats it. Sites
still showing the old default wording get the new one; wording someone chose is left alone.
Reversed, the old default comes back the same way.
"""

from django.db import migrations, models

OLD_DEFAULT = "This page is still in development: some details are missing, and it will be revised."
NEW_DEFAULT = "Some details are missing, and the page will be revised."


def replace_wording(old, new):
    def replace(apps, schema_editor):
        ReaderNotices = apps.get_model("pages", "ReaderNotices")
        ReaderNotices.objects.filter(development_banner=old).update(development_banner=new)

    return replace


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0017_reviewer_approval_task"),
    ]

    operations = [
        migrations.AlterField(
            model_name="readernotices",
            name="development_banner",
            field=models.CharField(
                default=NEW_DEFAULT,
                help_text=(
                    "Shown on every page flagged 'Still in development', after the words “Still "
                    "in development.” and before the page's own note. Say what the flag means "
                    "without repeating it: the page is incomplete and will be revised."
                ),
                max_length=300,
                verbose_name="In-development banner",
            ),
        ),
        migrations.RunPython(
            replace_wording(OLD_DEFAULT, NEW_DEFAULT), replace_wording(NEW_DEFAULT, OLD_DEFAULT)
        ),
    ]
