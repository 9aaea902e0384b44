"""
Restore an archive made by `backup_site` into an empty database, and its media into MEDIA_ROOT.

`make restore FILE=...` runs it. The database must be empty (a new PostgreSQL database, or no
SQLite file yet) and of the archive's kind: restoring over a live site is what this refuses to do
by mistake, so there is no --force; empty the database first if that is really meant
(docs/deploy.md, "Backups"). The whole archive is read and checked before anything is written,
the database is restored in one transaction, and the restored counts are compared with the
archive's: a difference is an error.
"""

from django.core.management.base import BaseCommand, CommandError

from kbsite.operations.backups import BackupError, RestoreIncomplete, restore_backup

from .backup_site import COUNT_LABELS, describe_counts


class Command(BaseCommand):
    help = (
        "Restore a backup_site archive into the configured database, which must be empty, and "
        "its media files into MEDIA_ROOT; then check the counts against the archive's."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The .tar.gz archive that backup_site wrote.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Read and check the whole archive and the target database, and write nothing.",
        )

    def handle(self, *args, archive, dry_run, verbosity, **options):
        try:
            result = restore_backup(
                archive,
                dry_run=dry_run,
                progress=self.stdout.write if verbosity >= 1 else None,
            )
        except RestoreIncomplete as error:
            raise CommandError(f"Restore incomplete. {error}") from error
        except BackupError as error:
            raise CommandError(f"Nothing was restored. {error}") from error

        expected = result.manifest["counts"]
        if result.dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Dry run, nothing written: the archive is sound and would restore "
                    f"{describe_counts(expected)}; {result.media_restored} media files to add, "
                    f"{result.media_unchanged} already in place."
                )
            )
            return

        if verbosity >= 1:
            for migration in result.unknown_migrations[:5]:
                self.stdout.write(
                    self.style.WARNING(
                        f"Warning: the restored database has {migration}, which this code does "
                        "not know: the backup comes from newer code. Deploy that code."
                    )
                )
            if result.pending_migrations:
                self.stdout.write(
                    self.style.WARNING(
                        f"{len(result.pending_migrations)} migrations of this code are not applied "
                        "to the restored database yet: run `manage.py migrate`."
                    )
                )
            for key, label in COUNT_LABELS.items():
                if key in expected:
                    restored = result.counts.get(key)
                    mark = "" if restored == expected[key] else "  <- DIFFERS"
                    self.stdout.write(
                        f"  {label}: {expected[key]} in the archive, {restored} restored{mark}"
                    )
        if result.differences:
            differences = ", ".join(
                f"{COUNT_LABELS.get(key, key)} {archived} in the archive, {restored} restored"
                for key, (archived, restored) in result.differences.items()
            )
            raise CommandError(f"The restored database does not match the archive: {differences}.")
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Restored: {describe_counts(result.counts)}; {result.media_restored} media "
                    f"files written, {result.media_unchanged} already in place."
                )
            )
