"""
The archive's format, in one place for both sides: what a backup archive holds, in what order,
how backing_up writes it and how restoring reads it back and checks it.

The archive is a .tar.gz holding, in this order:

    manifest.json       what the archive holds, written first so a restore reads it at once:
                        format version, database vendor, when, Django / Wagtail / Python
                        versions, the latest migration of each app, and counts of pages,
                        revisions, workflow and task states, images, renditions, documents and
                        users that the restore checks the restored database against
    database.dump       PostgreSQL: pg_dump --format=custom --no-owner --no-privileges
    database.sqlite3    SQLite: a copy made with SQLite's online backup API
    media/...           every file under MEDIA_ROOT (original images, renditions, documents)
                        when the default storage is the file system; nothing when it is S3 or
                        another remote storage, which the manifest says
"""

import gzip
import hashlib
import io
import json
import os
import platform
import tarfile
import zlib
from datetime import UTC, datetime
from pathlib import PurePosixPath

import django

import wagtail

from kbsite.operations.backups.errors import BackupError

FORMAT = "omgkb-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
MEDIA = "media"
CHUNK = 1024 * 1024

# What a cut or altered archive raises while it is read (other OSErrors are the machine's: a
# full disk, a permission).
DAMAGED = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, ValueError)


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def build_manifest(*, database, migrations, counts, media):
    """The manifest of an archive made now, from what the backup's phases found."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": {
            "django": django.get_version(),
            "wagtail": wagtail.__version__,
            "python": platform.python_version(),
        },
        "database": database,
        "migrations": migrations,
        "counts": counts,
        "media": media,
    }


def archived_media_count(manifest):
    """How many media files the archive holds by its manifest (none when they stayed in S3)."""
    media = manifest["media"]
    return media.get("files", 0) if media.get("included") else 0


def write_archive(path, manifest, database_file, media_root, media_files):
    def anonymous(info):
        # Owners mean nothing on the machine a backup is restored on.
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n"
    # The archive holds password hashes and email addresses: readable by its owner only.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(descriptor, "wb") as raw:
        with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(manifest_bytes)
            info.mtime = int(datetime.now(UTC).timestamp())
            info.mode = 0o600
            tar.addfile(info, io.BytesIO(manifest_bytes))
            tar.add(database_file, arcname=database_file.name, filter=anonymous)
            for name, _size in media_files:
                try:
                    tar.add(media_root / name, arcname=f"{MEDIA}/{name}", filter=anonymous)
                except FileNotFoundError:
                    raise BackupError(
                        f"{media_root / name} disappeared while the backup ran (deleted in the "
                        "admin meanwhile?). Run the backup again."
                    ) from None
        raw.flush()
        os.fsync(raw.fileno())


def read_manifest(archive):
    """The manifest, read from the archive's first member; the archive is not read further."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise BackupError(
                    f"{archive} is not an OMG KB backup: it does not begin with {MANIFEST}."
                )
            manifest = json.load(tar.extractfile(first))
    except DAMAGED as error:
        raise BackupError(
            f"{archive} is not a readable backup archive (truncated or damaged?): {error}"
        ) from error
    except OSError as error:
        raise BackupError(f"Cannot read {archive}: {error.strerror or error}.") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not an OMG KB backup: its {MANIFEST} is not ours.")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(
            f"{archive} is in backup format {version!r}; this code reads format "
            f"{FORMAT_VERSION} and older. Restore it with the code that made it."
        )
    database = manifest.get("database")
    if (
        not isinstance(database, dict)
        or database.get("vendor") not in DATABASE_FILES
        or database.get("file") != DATABASE_FILES[database["vendor"]]
        or not isinstance(manifest.get("counts"), dict)
        or not isinstance(manifest.get("media"), dict)
    ):
        raise BackupError(f"{archive} has a malformed {MANIFEST}.")
    return manifest


def extract(archive, manifest, work, media_work):
    """
    Read every member: the database into `work`, the media under `media_work` (tarfile's "data"
    filter: no absolute paths, no `..`, no links out, no devices). Checks the database file's
    hash, the number of media files and gzip's own checksum at the very end of the stream.
    Returns the database file and the media files' names, relative to `media_work`/media.
    """
    database_name = manifest["database"]["file"]
    database_file = None
    staged = []
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for number, member in enumerate(tar):
                if number == 0:
                    continue  # the manifest, read already
                if member.name == database_name and member.isfile() and database_file is None:
                    database_file = work / database_name
                    digest = hashlib.sha256()
                    with tar.extractfile(member) as source, open(database_file, "wb") as copy:
                        while chunk := source.read(CHUNK):
                            digest.update(chunk)
                            copy.write(chunk)
                    if digest.hexdigest() != manifest["database"].get("sha256"):
                        raise BackupError(
                            f"{archive} is damaged: its database does not match its checksum."
                        )
                elif member.name.startswith(MEDIA + "/") and media_work is not None:
                    if not (member.isfile() or member.isdir()):
                        raise BackupError(
                            f"{archive} holds {member.name!r}, which is not a plain file."
                        )
                    tar.extract(member, media_work, filter="data")
                    if member.isfile():
                        staged.append(PurePosixPath(member.name).relative_to(MEDIA).as_posix())
                else:
                    raise BackupError(f"{archive} holds an unexpected member, {member.name!r}.")
            # tarfile stops at the end-of-archive blocks; reading on to the end of the gzip
            # stream makes gzip check its CRC and length, so a cut or altered tail shows.
            while tar.fileobj.read(CHUNK):
                pass
    except DAMAGED as error:
        raise BackupError(f"{archive} is truncated or damaged ({error}).") from error
    if database_file is None:
        raise BackupError(f"{archive} is truncated or damaged: it holds no {database_name}.")
    expected = archived_media_count(manifest)
    if len(staged) != expected:
        raise BackupError(
            f"{archive} is truncated or damaged: it holds {len(staged)} media files, and its "
            f"manifest lists {expected}."
        )
    return database_file, staged
