"""
The two databases backups know, PostgreSQL and SQLite, behind one face (SiteDatabase), so that
the phases of a backup and a restore read the same on both. A backup asks the database for a
consistent snapshot with the counts and migration state that go with it; a restore asks whether
it is empty, hands it the snapshot back and counts what came back.

PostgreSQL does this with its client tools, pg_dump and pg_restore, run against the configured
database; SQLite with its online backup API, through Django's own connection.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction

from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Revision, TaskState, WorkflowState

from kbsite.operations.backups.errors import BackupError

VENDOR_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


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


class Snapshot(NamedTuple):
    """A database file written for the archive, and what was read from the same snapshot."""

    details: dict  # the manifest's database entry: server version, the tool that wrote it
    counts: dict
    migrations: dict


def site_database(connection):
    """The configured database as backups drive it; only PostgreSQL and SQLite are backed up."""
    for database_class in (PostgreSQLDatabase, SQLiteDatabase):
        if connection.vendor == database_class.vendor:
            return database_class(connection)
    raise BackupError(
        f"The database is {connection.vendor}; backups handle PostgreSQL and SQLite only."
    )


class SiteDatabase:
    """
    What a backup and a restore ask of the database, whichever it is. The methods below that do
    nothing or raise NotImplementedError here are where PostgreSQL and SQLite differ.
    """

    vendor = ""  # Django's name for it, and the manifest's

    def __init__(self, connection):
        self.connection = connection

    @property
    def kind(self):
        return VENDOR_NAMES[self.vendor]

    @property
    def description(self):
        return f"{self.kind} database {self.connection.settings_dict['NAME']}"

    def connect(self):
        try:
            self.connection.ensure_connection()
        except DatabaseError as error:
            raise BackupError(
                f"Cannot connect to the {self.description}: {error}".strip()
            ) from error

    def tables(self):
        self.connect()
        try:
            return self.connection.introspection.table_names()
        except DatabaseError as error:
            raise BackupError(f"Cannot read the {self.description}: {error}") from error

    def tables_to_restore_over(self):
        """The tables a restore would find here (any at all and it is refused)."""
        return self.tables()

    def counts(self):
        with self.connection.cursor() as cursor:
            return count_rows(cursor)

    def migration_state(self):
        """Migrations the code has and the database lacks, and the other way round."""
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(self.connection)
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

    def find_backup_tools(self):
        """Fail before anything is written when the snapshot could not be taken."""

    def snapshot(self, destination):
        """Write the whole database to `destination`, consistent while the site runs."""
        raise NotImplementedError

    def find_restore_tools(self):
        """Fail before anything is written when the snapshot could not be restored."""

    def restore(self, snapshot_file):
        """Put the snapshot into this empty database in one transaction: all of it or none."""
        raise NotImplementedError

    def update_statistics(self):
        """After a restore, so that the first readers' queries are planned well."""


class PostgreSQLDatabase(SiteDatabase):
    vendor = "postgresql"

    @property
    def description(self):
        settings_dict = self.connection.settings_dict
        host = settings_dict.get("HOST") or "the local socket"
        port = settings_dict.get("PORT") or 5432
        return f"PostgreSQL database {settings_dict.get('NAME')!r} on {host}:{port}"

    def find_backup_tools(self):
        self.pg_dump = client_tool("pg_dump", self.connection)

    def snapshot(self, destination):
        """pg_dump, the counts and the migration state, all from one snapshot of the database."""
        command, env = self.pg_dump
        connection = self.connection
        if connection.in_atomic_block:
            raise BackupError("backup_site must run outside a transaction.")
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            # The first statement of the transaction: every read below sees the same snapshot,
            # and pg_dump imports it, so the dump holds exactly what was counted.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            exported, server_version = cursor.fetchone()
            counts = count_rows(cursor)
            migrations = latest_migrations(cursor)
            run_tool(
                command
                + [
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={exported}",
                    f"--file={destination}",
                ]
                + self.dbname_argument(),
                env,
            )
        details = {"server_version": server_version, "tool": tool_version(command, env)}
        return Snapshot(details, counts, migrations)

    def find_restore_tools(self):
        self.pg_restore = client_tool("pg_restore", self.connection)

    def restore(self, snapshot_file):
        command, env = self.pg_restore
        run_tool(
            command
            + ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
            + self.dbname_argument()
            + [str(snapshot_file)],
            env,
        )

    def update_statistics(self):
        # pg_restore leaves the planner without statistics until autovacuum comes by.
        with self.connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def dbname_argument(self):
        name = self.connection.settings_dict.get("NAME")
        return [f"--dbname={name}"] if name else []


class SQLiteDatabase(SiteDatabase):
    vendor = "sqlite"

    def tables_to_restore_over(self):
        # A SQLite file that is not there yet is an empty database; connecting to look would
        # create it before the archive is checked.
        name = str(self.connection.settings_dict["NAME"])
        on_disk = not name.startswith("file:") and name != ":memory:"
        if on_disk and not Path(name).exists():
            if not Path(name).absolute().parent.is_dir():
                raise BackupError(
                    f"Cannot create the SQLite database {name}: its folder does not exist."
                )
            return []
        return self.tables()

    def snapshot(self, destination):
        """A consistent copy through the live connection (safe while the site runs; a file copy
        is not: it can catch a write half done)."""
        source = self.connection.connection
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
        details = {"server_version": sqlite3.sqlite_version, "tool": "sqlite3 backup API"}
        return Snapshot(details, counts, migrations)

    def restore(self, snapshot_file):
        self.connection.close()
        self.connect()
        source = sqlite3.connect(f"file:{snapshot_file}?mode=ro", uri=True)
        try:
            # One step: the whole database is written in one transaction, or not at all.
            source.backup(self.connection.connection)
        except sqlite3.Error as error:
            raise BackupError(f"SQLite could not restore the copy: {error}") from error
        finally:
            source.close()
        # A fresh connection sees the restored schema.
        self.connection.close()


# PostgreSQL's client tools -----------------------------------------------------------------------


def client_tool(tool, connection):
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
