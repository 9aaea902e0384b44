"""
Backups of the whole site in one archive: the database and the uploaded files (docs/deploy.md,
"Backups"). `manage.py backup_site` writes one, `manage.py restore_site` puts one back into an
empty database.

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

Consistency: the PostgreSQL dump, the counts and the migration state come from one snapshot
(a REPEATABLE READ transaction whose snapshot pg_dump imports), and the SQLite copy is one step
of the backup API, taken under a read lock, with the counts read from the copy itself, so a
write during the backup is in all of them or in none. Media are archived after the database:
a file uploaded meanwhile is at worst an extra file, never a row without its file.
"""

import filecmp
import gzip
import hashlib
import io
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import django
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import FileSystemStorage, storages
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

import wagtail
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Revision, TaskState, WorkflowState

FORMAT = "omgkb-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
VENDOR_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
MEDIA = "media"
# Work folders: a backup's next to its archive, a restore's media inside MEDIA_ROOT (the same
# file system, so moving the files into place is a rename). A backup leaves both out.
BACKUP_WORK_PREFIX = ".omgkb-backup-"
RESTORE_WORK_PREFIX = ".omgkb-restore-"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


class RestoreIncomplete(BackupError):
    """The database is restored, and something after it (the media files) failed."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    size: int
    warnings: list = field(default_factory=list)


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


def counted_tables():
    """What the manifest counts, as {label: table}: the content a restore must give back."""
    image_model = get_image_model()
    models = {
        "pages": Page,
        "revisions": Revision,
        "workflow_states": WorkflowState,
        "task_states": TaskState,
        "images": image_model,
        "renditions": image_model.get_rendition_model(),
        "documents": get_document_model(),
        "users": get_user_model(),
    }
    return {label: model._meta.db_table for label, model in models.items()}


def quote(name):
    return '"' + name.replace('"', '""') + '"'


def count_rows(cursor):
    """The manifest's counts, read through any DB-API cursor (Django's, or sqlite3's on a copy)."""
    counts = {}
    for label, table in counted_tables().items():
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        counts[label] = cursor.fetchone()[0]
    return counts


def latest_migrations(cursor):
    """The latest applied migration of each app, by name (they are numbered)."""
    cursor.execute("SELECT app, MAX(name) FROM django_migrations GROUP BY app ORDER BY app")
    return dict(cursor.fetchall())


def describe_database(connection):
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        host = settings_dict.get("HOST") or "the local socket"
        port = settings_dict.get("PORT") or 5432
        return f"PostgreSQL database {settings_dict.get('NAME')!r} on {host}:{port}"
    return (
        f"{VENDOR_NAMES.get(connection.vendor, connection.vendor)} database {settings_dict['NAME']}"
    )


def vendor_of(connection):
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(
            f"The database is {connection.vendor}; backups handle PostgreSQL and SQLite only."
        )
    return connection.vendor


def media_location(storage):
    """MEDIA_ROOT as the default storage sees it, or None when the files live elsewhere."""
    if isinstance(storage, FileSystemStorage):
        return Path(storage.location)
    return None


def storage_name(storage):
    cls = type(storage)
    name = f"{cls.__module__}.{cls.__qualname__}"
    bucket = getattr(storage, "bucket_name", None)
    return f"{name} (bucket {bucket})" if bucket else name


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# PostgreSQL's client tools -----------------------------------------------------------------------


def postgresql_tool(tool, connection, *arguments):
    """
    A pg_dump or pg_restore command line for the configured database, and its environment.

    The connection comes from DATABASES['default'] (NAME, USER, HOST, PORT, and OPTIONS such as
    sslmode or service, as `manage.py dbshell` reads them); the password travels in PGPASSWORD,
    never on the command line, where any user of the machine could read it.
    """
    from django.db.backends.postgresql.client import DatabaseClient

    settings_dict = connection.settings_dict
    _args, client_env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    command = [tool, "--no-password"]
    if settings_dict.get("USER"):
        command += ["--username", settings_dict["USER"]]
    if settings_dict.get("HOST"):
        command += ["--host", settings_dict["HOST"]]
    if settings_dict.get("PORT"):
        command += ["--port", str(settings_dict["PORT"])]
    command += list(arguments)
    env = {**os.environ, **(client_env or {})}
    # An unreachable server is an error in seconds, not a hang.
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    env.setdefault("PGAPPNAME", "omgkb-" + tool.replace("pg_", ""))
    if shutil.which(tool, path=env.get("PATH")) is None:
        raise BackupError(
            f"{tool} is not installed (or not on PATH). It comes with PostgreSQL's client tools: "
            f"apt-get install postgresql-client, of the server's major version or newer."
        )
    return command, env


def run_tool(command, env):
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        details = result.stderr.strip() or result.stdout.strip() or "no message"
        raise BackupError(f"{command[0]} failed (exit status {result.returncode}): {details}")
    return result


def tool_version(command, env):
    return run_tool([command[0], "--version"], env).stdout.strip()


def connect(connection):
    try:
        connection.ensure_connection()
    except DatabaseError as error:
        raise BackupError(
            f"Cannot connect to the {describe_database(connection)}: {error}".strip()
        ) from error


# Backing up --------------------------------------------------------------------------------------


def default_output(now=None):
    now = now or datetime.now(UTC)
    return Path(settings.BASE_DIR) / "backups" / f"omgkb-{now:%Y%m%dT%H%M%SZ}.tar.gz"


def create_backup(output, *, using=DEFAULT_DB_ALIAS, progress=None):
    """Write the archive at `output`, atomically: complete under its name, or not there at all."""
    say = progress or (lambda message: None)
    connection = connections[using]
    vendor = vendor_of(connection)
    storage = storages["default"]
    media_root = media_location(storage)
    output = Path(output).absolute()
    folder = output.parent
    if output.is_dir():
        raise BackupError(f"{output} is a folder; --output names the archive file to write.")
    if vendor == "postgresql":
        tool = postgresql_tool("pg_dump", connection)
    connect(connection)
    if "django_migrations" not in connection.introspection.table_names():
        raise BackupError(
            f"The {describe_database(connection)} holds no site yet (no django_migrations "
            "table): has `manage.py migrate` run against it?"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=BACKUP_WORK_PREFIX, dir=folder))
    except OSError as error:
        raise BackupError(f"Cannot write to the folder {folder}: {error.strerror}.") from error

    warnings = []
    try:
        database_file = work / DATABASE_FILES[vendor]
        say(f"Backing up the {describe_database(connection)}...")
        if vendor == "postgresql":
            database, counts, migrations = dump_postgresql(connection, database_file, tool)
        else:
            database, counts, migrations = copy_sqlite(connection, database_file)
        database.update(
            vendor=vendor,
            file=database_file.name,
            bytes=database_file.stat().st_size,
            sha256=sha256_of(database_file),
        )

        if media_root is None:
            media_files = []
            media = {
                "included": False,
                "storage": storage_name(storage),
                "note": "Media live in this storage and are backed up with its own tools "
                "(bucket versioning, replication); this archive holds none.",
            }
            warnings.append(
                f"Media are not in this archive: they live in {storage_name(storage)}. "
                "Back them up with that storage's own tools (bucket versioning)."
            )
        else:
            media_files = list_media(media_root, skip={work, output}, warnings=warnings)
            media = {
                "included": True,
                "storage": storage_name(storage),
                "files": len(media_files),
                "bytes": sum(size for _name, size in media_files),
            }
            say(f"Media: {len(media_files)} files from {media_root}.")

        manifest = {
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
        partial = work / (output.name + ".partial")
        write_archive(partial, manifest, database_file, media_root, media_files)
        os.replace(partial, output)
        sync_folder(folder)
    except OSError as error:
        raise BackupError(f"Could not write the archive in {folder}: {error}") from error
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BackupResult(output, manifest, output.stat().st_size, warnings)


def dump_postgresql(connection, destination, tool):
    """pg_dump, the counts and the migration state, all from one snapshot of the database."""
    command, env = tool
    if connection.in_atomic_block:
        raise BackupError("backup_site must run outside a transaction.")
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # The first statement of the transaction: every read below sees the same snapshot, and
        # pg_dump imports it, so the dump holds exactly what was counted.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot, server_version = cursor.fetchone()
        counts = count_rows(cursor)
        migrations = latest_migrations(cursor)
        name = connection.settings_dict.get("NAME")
        run_tool(
            command
            + [
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={destination}",
            ]
            + ([f"--dbname={name}"] if name else []),
            env,
        )
    database = {"server_version": server_version, "tool": tool_version(command, env)}
    return database, counts, migrations


def copy_sqlite(connection, destination):
    """A consistent copy through the live connection (safe while the site runs; a file copy is
    not: it can catch a write half done)."""
    source = connection.connection
    target = sqlite3.connect(destination)
    try:
        # One step (pages=-1): the whole database is copied under one read lock.
        source.backup(target)
        # One self-contained file, whatever journal the live database uses.
        target.execute("PRAGMA journal_mode=DELETE")
        cursor = target.cursor()
        check = cursor.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"SQLite's check of the copy failed: {check}")
        counts = count_rows(cursor)
        migrations = latest_migrations(cursor)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not copy the database: {error}") from error
    finally:
        target.close()
    database = {"server_version": sqlite3.sqlite_version, "tool": "sqlite3 backup API"}
    return database, counts, migrations


def list_media(root, *, skip, warnings):
    """Every regular file under MEDIA_ROOT, as sorted (relative POSIX path, size) pairs."""
    if not root.is_dir():
        return []
    skip = {Path(path).absolute() for path in skip}
    found = []
    for folder, dirnames, filenames in os.walk(root):
        folder = Path(folder)
        dirnames[:] = sorted(
            name
            for name in dirnames
            if folder / name not in skip and not name.startswith(RESTORE_WORK_PREFIX)
        )
        for name in filenames:
            path = folder / name
            if path in skip:
                continue
            if path.is_symlink() or not path.is_file():
                warnings.append(f"Left out {path}: not a regular file.")
                continue
            found.append((path.relative_to(root).as_posix(), path.stat().st_size))
    return sorted(found)


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


# Restoring ---------------------------------------------------------------------------------------


# What a cut or altered archive raises while it is read (other OSErrors are the machine's: a
# full disk, a permission).
DAMAGED = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, ValueError)


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


def database_tables(connection):
    """The tables in the configured database; [] for a SQLite file that does not exist yet."""
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        on_disk = not name.startswith("file:") and name != ":memory:"
        if on_disk and not Path(name).exists():
            if not Path(name).absolute().parent.is_dir():
                raise BackupError(
                    f"Cannot create the SQLite database {name}: its folder does not exist."
                )
            return []
    connect(connection)
    try:
        return connection.introspection.table_names()
    except DatabaseError as error:
        raise BackupError(f"Cannot read the {describe_database(connection)}: {error}") from error


def restore_backup(archive, *, using=DEFAULT_DB_ALIAS, dry_run=False, progress=None):
    """
    Restore `archive` into the configured database, which must be empty, and MEDIA_ROOT.

    Nothing is changed until the whole archive has been read and checked: the database and the
    media are first extracted to work folders, the database is then restored in one transaction
    (pg_restore --single-transaction, or one step of SQLite's backup API), and only then are the
    media files moved into place.
    """
    say = progress or (lambda message: None)
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"There is no archive at {archive}.")
    connection = connections[using]
    vendor = vendor_of(connection)
    manifest = read_manifest(archive)
    archived_vendor = manifest["database"]["vendor"]
    if archived_vendor != vendor:
        raise BackupError(
            f"{archive} is a {VENDOR_NAMES[archived_vendor]} backup, and the configured database "
            f"is {VENDOR_NAMES[vendor]} ({describe_database(connection)}). Restore it into "
            f"{VENDOR_NAMES[archived_vendor]} (DATABASE_URL selects the database)."
        )
    say(
        f"Archive: {VENDOR_NAMES[vendor]} backup made {manifest.get('created_at')} "
        f"(Wagtail {manifest.get('versions', {}).get('wagtail')}, "
        f"Django {manifest.get('versions', {}).get('django')})."
    )
    if vendor == "postgresql":
        tool = postgresql_tool("pg_restore", connection)

    tables = database_tables(connection)
    if tables:
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise BackupError(
            f"The {describe_database(connection)} is not empty: it has {len(tables)} tables "
            f"({shown}). restore_site restores only into an empty database, so that nothing is "
            "overwritten by mistake: create a new database (or delete the SQLite file), or empty "
            "this one first (docs/deploy.md, Backups)."
        )

    media = manifest["media"]
    storage = storages["default"]
    media_root = media_location(storage)
    media_expected = media.get("files", 0) if media.get("included") else 0
    if media_expected and media_root is None:
        raise BackupError(
            f"The archive holds {media_expected} media files, and the default storage here is "
            f"{storage_name(storage)}, not the file system. Restore with files in MEDIA_ROOT "
            "(without AWS_STORAGE_BUCKET_NAME), then copy MEDIA_ROOT into the bucket."
        )

    work = Path(tempfile.mkdtemp(prefix=RESTORE_WORK_PREFIX))
    media_work = created_media_root = None
    database_restored = False
    try:
        if media_expected:
            if not media_root.exists():
                media_root.mkdir(parents=True)
                created_media_root = media_root
            media_work = Path(tempfile.mkdtemp(prefix=RESTORE_WORK_PREFIX, dir=media_root))
        say("Reading and checking the whole archive...")
        database_file, staged = extract(archive, manifest, work, media_work)
        conflicts = [
            name for name in staged if conflicting(media_root, name, media_work / MEDIA / name)
        ]
        if conflicts:
            shown = ", ".join(conflicts[:5]) + (", ..." if len(conflicts) > 5 else "")
            raise BackupError(
                f"MEDIA_ROOT ({media_root}) already holds other files where the archive puts "
                f"{len(conflicts)} of its own ({shown}). Move them away or restore into an "
                "empty MEDIA_ROOT."
            )
        unchanged = [name for name in staged if (media_root / name).is_file()]
        if dry_run:
            return RestoreResult(
                manifest,
                counts={},
                differences={},
                media_restored=len(staged) - len(unchanged),
                media_unchanged=len(unchanged),
                pending_migrations=[],
                unknown_migrations=[],
                dry_run=True,
            )

        say(f"Restoring into the {describe_database(connection)}...")
        if vendor == "postgresql":
            restore_postgresql(connection, database_file, tool)
        else:
            restore_sqlite(connection, database_file)
        database_restored = True
        created_media_root = None  # from here on the media folder belongs to the restored site

        for name in staged:
            target = media_root / name
            if name in unchanged:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(media_work / MEDIA / name, target)
        if staged:
            say(f"Media: {len(staged) - len(unchanged)} files into {media_root}.")
    except OSError as error:
        if database_restored:
            raise RestoreIncomplete(
                f"The database is restored, but the media files could not all be moved into "
                f"{media_root}: {error}. Fix that, empty the database and restore again."
            ) from error
        raise BackupError(f"Restore failed: {error}") from error
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if media_work is not None:
            shutil.rmtree(media_work, ignore_errors=True)
        if created_media_root is not None:
            shutil.rmtree(created_media_root, ignore_errors=True)

    with connection.cursor() as cursor:
        counts = count_rows(cursor)
        if vendor == "postgresql":
            # pg_restore leaves the planner without statistics until autovacuum comes by.
            cursor.execute("ANALYZE")
    differences = {
        label: (expected, counts.get(label))
        for label, expected in manifest["counts"].items()
        if counts.get(label) != expected
    }
    pending, unknown = migration_state(connection)
    forget_cached_pages()
    return RestoreResult(
        manifest,
        counts=counts,
        differences=differences,
        media_restored=len(staged) - len(unchanged),
        media_unchanged=len(unchanged),
        pending_migrations=pending,
        unknown_migrations=unknown,
    )


def extract(archive, manifest, work, media_work):
    """
    Read every member: the database into `work`, the media under `media_work` (tarfile's "data"
    filter: no absolute paths, no `..`, no links out, no devices). Checks the database file's
    hash, the number of media files and gzip's own checksum at the very end of the stream.
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
    expected = manifest["media"].get("files", 0) if manifest["media"].get("included") else 0
    if len(staged) != expected:
        raise BackupError(
            f"{archive} is truncated or damaged: it holds {len(staged)} media files, and its "
            f"manifest lists {expected}."
        )
    return database_file, staged


def conflicting(media_root, name, staged):
    """Whether MEDIA_ROOT already holds something else where the archive puts `name`: an
    identical file is left as it is, anything else would be overwritten and stops the restore."""
    target = media_root / name
    for parent in PurePosixPath(name).parents:
        folder = media_root / parent
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            return True
    if not target.exists() and not target.is_symlink():
        return False
    if target.is_symlink() or not target.is_file():
        return True
    return not filecmp.cmp(target, staged, shallow=False)


def restore_postgresql(connection, dump, tool):
    command, env = tool
    name = connection.settings_dict.get("NAME")
    run_tool(
        command
        + ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
        + ([f"--dbname={name}"] if name else [])
        + [str(dump)],
        env,
    )


def restore_sqlite(connection, copy):
    connection.close()
    connect(connection)
    source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        # One step: the whole database is written in one transaction, or not at all.
        source.backup(connection.connection)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not restore the copy: {error}") from error
    finally:
        source.close()
    # A fresh connection sees the restored schema.
    connection.close()


def migration_state(connection):
    """Migrations the code has and the restored database lacks, and the other way round."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    loader = executor.loader
    pending = [
        f"{migration.app_label}.{migration.name}"
        for migration, _backwards in executor.migration_plan(loader.graph.leaf_nodes())
    ]
    # Squashed migrations stand for the ones they replace, which the database may list.
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces)
    unknown = sorted(
        f"{app}.{name}" for app, name in loader.applied_migrations if (app, name) not in known
    )
    return pending, unknown


def forget_cached_pages():
    """Readers must get the restored site, not pages some cache kept from before."""
    from pages.caching import purging
    from pages.caching.http_cache import forget_pages
    from pages.reading import navigation

    forget_pages()
    navigation.forget_navigation()
    purging.ban(purging.EVERYTHING)
