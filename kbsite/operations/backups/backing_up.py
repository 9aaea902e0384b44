"""
Backing up, phase by phase: create_backup reads as the steps `backup_site` takes, each a method
of Backup that says why it is a step of its own.

Consistency: the PostgreSQL dump, the counts and the migration state come from one snapshot
(a REPEATABLE READ transaction whose snapshot pg_dump imports), and the SQLite copy is one step
of the backup API, taken under a read lock, with the counts read from the copy itself, so a
write during the backup is in all of them or in none. Media are archived after the database:
a file uploaded meanwhile is at worst an extra file, never a row without its file.
"""

import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.files.storage import storages
from django.db import DEFAULT_DB_ALIAS, connections

from kbsite.operations.backups import archive_format
from kbsite.operations.backups.databases import site_database
from kbsite.operations.backups.errors import BackupError
from kbsite.operations.backups.media import files_to_archive, media_location, storage_name

# The backup's work folder, next to its archive (and left out of the media when that is inside
# MEDIA_ROOT).
BACKUP_WORK_PREFIX = ".omgkb-backup-"


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    size: int
    warnings: list = field(default_factory=list)


def default_output(now=None):
    now = now or datetime.now(UTC)
    return Path(settings.BASE_DIR) / "backups" / f"omgkb-{now:%Y%m%dT%H%M%SZ}.tar.gz"


def create_backup(output, *, using=DEFAULT_DB_ALIAS, progress=None):
    """Write the archive at `output`, atomically: complete under its name, or not there at all."""
    backup = Backup(output, connections[using], progress)
    backup.check_output()
    backup.check_database()
    with backup.work_folder():
        backup.snapshot_database()
        backup.list_media()
        backup.write_archive()
        backup.move_into_place()
    return backup.result()


class Backup:
    """One backup under way: where it goes, what it has found so far, and a method per phase."""

    def __init__(self, output, connection, progress):
        self.database = site_database(connection)
        self.storage = storages["default"]
        self.media_root = media_location(self.storage)
        self.output = Path(output).absolute()
        self.folder = self.output.parent
        self.say = progress or (lambda message: None)
        self.warnings = []

    def check_output(self):
        """A folder given as --output would fail only at the final rename, after the whole
        dump: stop before the database is touched, and say what --output names."""
        if self.output.is_dir():
            raise BackupError(
                f"{self.output} is a folder; --output names the archive file to write."
            )

    def check_database(self):
        """The client tools are there (pg_dump on PostgreSQL), the server answers and it holds a
        migrated site, all found out before a file is written: a backup that cannot be taken
        leaves nothing behind."""
        self.database.find_backup_tools()
        if "django_migrations" not in self.database.tables():
            raise BackupError(
                f"The {self.database.description} holds no site yet (no django_migrations "
                "table): has `manage.py migrate` run against it?"
            )

    @contextmanager
    def work_folder(self):
        """A folder beside the archive for the database file and the archive while it is
        written: on the same file system, so the finished archive moves into place with a
        rename, and removed whatever happens."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.work = Path(tempfile.mkdtemp(prefix=BACKUP_WORK_PREFIX, dir=self.folder))
        except OSError as error:
            raise BackupError(
                f"Cannot write to the folder {self.folder}: {error.strerror}."
            ) from error
        try:
            yield
        except OSError as error:
            raise BackupError(f"Could not write the archive in {self.folder}: {error}") from error
        finally:
            shutil.rmtree(self.work, ignore_errors=True)

    def snapshot_database(self):
        """Before the media, so that a file uploaded meanwhile is at worst an extra file in the
        archive, never a row without its file."""
        self.database_file = self.work / archive_format.DATABASE_FILES[self.database.vendor]
        self.say(f"Backing up the {self.database.description}...")
        self.snapshot = self.database.snapshot(self.database_file)
        self.database_entry = {
            **self.snapshot.details,
            "vendor": self.database.vendor,
            "file": self.database_file.name,
            "bytes": self.database_file.stat().st_size,
            "sha256": archive_format.sha256_of(self.database_file),
        }

    def list_media(self):
        """Which files the archive takes from MEDIA_ROOT, or why it takes none: media in S3 or
        another remote storage are that storage's to keep, and the operator is told so."""
        name = storage_name(self.storage)
        if self.media_root is None:
            self.media_files = []
            self.media_entry = {
                "included": False,
                "storage": name,
                "note": "Media live in this storage and are backed up with its own tools "
                "(bucket versioning, replication); this archive holds none.",
            }
            self.warnings.append(
                f"Media are not in this archive: they live in {name}. "
                "Back them up with that storage's own tools (bucket versioning)."
            )
            return
        self.media_files = files_to_archive(
            self.media_root, skip={self.work, self.output}, warnings=self.warnings
        )
        self.media_entry = {
            "included": True,
            "storage": name,
            "files": len(self.media_files),
            "bytes": sum(size for _name, size in self.media_files),
        }
        self.say(f"Media: {len(self.media_files)} files from {self.media_root}.")

    def write_archive(self):
        """The manifest and every member, into a file of the work folder: whoever looks at
        --output never finds half an archive there."""
        self.manifest = archive_format.build_manifest(
            database=self.database_entry,
            migrations=self.snapshot.migrations,
            counts=self.snapshot.counts,
            media=self.media_entry,
        )
        self.partial = self.work / (self.output.name + ".partial")
        archive_format.write_archive(
            self.partial, self.manifest, self.database_file, self.media_root, self.media_files
        )

    def move_into_place(self):
        """One rename, made durable: an archive already at --output is replaced only by a
        complete one."""
        os.replace(self.partial, self.output)
        sync_folder(self.folder)

    def result(self):
        return BackupResult(self.output, self.manifest, self.output.stat().st_size, self.warnings)


def sync_folder(folder):
    """Make the rename itself durable, as far as the file system allows."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
