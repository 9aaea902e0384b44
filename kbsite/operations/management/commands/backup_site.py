"""
Back up the whole site into one archive: the database and the uploaded files.

`make backup` runs it; `restore_site` puts an archive back into an empty database. PostgreSQL is
dumped with pg_dump, SQLite copied with its online backup API, both safe while the site runs.
The archive is written under a temporary name and renamed once complete, so a failed backup
never leaves half an archive where a good one would be looked for. What the archive holds:
kbsite/operations/backups/archive_format.py and docs/deploy.md ("Backups").
"""

from django.core.management.base import BaseCommand, CommandError

from kbsite.operations.backups import BackupError, create_backup, default_output

COUNT_LABELS = {
    "pages": "pages",
    "revisions": "revisions",
    "workflow_states": "workflow states",
    "task_states": "task states",
    "images": "images",
    "renditions": "renditions",
    "documents": "documents",
    "users": "users",
}


def describe_counts(counts):
    return ", ".join(
        f"{counts[key]} {label}" for key, label in COUNT_LABELS.items() if key in counts
    )


def human_size(size):
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} bytes"


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump on PostgreSQL, the backup API on SQLite) and the media "
        "files into one .tar.gz archive, by default backups/omgkb-<UTC time>.tar.gz."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            metavar="PATH",
            help="Write the archive here (its folder is created if need be; an archive already "
            "there is replaced only once the new one is complete). "
            "Default: backups/omgkb-<UTC timestamp>.tar.gz.",
        )

    def handle(self, *args, output, verbosity, **options):
        try:
            result = create_backup(
                output or default_output(),
                progress=self.stdout.write if verbosity >= 1 else None,
            )
        except BackupError as error:
            raise CommandError(f"No backup was written. {error}") from error
        if verbosity >= 1:
            for warning in result.warnings:
                self.stdout.write(self.style.WARNING(f"Warning: {warning}"))
            manifest = result.manifest
            media = manifest["media"]
            media_text = (
                f"{media['files']} media files"
                if media["included"]
                else "no media (remote storage)"
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Backup written: {result.path} ({human_size(result.size)}): "
                    f"{describe_counts(manifest['counts'])}; {media_text}."
                )
            )
