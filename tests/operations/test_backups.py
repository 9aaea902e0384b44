"""
Backups: `backup_site` writes one archive of the database and the media, and `restore_site` puts
it into an empty database, giving back the same tree, revisions, workflow state, images,
documents and files, compared here row by row through plain SQL and byte by byte. A restore into
a database that holds a site, or from a damaged archive, is refused and changes nothing; a
failed backup leaves no archive behind.

Runs on SQLite and on PostgreSQL (pg_dump and pg_restore against a second, empty database). The
data is committed (transaction=True): pg_dump and the restore run in other processes.
"""

import errno
import io
import json
import os
import sqlite3
import tarfile
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from PIL import Image as PILImage

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Revision, TaskState, Workflow, WorkflowState
from wagtail.rich_text import RichText

from bench import harness
from kbsite.operations.backups import archive_format, databases, restoring
from kbsite.operations.backups.media import RESTORE_WORK_PREFIX
from tests.conftest import make_section, make_topic

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PROJECT = Path(__file__).resolve().parents[2]
ON_POSTGRESQL = connection.vendor == "postgresql"

# What must come back, through plain SQL on either database. Ids are compared too: a restore is
# the same database, not a copy of its content.
QUERIES = {
    "tree": """
        SELECT p.id, p.path, p.depth, p.numchild, p.title, p.slug, p.live, p.url_path,
               p.latest_revision_id, p.live_revision_id, ct.app_label, ct.model
        FROM wagtailcore_page p JOIN django_content_type ct ON ct.id = p.content_type_id
        ORDER BY p.path""",
    "revisions": """
        SELECT id, object_id, content_type_id, base_content_type_id, user_id, created_at, content
        FROM wagtailcore_revision ORDER BY id""",
    "workflow states": """
        SELECT id, object_id, content_type_id, workflow_id, status, current_task_state_id,
               requested_by_id
        FROM wagtailcore_workflowstate ORDER BY id""",
    "task states": """
        SELECT id, workflow_state_id, task_id, revision_id, status
        FROM wagtailcore_taskstate ORDER BY id""",
    "images": """
        SELECT id, title, file, width, height, file_size, file_hash
        FROM wagtailimages_image ORDER BY id""",
    "renditions": "SELECT id, image_id, filter_spec, file FROM wagtailimages_rendition ORDER BY id",
    "documents": """
        SELECT id, title, file, file_size, file_hash FROM wagtaildocs_document ORDER BY id""",
    "users": "SELECT id, username, password, email FROM auth_user ORDER BY id",
}


# Databases, through plain DB-API connections ----------------------------------------------------


def plain_connection(name):
    """psycopg or sqlite3, not Django, on the test database or the restored one."""
    settings = connection.settings_dict
    if ON_POSTGRESQL:
        return psycopg.connect(
            dbname=name,
            user=settings["USER"] or None,
            password=settings["PASSWORD"] or None,
            host=settings["HOST"] or None,
            port=settings["PORT"] or None,
            autocommit=True,
        )
    # The test database is SQLite's shared in-memory one, reachable by its URI in this process.
    return sqlite3.connect(str(name), uri=str(name).startswith("file:"))


def snapshot(name):
    """Every row the restore must give back, and how many rows each table holds."""
    db = plain_connection(name)
    try:
        cursor = db.cursor()
        rows = {label: cursor.execute(query).fetchall() for label, query in QUERIES.items()}
        rows["row counts"] = {
            table: cursor.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
            for table in table_names(cursor)
        }
        if ON_POSTGRESQL:
            # New rows must not collide with restored ones.
            rows["sequences"] = cursor.execute(
                "SELECT sequencename, last_value FROM pg_sequences "
                "WHERE schemaname = 'public' ORDER BY sequencename"
            ).fetchall()
        else:
            rows["sequences"] = cursor.execute(
                "SELECT name, seq FROM sqlite_sequence ORDER BY name"
            ).fetchall()
        return rows
    finally:
        db.close()


def table_names(cursor):
    if ON_POSTGRESQL:
        query = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    return [name for (name,) in cursor.execute(query).fetchall()]


def files_under(root):
    root = Path(root)
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


class EmptyDatabase:
    """A second database with nothing in it, for restore_site to restore into."""

    def __init__(self, tmp_path):
        if ON_POSTGRESQL:
            self.name = f"{connection.settings_dict['NAME']}_restored"
        else:
            self.name = str(tmp_path / "restored.sqlite3")

    @property
    def url(self):
        if not ON_POSTGRESQL:
            return f"sqlite:///{self.name}"
        settings = connection.settings_dict
        credentials = quote(settings["USER"] or "", safe="")
        if settings["PASSWORD"]:
            credentials += ":" + quote(settings["PASSWORD"], safe="")
        host = settings["HOST"] or "127.0.0.1"
        return f"postgres://{credentials}@{host}:{settings['PORT'] or 5432}/{self.name}"

    def tables(self):
        if not ON_POSTGRESQL and not Path(self.name).exists():
            return []
        db = plain_connection(self.name)
        try:
            return table_names(db.cursor())
        finally:
            db.close()


def maintenance(sql):
    db = plain_connection("postgres")
    try:
        db.execute(sql)
    finally:
        db.close()


@pytest.fixture
def empty_database(tmp_path):
    database = EmptyDatabase(tmp_path)
    if ON_POSTGRESQL:
        maintenance(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')
        maintenance(f'CREATE DATABASE "{database.name}"')
    yield database
    if ON_POSTGRESQL:
        maintenance(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')


def manage(*arguments, database_url, media_root):
    """manage.py in its own process, on another database and MEDIA_ROOT (as `make restore`)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"REDIS_URL", "FRONTEND_CACHE_URL", "AWS_STORAGE_BUCKET_NAME"}
    }
    # The development settings: files in MEDIA_ROOT, as on a machine without S3.
    env.update(
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(media_root),
        DJANGO_SETTINGS_MODULE="kbsite.settings.dev",
    )
    return harness.manage(env, *arguments, timeout=300, check=False)


# The site ---------------------------------------------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploads on the file system, in MEDIA_ROOT, as in production without S3."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return root


def png(width=64, height=48):
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), (74, 144, 217)).save(buffer, "PNG")
    return buffer


@pytest.fixture
def site(home, editor, reviewer, media_root):
    """A small knowledge base with every kind of thing a restore must give back."""
    section = make_section(home, title="Plasma", slug="plasma")
    exits = make_topic(section, title="Exits", slug="exits")
    # Several revisions: two more published, then a draft on top of the live one.
    for text in ("Exits take seven days.", "Exits take a week, for safety."):
        exits.body = [("text", RichText(f"<p>{text}</p>"))]
        exits.save_revision(user=editor).publish(user=reviewer)
    exits.title = "Exits, explained"
    exits.save_revision(user=editor)

    # A draft in the reviewers' queue: a workflow state and its task state in progress.
    fees = make_topic(section, title="Fees", slug="fees")
    fees.body = [("text", RichText("<p>Fees are paid in ETH.</p>"))]
    fees.save_revision(user=editor)
    Workflow.objects.get(name="Editorial review").start(fees, editor)

    image = get_image_model()(title="A plasma chain", file=ImageFile(png(), name="chain.png"))
    image.save()
    image.get_file_hash()
    image.get_file_size()
    image.get_rendition("fill-32x32")  # a rendition file beside the original

    document = get_document_model()(
        title="Exit guide", file=ContentFile(b"Exits take seven days.\n", name="exit-guide.txt")
    )
    document.save()
    document.get_file_hash()
    document.get_file_size()
    return {"exits": exits, "fees": fees, "image": image, "document": document}


def back_up(tmp_path, name="site.tar.gz"):
    archive = tmp_path / "backups" / name
    output = io.StringIO()
    call_command("backup_site", output=str(archive), stdout=output)
    return archive, output.getvalue()


def manifest_of(archive):
    with tarfile.open(archive, "r:gz") as tar:
        return json.load(tar.extractfile(archive_format.MANIFEST))


# Backup and restore -----------------------------------------------------------------------------


def test_a_backup_restored_into_an_empty_database_gives_back_the_same_site(
    site, media_root, tmp_path, empty_database
):
    archive, output = back_up(tmp_path)

    assert "Backup written" in output
    manifest = manifest_of(archive)
    assert manifest["format_version"] == archive_format.FORMAT_VERSION
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["versions"]["wagtail"] and manifest["versions"]["django"]
    applied = {}
    for app, name in MigrationRecorder.Migration.objects.values_list("app", "name"):
        applied[app] = max(applied.get(app, ""), name)
    assert manifest["migrations"] == applied
    assert manifest["migrations"]["pages"] > "0008"
    assert manifest["counts"] == {
        "pages": Page.objects.count(),
        "revisions": Revision.objects.count(),
        "workflow_states": 1,
        "task_states": 1,
        "images": 1,
        "renditions": 1,
        "documents": 1,
        "users": 2,
    }
    assert WorkflowState.objects.get().status == WorkflowState.STATUS_IN_PROGRESS
    assert TaskState.objects.get().status == TaskState.STATUS_IN_PROGRESS
    # The original image, its rendition and the document.
    assert len(files_under(media_root)) == 3
    assert manifest["media"] == {
        "included": True,
        "storage": "django.core.files.storage.filesystem.FileSystemStorage",
        "files": 3,
        "bytes": sum(len(data) for data in files_under(media_root).values()),
    }
    # Password hashes and email addresses: the archive is for its owner's eyes only.
    assert archive.stat().st_mode & 0o077 == 0

    restored_media = tmp_path / "restored-media"
    result = manage(
        "restore_site", str(archive), database_url=empty_database.url, media_root=restored_media
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert "Restored:" in result.stdout
    assert "revisions: " in result.stdout  # the counts are reported
    original = snapshot(connection.settings_dict["NAME"])
    restored = snapshot(empty_database.name)
    for part in original:
        assert restored[part] == original[part], part
    assert restored["revisions"] and restored["workflow states"] and restored["images"]
    assert files_under(restored_media) == files_under(media_root)


def test_a_restore_into_a_database_that_holds_a_site_is_refused_and_changes_nothing(
    site, media_root, tmp_path
):
    archive, _output = back_up(tmp_path)
    before, media_before = snapshot(connection.settings_dict["NAME"]), files_under(media_root)

    # The configured database is the test database itself, with the site in it.
    with pytest.raises(CommandError, match="is not empty") as refusal:
        call_command("restore_site", str(archive), stdout=io.StringIO())

    assert str(connection.settings_dict["NAME"]) in str(refusal.value)
    assert "Nothing was restored" in str(refusal.value)
    assert snapshot(connection.settings_dict["NAME"]) == before
    assert files_under(media_root) == media_before
    assert not list(media_root.glob(RESTORE_WORK_PREFIX + "*"))


@pytest.mark.parametrize("damage", ["cut in half", "a byte changed"])
def test_a_damaged_archive_is_refused_and_changes_nothing(site, tmp_path, empty_database, damage):
    archive, _output = back_up(tmp_path)
    data = bytearray(archive.read_bytes())
    if damage == "cut in half":
        data = data[: len(data) // 2]
    else:
        data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    restored_media = tmp_path / "restored-media"

    result = manage(
        "restore_site", str(archive), database_url=empty_database.url, media_root=restored_media
    )

    assert result.returncode != 0
    assert "Nothing was restored" in result.stderr
    assert "truncated or damaged" in result.stderr or "damaged" in result.stderr
    assert "Traceback" not in result.stderr
    assert empty_database.tables() == []
    if not ON_POSTGRESQL:
        assert not Path(empty_database.name).exists()
    assert files_under(restored_media) == {}


def test_a_file_that_is_not_a_backup_is_refused(db, tmp_path):
    archive = tmp_path / "notes.tar.gz"
    archive.write_bytes(b"These are not the backups you are looking for.\n")

    with pytest.raises(CommandError, match="not a readable backup archive"):
        call_command("restore_site", str(archive), stdout=io.StringIO())


def test_a_backup_of_the_other_database_vendor_is_refused(db, tmp_path):
    other = "sqlite" if ON_POSTGRESQL else "postgresql"
    manifest = {
        "format": archive_format.FORMAT,
        "format_version": archive_format.FORMAT_VERSION,
        "database": {"vendor": other, "file": archive_format.DATABASE_FILES[other], "sha256": ""},
        "counts": {},
        "media": {"included": False},
    }
    archive = tmp_path / "other.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo(archive_format.MANIFEST)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))

    with pytest.raises(CommandError, match=f"is a {databases.VENDOR_NAMES[other]} backup"):
        call_command("restore_site", str(archive), stdout=io.StringIO())


def test_a_write_during_the_backup_is_in_all_of_the_archive_or_none_of_it(
    site, tmp_path, empty_database, monkeypatch
):
    """The counts the restore checks come from the same snapshot as the database itself."""
    count_rows = databases.count_rows

    def someone_signs_up_meanwhile(cursor):
        # Committed through another connection after the backup began, before it counts.
        db = plain_connection(connection.settings_dict["NAME"])
        try:
            db.execute(
                "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, "
                "email, is_staff, is_active, date_joined) "
                "VALUES ('!', false, 'late', '', '', 'late@example.com', false, true, "
                "CURRENT_TIMESTAMP)"
            )
            if not ON_POSTGRESQL:
                db.commit()
        finally:
            db.close()
        monkeypatch.setattr(databases, "count_rows", count_rows)
        return count_rows(cursor)

    monkeypatch.setattr(databases, "count_rows", someone_signs_up_meanwhile)
    archive, _output = back_up(tmp_path)
    monkeypatch.setattr(databases, "count_rows", count_rows)

    result = manage(
        "restore_site", str(archive), database_url=empty_database.url, media_root=tmp_path / "m"
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert manifest_of(archive)["counts"]["users"] == 2
    usernames = [row[1] for row in snapshot(empty_database.name)["users"]]
    assert "late" not in usernames
    assert "late" in [row[1] for row in snapshot(connection.settings_dict["NAME"])["users"]]


# What a backup says and refuses ------------------------------------------------------------------


def test_media_in_a_remote_storage_are_left_to_that_storage(home, tmp_path):
    # The test settings keep uploads in memory: a storage that is not MEDIA_ROOT, as S3 is.
    archive, output = back_up(tmp_path)

    assert "Media are not in this archive" in output
    media = manifest_of(archive)["media"]
    assert media["included"] is False
    assert "InMemoryStorage" in media["storage"]
    assert "bucket versioning" in media["note"]
    with tarfile.open(archive, "r:gz") as tar:
        assert not [name for name in tar.getnames() if name.startswith("media/")]


def test_a_failed_backup_leaves_no_archive_and_keeps_the_previous_one(site, tmp_path, monkeypatch):
    archive = tmp_path / "backups" / "latest.tar.gz"
    archive.parent.mkdir()
    archive.write_bytes(b"yesterday's good backup")
    add = tarfile.TarFile.add

    def disk_full(self, name, arcname=None, **kwargs):
        if arcname.startswith("media/"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return add(self, name, arcname, **kwargs)

    monkeypatch.setattr(tarfile.TarFile, "add", disk_full)

    with pytest.raises(CommandError, match="No space left on device"):
        call_command("backup_site", output=str(archive), stdout=io.StringIO())

    assert archive.read_bytes() == b"yesterday's good backup"
    assert [path.name for path in archive.parent.iterdir()] == ["latest.tar.gz"]


def test_an_output_folder_that_cannot_be_written_is_a_clear_error(db, tmp_path):
    (tmp_path / "a-file").write_text("")

    with pytest.raises(CommandError, match="Cannot write to the folder .*a-file"):
        call_command(
            "backup_site", output=str(tmp_path / "a-file" / "b.tar.gz"), stdout=io.StringIO()
        )


def test_an_unreachable_database_is_a_clear_error(db, tmp_path):
    folder = tmp_path / "backups"

    result = manage(
        "backup_site",
        "--output",
        str(folder / "b.tar.gz"),
        database_url="postgres://postgres@127.0.0.1:1/nowhere",
        media_root=tmp_path / "media",
    )

    assert result.returncode != 0
    assert "No backup was written. Cannot connect to the PostgreSQL database 'nowhere'" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
    assert not folder.exists() or not list(folder.iterdir())


@pytest.mark.skipif(not ON_POSTGRESQL, reason="pg_dump backs up PostgreSQL only")
def test_a_missing_pg_dump_is_a_clear_error(home, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))

    with pytest.raises(CommandError, match="pg_dump is not installed"):
        back_up(tmp_path)

    assert not (tmp_path / "backups").exists()


def rewrite_manifest(archive, change):
    """The same archive with its manifest changed by `change(manifest)`."""
    members = []
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            data = tar.extractfile(member).read() if member.isfile() else None
            members.append((member, data))
    manifest = json.loads(members[0][1])
    change(manifest)
    members[0] = (members[0][0], json.dumps(manifest).encode())
    members[0][0].size = len(members[0][1])
    with tarfile.open(archive, "w:gz") as tar:
        for member, data in members:
            tar.addfile(member, io.BytesIO(data) if data is not None else None)


def test_a_restore_whose_counts_differ_from_the_archives_fails(site, tmp_path, empty_database):
    archive, _output = back_up(tmp_path)
    revisions = Revision.objects.count()

    def one_more_revision(manifest):
        manifest["counts"]["revisions"] += 1

    rewrite_manifest(archive, one_more_revision)

    result = manage(
        "restore_site", str(archive), database_url=empty_database.url, media_root=tmp_path / "m"
    )

    assert result.returncode != 0
    assert (
        f"does not match the archive: revisions {revisions + 1} in the archive, "
        f"{revisions} restored" in result.stderr
    )
    assert f"revisions: {revisions + 1} in the archive, {revisions} restored  <- DIFFERS" in (
        result.stdout
    )


def test_a_dry_run_checks_the_whole_archive_and_writes_nothing(site, tmp_path, empty_database):
    archive, _output = back_up(tmp_path)
    restored_media = tmp_path / "restored-media"

    result = manage(
        "restore_site",
        str(archive),
        "--dry-run",
        database_url=empty_database.url,
        media_root=restored_media,
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert "Dry run, nothing written: the archive is sound" in result.stdout
    assert "3 media files to add" in result.stdout
    assert empty_database.tables() == []
    assert not restored_media.exists()


def test_a_restore_never_overwrites_a_different_file_in_media_root(site, tmp_path, empty_database):
    archive, _output = back_up(tmp_path)
    restored_media = tmp_path / "restored-media"
    document = restored_media / site["document"].file.name
    document.parent.mkdir(parents=True)
    document.write_bytes(b"Someone else's file.\n")

    result = manage(
        "restore_site", str(archive), database_url=empty_database.url, media_root=restored_media
    )

    assert result.returncode != 0
    assert "Nothing was restored" in result.stderr
    name = site["document"].file.name
    assert f"already holds other files where the archive puts 1 of its own ({name})" in (
        result.stderr
    )
    assert empty_database.tables() == []
    assert files_under(restored_media) == {name: b"Someone else's file.\n"}


def test_a_restore_that_cannot_make_its_work_folder_says_so(site, tmp_path, monkeypatch):
    archive, _output = back_up(tmp_path)
    # As if into an empty database, on a machine whose temporary folder is full.
    monkeypatch.setattr(databases.SiteDatabase, "tables_to_restore_over", lambda self: [])
    monkeypatch.setattr(databases.SQLiteDatabase, "tables_to_restore_over", lambda self: [])

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(restoring.tempfile, "mkdtemp", disk_full)
    pages_before = Page.objects.count()

    with pytest.raises(CommandError, match="Nothing was restored. Restore failed: .*No space left"):
        call_command("restore_site", str(archive), stdout=io.StringIO())
    assert Page.objects.count() == pages_before
