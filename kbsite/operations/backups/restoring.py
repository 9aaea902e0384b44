"""
Restoring, phase by phase: restore_backup reads as the steps `restore_site` takes, each a method
of Restore that says why it is a step of its own.

Every check comes before the first write: the manifest, the target database (empty, and of the
archive's kind), MEDIA_ROOT, and the whole archive read into work folders. Only then is the
database restored, in one transaction, and the media moved into place; the restored counts are
compared with the manifest's, and the caches forget the site that was there before.
"""

import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.storage import storages
from django.db import DEFAULT_DB_ALIAS, connections

from kbsite.operations.backups import archive_format
from kbsite.operations.backups.databases import VENDOR_NAMES, site_database
from kbsite.operations.backups.errors import BackupError, RestoreIncomplete
from kbsite.operations.backups.media import (
    RESTORE_WORK_PREFIX,
    conflicting,
    media_location,
    storage_name,
)
from pages.caching import purging
from pages.caching.http_cache import forget_pages
from pages.reading import navigation
from pages.search.indexer import index_changed


@dataclass
class RestoreResult:
    manifest: dict
    counts: dict
    differences: dict
    media_restored: int
    media_unchanged: int
    pending_migrations: list
    unknown_migrations: list
    dry_run: bool = False
    warnings: list = field(default_factory=list)


def restore_backup(archive, *, using=DEFAULT_DB_ALIAS, dry_run=False, progress=None):
    """
    Restore `archive` into the configured database, which must be empty, and MEDIA_ROOT.

    Nothing is changed until the whole archive has been read and checked: the database and the
    media are first extracted to work folders, the database is then restored in one transaction
    (pg_restore --single-transaction, or one step of SQLite's backup API), and only then are the
    media files moved into place.
    """
    restore = Restore(archive, connections[using], progress)
    restore.read_manifest()
    restore.check_target_database()
    restore.check_media_root()
    with restore.work_folders():
        restore.extract_archive()
        restore.check_media_conflicts()
        if dry_run:
            return restore.result(dry_run=True)
        restore.restore_database()
        restore.move_media_into_place()
    restore.compare_counts()
    restore.update_statistics()
    restore.check_migrations()
    restore.forget_cached_pages()
    return restore.result()


class Restore:
    """One restore under way: the archive, what has been found and done so far, and a method
    per phase."""

    def __init__(self, archive, connection, progress):
        self.archive = Path(archive)
        self.database = site_database(connection)
        self.storage = storages["default"]
        self.media_root = media_location(self.storage)
        self.say = progress or (lambda message: None)
        self.media_work = None
        self.created_media_root = None
        self.database_restored = False
        self.staged = []
        self.unchanged = []
        # What a dry run reports: it restores nothing, so it counts nothing.
        self.counts = {}
        self.differences = {}
        self.pending_migrations = []
        self.unknown_migrations = []

    def read_manifest(self):
        """What the archive says it holds, from its first member alone: a foreign file, a newer
        format or the other kind of database is refused before the archive is read through."""
        if not self.archive.is_file():
            raise BackupError(f"There is no archive at {self.archive}.")
        self.manifest = archive_format.read_manifest(self.archive)
        archived = self.manifest["database"]["vendor"]
        if archived != self.database.vendor:
            raise BackupError(
                f"{self.archive} is a {VENDOR_NAMES[archived]} backup, and the configured "
                f"database is {self.database.kind} ({self.database.description}). Restore it "
                f"into {VENDOR_NAMES[archived]} (DATABASE_URL selects the database)."
            )
        self.say(
            f"Archive: {self.database.kind} backup made {self.manifest.get('created_at')} "
            f"(Wagtail {self.manifest.get('versions', {}).get('wagtail')}, "
            f"Django {self.manifest.get('versions', {}).get('django')})."
        )

    def check_target_database(self):
        """Empty, so that nothing is overwritten by mistake: putting a backup over a live site
        is a decision to take by hand, which is why there is no --force. A missing pg_restore
        is said first: without it nothing could be restored, whatever the database holds."""
        self.database.find_restore_tools()
        tables = self.database.tables_to_restore_over()
        if tables:
            raise BackupError(
                f"The {self.database.description} is not empty: it has {len(tables)} tables "
                f"({shown(sorted(tables))}). restore_site restores only into an empty database, "
                "so that nothing is overwritten by mistake: create a new database (or delete the "
                "SQLite file), or empty this one first (docs/deploy.md, Backups)."
            )

    def check_media_root(self):
        """The archive's media files need MEDIA_ROOT on the file system to go to; with S3 as
        the default storage they are restored to MEDIA_ROOT first and copied into the bucket
        by hand."""
        self.media_expected = archive_format.archived_media_count(self.manifest)
        if self.media_expected and self.media_root is None:
            raise BackupError(
                f"The archive holds {self.media_expected} media files, and the default storage "
                f"here is {storage_name(self.storage)}, not the file system. Restore with files "
                "in MEDIA_ROOT (without AWS_STORAGE_BUCKET_NAME), then copy MEDIA_ROOT into the "
                "bucket."
            )

    @contextmanager
    def work_folders(self):
        """
        A work folder for the database file, and one inside MEDIA_ROOT for the media: on the
        same file system as their destination, so moving them into place is a rename.

        Whatever goes wrong, both are removed, and so is a MEDIA_ROOT this restore created,
        until the database is restored: from then on that folder belongs to the restored site,
        and a failure is a RestoreIncomplete, which the operator must finish by hand.
        """
        self.work = None
        try:
            self.work = Path(tempfile.mkdtemp(prefix=RESTORE_WORK_PREFIX))
            if self.media_expected:
                if not self.media_root.exists():
                    self.media_root.mkdir(parents=True)
                    self.created_media_root = self.media_root
                self.media_work = Path(
                    tempfile.mkdtemp(prefix=RESTORE_WORK_PREFIX, dir=self.media_root)
                )
            yield
        except OSError as error:
            if self.database_restored:
                raise RestoreIncomplete(
                    f"The database is restored, but the media files could not all be moved into "
                    f"{self.media_root}: {error}. Fix that, empty the database and restore again."
                ) from error
            raise BackupError(f"Restore failed: {error}") from error
        finally:
            if self.work is not None:
                shutil.rmtree(self.work, ignore_errors=True)
            if self.media_work is not None:
                shutil.rmtree(self.media_work, ignore_errors=True)
            if self.created_media_root is not None and not self.database_restored:
                shutil.rmtree(self.created_media_root, ignore_errors=True)

    def extract_archive(self):
        """Every member read and checked before anything is written: a cut or altered archive
        may show only at its very end, in gzip's checksum, and a restore that wrote as it read
        would stop half done."""
        self.say("Reading and checking the whole archive...")
        self.database_file, self.staged = archive_format.extract(
            self.archive, self.manifest, self.work, self.media_work
        )

    def check_media_conflicts(self):
        """MEDIA_ROOT may already hold some of the archive's files (a restore run again): the
        same file is left alone, and a different one stops the restore before the database is
        touched, as it would be overwritten."""
        conflicts = [
            name
            for name in self.staged
            if conflicting(self.media_root, name, self.staged_path(name))
        ]
        if conflicts:
            raise BackupError(
                f"MEDIA_ROOT ({self.media_root}) already holds other files where the archive "
                f"puts {len(conflicts)} of its own ({shown(conflicts)}). Move them away or "
                "restore into an empty MEDIA_ROOT."
            )
        self.unchanged = [name for name in self.staged if (self.media_root / name).is_file()]

    def restore_database(self):
        """In one transaction: a failure leaves the database as empty as it was, and the
        restore can simply be run again."""
        self.say(f"Restoring into the {self.database.description}...")
        self.database.restore(self.database_file)
        self.database_restored = True

    def move_media_into_place(self):
        """After the database, never before: files without their rows would be left behind by
        a database that failed to restore."""
        for name in self.staged:
            if name in self.unchanged:
                continue
            target = self.media_root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.staged_path(name), target)
        if self.staged:
            self.say(f"Media: {self.media_restored} files into {self.media_root}.")

    def compare_counts(self):
        """The restored database counted as the manifest was: the evidence that what was backed
        up came back (the command fails on any difference)."""
        self.counts = self.database.counts()
        self.differences = {
            label: (expected, self.counts.get(label))
            for label, expected in self.manifest["counts"].items()
            if self.counts.get(label) != expected
        }

    def update_statistics(self):
        """So that readers' first queries on the restored database are planned well."""
        self.database.update_statistics()

    def check_migrations(self):
        """The backup may come from older or newer code than this: the command says whether to
        run `migrate` or to deploy the code that made the backup."""
        self.pending_migrations, self.unknown_migrations = self.database.migration_state()

    def forget_cached_pages(self):
        """Readers must get the restored site, not pages some cache kept from before."""
        forget_pages()
        navigation.forget_navigation()
        # The search index came back with the database; rankings cached from before did not.
        index_changed()
        purging.ban(purging.EVERYTHING)

    @property
    def media_restored(self):
        return len(self.staged) - len(self.unchanged)

    def staged_path(self, name):
        return self.media_work / archive_format.MEDIA / name

    def result(self, *, dry_run=False):
        return RestoreResult(
            self.manifest,
            counts=self.counts,
            differences=self.differences,
            media_restored=self.media_restored,
            media_unchanged=len(self.unchanged),
            pending_migrations=self.pending_migrations,
            unknown_migrations=self.unknown_migrations,
            dry_run=dry_run,
        )


def shown(names):
    """The first few names, for a message that must stay readable."""
    return ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
