"""
Backups of the whole site in one archive: the database and the uploaded files (docs/deploy.md,
"Backups"). `manage.py backup_site` writes one and `manage.py restore_site` puts one back into an
empty database; both are thin commands over what this package exports.

    backing_up.py       create_backup, phase by phase (the Backup class)
    restoring.py        restore_backup, phase by phase (the Restore class)
    archive_format.py   what the archive holds, and how it is written, read back and checked
    databases.py        PostgreSQL and SQLite: snapshot, restore, counts and migration state
    media.py            MEDIA_ROOT, or a remote storage that backups leave alone
    errors.py           what a backup or a restore raises when it cannot go on
"""

from kbsite.operations.backups.backing_up import BackupResult, create_backup, default_output
from kbsite.operations.backups.errors import BackupError, RestoreIncomplete
from kbsite.operations.backups.restoring import RestoreResult, restore_backup

__all__ = [
    "BackupError",
    "BackupResult",
    "RestoreIncomplete",
    "RestoreResult",
    "create_backup",
    "default_output",
    "restore_backup",
]
