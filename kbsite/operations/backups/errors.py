"""
What a backup or a restore raises when it cannot go on. The commands turn these into their
CommandError: "No backup was written", "Nothing was restored", or "Restore incomplete" when the
database is restored and something after it failed, which an operator must fix by hand.
"""


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


class RestoreIncomplete(BackupError):
    """The database is restored, and something after it (the media files) failed."""
