"""Whole backups: the database and every stored file in one archive that proves its own integrity.

An archive is an uncompressed tar file holding

- ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the server runs) or
  ``database.pgdump`` (``pg_dump --format=custom``),
- ``files/<name>`` for every file a model's ``FileField`` refers to (evidence, response
  attachments, training materials, job outputs), read through the storage that holds them,
- ``manifest.json``: the format, Dozor's version, the database vendor, the latest migration of
  each app, the field-encryption key ids with their canaries (``dozor.core.canary``), the row
  count of every table and the SHA-256 and size of every other member,
- ``manifest.sha256``: the SHA-256 of ``manifest.json``.

``backup_restore`` checks everything before it writes anything: an archive that is not a Dozor
backup, whose manifest or any member does not match its SHA-256 (one flipped byte), that was made
by a newer Dozor or for another database vendor, or whose data the configured keys cannot decrypt,
is refused with the reason. It restores only into a database that holds no data (a new, possibly
migrated one), then the files, then compares the row counts with the manifest's.

``files_verify`` compares every stored file with the SHA-256 its row keeps (a ``sha256`` field
beside the ``FileField``); a sealed file (``dozor.core.sealed``) is opened first, since the row
keeps the hash of its plain content. Models are found generically: this module names no app.
See docs/decisions/0015-keys-audit-backups.md.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.core.files.base import File
from django.core.files.storage import Storage
from django.db import DatabaseError, connection, models
from django.db.migrations.loader import MigrationLoader

from dozor.core.canary import CANARY_CONTEXT, key_canary_forget
from dozor.core.crypto import DecryptionError, decrypt, keyring
from dozor.core.sealed import SEALED_FIELD, file_field_of, open_stored

FORMAT = "dozor-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.sha256"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
FILES_PREFIX = "files/"
CHUNK = 1024 * 1024
# Tables that migrations fill by themselves: they do not make a database "not empty".
SCHEMA_MODELS = {"contenttypes.contenttype", "auth.permission", "sessions.session"}


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class StoredFile:
    label: str  # app_label.model
    pk: Any
    field: str
    name: str
    sha256: str | None  # None: the row keeps no hash of the file (e.g. a job's output)
    storage: Storage
    sealed: bool = False  # encrypted at rest (dozor.core.sealed): the hash is of the plain content

    def describe(self) -> str:
        return f"{self.label} #{self.pk} {self.field}: {self.name}"


@dataclass
class RestoreReport:
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    problems: list[str] = field(default_factory=list)


def dozor_version() -> str:
    try:
        return metadata.version("dozor")
    except metadata.PackageNotFoundError:
        return "unknown"


def _sha256_stream(handle: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def stored_files() -> Iterator[StoredFile]:
    """Every file a row refers to, with the SHA-256 the row keeps if it keeps one."""
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label_lower):
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        file_fields = [f for f in meta.concrete_fields if isinstance(f, models.FileField)]
        if not file_fields:
            continue
        has_hash = any(f.name == "sha256" for f in meta.concrete_fields) and len(file_fields) == 1
        names = [f.attname for f in file_fields] + (["sha256"] if has_hash else [])
        can_seal = file_field_of(model) is not None
        names += [SEALED_FIELD] if can_seal else []
        for row in model._base_manager.order_by("pk").values("pk", *names).iterator(chunk_size=2000):
            for file_field in file_fields:
                if row[file_field.attname]:
                    yield StoredFile(
                        label=meta.label_lower,
                        pk=row["pk"],
                        field=file_field.name,
                        name=row[file_field.attname],
                        sha256=row["sha256"] if has_hash else None,
                        storage=file_field.storage,
                        sealed=bool(row[SEALED_FIELD]) if can_seal else False,
                    )


def files_verify() -> tuple[int, list[str]]:
    """(files checked, problems): a stored file that is missing or whose bytes no longer match
    the SHA-256 kept in its row, one line each naming the row and the file."""
    checked = 0
    problems: list[str] = []
    for stored in stored_files():
        checked += 1
        if not stored.storage.exists(stored.name):
            problems.append(f"{stored.describe()} is missing")
            continue
        if stored.sha256 is None:
            continue
        with stored.storage.open(stored.name, "rb") as handle:
            if stored.sealed:
                try:
                    plain = open_stored(
                        handle.read(), label=stored.label, field_name=stored.field, pk=stored.pk, sealed=True
                    )
                except DecryptionError as exc:
                    problems.append(f"{stored.describe()} cannot be opened: {exc}")
                    continue
                digest = hashlib.sha256(plain).hexdigest()
            else:
                digest, _size = _sha256_stream(handle)
        if digest != stored.sha256:
            problems.append(
                f"{stored.describe()} was changed: its SHA-256 is {digest}, the row keeps {stored.sha256}"
            )
    return checked, problems


def _table_models() -> list[type[models.Model]]:
    found = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and model._meta.label_lower not in SCHEMA_MODELS
    ]
    return sorted(found, key=lambda m: m._meta.db_table)


def row_counts() -> dict[str, int]:
    """Rows per table, for every table of an installed model."""
    return {model._meta.db_table: model._base_manager.count() for model in _table_models()}


def database_is_empty() -> bool:
    """No row in any table except those migrations fill by themselves (a missing table is empty)."""
    for model in _table_models():
        try:
            if model._base_manager.exists():
                return False
        except DatabaseError:
            connection.close()  # a table that does not exist yet (a database never migrated)
    return True


def _latest_migrations() -> dict[str, list[str]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    result: dict[str, list[str]] = {}
    for app_label, name in sorted(loader.disk_migrations):
        result.setdefault(app_label, []).append(name)
    return result


def _key_canaries() -> dict[str, str]:
    from dozor.core.models import KeyCanary

    return dict(KeyCanary.objects.values_list("key_id", "token"))


def _pg_env() -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for pg_dump / pg_restore (the password never on the
    command line)."""
    settings_dict = connection.settings_dict
    args: list[str] = []
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            args += [option, str(settings_dict[key])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return args, env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed (Debian package postgresql-client); it is needed on PostgreSQL"
        )
    return path


def _dump_database(directory: Path) -> Path:
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        target = directory / SQLITE_MEMBER
        destination = sqlite3.connect(target)
        try:
            # The online backup API: a consistent copy even while the server writes.
            connection.connection.backup(destination)
        finally:
            destination.close()
        return target
    if connection.vendor == "postgresql":
        target = directory / PG_MEMBER
        args, env = _pg_env()
        command = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", *args]
        command += ["--file", str(target), str(connection.settings_dict["NAME"])]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        return target
    raise BackupError(f"backups of a {connection.vendor} database are not supported (SQLite or PostgreSQL)")


def _add_file(archive: tarfile.TarFile, name: str, handle: IO[bytes], size: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(datetime.datetime.now(datetime.UTC).timestamp())
    info.mode = 0o600
    archive.addfile(info, handle)


def backup_create(
    *, out: Path, allow_missing: bool = False, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Write one archive to ``out`` (created with mode 0600; it holds confidential data, encrypted
    fields stay encrypted). Refuses, naming them, if stored files are missing, unless
    ``allow_missing``. Returns the manifest."""
    say = progress or (lambda _message: None)
    files = list(stored_files())
    missing = [stored for stored in files if not stored.storage.exists(stored.name)]
    missing_names = {stored.name for stored in missing}
    if missing and not allow_missing:
        names = "\n".join(stored.describe() for stored in missing)
        raise BackupError(
            f"{len(missing)} stored files are missing (see `dozor files verify`); nothing was written. "
            f"Use --allow-missing to back up without them:\n{names}"
        )
    ring = keyring()
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "dozor_version": dozor_version(),
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "database": connection.vendor,
        "migrations": _latest_migrations(),
        "key_ids": sorted(ring.keys),
        "current_key_id": ring.current,
        "key_canaries": _key_canaries(),
        "rows": row_counts(),
        "members": {},
        "missing_files": [stored.describe() for stored in missing],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="dozor-backup-") as tmp:
        say("database")
        dump = _dump_database(Path(tmp))
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with (
                os.fdopen(fd, "wb") as raw,
                tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive,
            ):
                with dump.open("rb") as handle:
                    digest, size = _sha256_stream(handle)
                    handle.seek(0)
                    _add_file(archive, dump.name, handle, size)
                manifest["members"][dump.name] = {"sha256": digest, "size": size}
                say(f"{len(files) - len(missing)} files")
                for stored in files:
                    if stored.name in missing_names:
                        continue
                    member = FILES_PREFIX + stored.name
                    if member in manifest["members"]:
                        continue  # two rows share one file
                    with stored.storage.open(stored.name, "rb") as handle:
                        digest, size = _sha256_stream(handle)
                        handle.seek(0)
                        _add_file(archive, member, handle, size)
                    manifest["members"][member] = {"sha256": digest, "size": size}
                text = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
                _add_file(archive, MANIFEST, io.BytesIO(text), len(text))
                digest_line = f"{hashlib.sha256(text).hexdigest()}  {MANIFEST}\n".encode()
                _add_file(archive, MANIFEST_SUM, io.BytesIO(digest_line), len(digest_line))
            partial.replace(out)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


def _safe_member(name: str) -> bool:
    path = Path(name)
    return not path.is_absolute() and ".." not in path.parts


def backup_read_manifest(path: Path) -> dict[str, Any]:
    """The archive's manifest after checking the archive whole: format, manifest hash and the
    SHA-256 of every member. Raises ``BackupError`` saying what is wrong."""
    foreign = f"{path} is not a Dozor backup"
    try:
        archive = tarfile.open(path, mode="r:")  # noqa: SIM115  (closed by the with below)
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{foreign} or it is damaged ({exc})") from exc
    with archive:
        try:
            members = {member.name: member for member in archive.getmembers()}
        except (OSError, tarfile.TarError) as exc:
            raise BackupError(f"{path} is damaged: {exc}") from exc
        if MANIFEST not in members or MANIFEST_SUM not in members:
            raise BackupError(f"{foreign}: it has no manifest")

        def read(name: str) -> bytes:
            handle = archive.extractfile(members[name])
            if handle is None:
                raise BackupError(f"{path} is damaged: {name} is not a file")
            return handle.read()

        text = read(MANIFEST)
        recorded = read(MANIFEST_SUM).decode("ascii", "replace").split()
        if not recorded or recorded[0] != hashlib.sha256(text).hexdigest():
            raise BackupError(f"{path} is damaged: its manifest does not match its SHA-256")
        try:
            manifest = json.loads(text)
        except ValueError as exc:
            raise BackupError(f"{path} is damaged: its manifest cannot be read") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError(f"{foreign}: its manifest is not Dozor's")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise BackupError(
                f"{path} is a Dozor backup of format {manifest.get('format_version')}; "
                f"this Dozor ({dozor_version()}) reads format {FORMAT_VERSION}"
            )
        expected = manifest.get("members", {})
        extra = sorted(set(members) - set(expected) - {MANIFEST, MANIFEST_SUM})
        if extra:
            raise BackupError(
                f"{path} is damaged or altered: members not in its manifest: {', '.join(extra[:5])}"
            )
        for name, facts in sorted(expected.items()):
            if name not in members:
                raise BackupError(f"{path} is damaged: {name} is missing")
            if not _safe_member(name):
                raise BackupError(f"{foreign}: unsafe member name {name!r}")
            handle = archive.extractfile(members[name])
            if handle is None:
                raise BackupError(f"{path} is damaged: {name} is not a file")
            digest, size = _sha256_stream(handle)
            if digest != facts.get("sha256") or size != facts.get("size"):
                raise BackupError(f"{path} is damaged: {name} does not match its SHA-256 in the manifest")
    return manifest


def _refusals(manifest: dict[str, Any]) -> list[str]:
    """Why this database and key ring cannot take the archive (checked before anything is written)."""
    problems: list[str] = []
    if manifest.get("database") != connection.vendor:
        problems.append(
            f"the backup holds a {manifest.get('database')} database; DATABASE_URL points to {connection.vendor}"
        )
    known = _latest_migrations()
    newer = sorted(
        f"{app}.{name}"
        for app, names in manifest.get("migrations", {}).items()
        for name in names
        if name not in known.get(app, [])
    )
    if newer:
        problems.append(
            f"the backup was made by a newer Dozor ({manifest.get('dozor_version')}): unknown migrations {', '.join(newer[:5])}"
        )
    ring = keyring()
    absent = sorted(set(manifest.get("key_ids", [])) - set(ring.keys))
    if absent:
        problems.append(
            f"the backup's data is encrypted with key ids {', '.join(absent)}, which DOZOR_FIELD_KEYS does not hold; "
            "put those keys back (from your secret store) before restoring"
        )
    for key_id, token in sorted(manifest.get("key_canaries", {}).items()):
        if key_id not in ring.keys:
            continue
        try:
            decrypt(token, context=CANARY_CONTEXT, ring=ring)
        except DecryptionError:
            problems.append(
                f"DOZOR_FIELD_KEYS: key {key_id!r} is not the key the backup's data was encrypted with"
            )
    if not database_is_empty():
        problems.append(
            "the database already holds data: restore only into a new, empty database "
            "(create one, point DATABASE_URL at it, then run dozor restore)"
        )
    return problems


def _restore_sqlite(dump: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        source.backup(connection.connection)
    finally:
        source.close()
    connection.close()


def _restore_postgresql(dump: Path) -> None:
    args, env = _pg_env()
    name = str(connection.settings_dict["NAME"])
    connection.close()
    # --clean drops the (empty) tables a migrate may have made; one transaction: all or nothing.
    command = [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges"]
    command += ["--single-transaction", "--exit-on-error", *args, "--dbname", name, str(dump)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed; nothing was restored: {done.stderr.strip()}")


def backup_restore(*, path: Path, progress: Callable[[str], None] | None = None) -> RestoreReport:
    """Restore an archive made by ``backup_create`` into an empty database, then its files."""
    say = progress or (lambda _message: None)
    say("checking the archive")
    manifest = backup_read_manifest(path)
    problems = _refusals(manifest)
    if problems:
        raise BackupError("nothing was restored:\n" + "\n".join(problems))
    report = RestoreReport()
    with (
        tarfile.open(path, mode="r:") as archive,
        tempfile.TemporaryDirectory(prefix="dozor-restore-") as tmp,
    ):
        members = {member.name: member for member in archive.getmembers()}
        db_member = SQLITE_MEMBER if SQLITE_MEMBER in members else PG_MEMBER
        handle = archive.extractfile(members[db_member])
        assert handle is not None  # checked by backup_read_manifest
        dump = Path(tmp) / db_member
        with dump.open("wb") as out:
            shutil.copyfileobj(handle, out, CHUNK)
        say("database")
        if connection.vendor == "sqlite":
            _restore_sqlite(dump)
        else:
            _restore_postgresql(dump)
        key_canary_forget()
        say("files")
        storages = {stored.name: stored.storage for stored in stored_files()}
        for name in sorted(manifest["members"]):
            if not name.startswith(FILES_PREFIX):
                continue
            stored_name = name[len(FILES_PREFIX) :]
            storage = storages.get(stored_name)
            if storage is None:
                report.problems.append(f"{stored_name}: no row refers to it; not restored")
                continue
            source = archive.extractfile(members[name])
            assert source is not None
            if storage.exists(stored_name):
                with storage.open(stored_name, "rb") as existing:
                    if _sha256_stream(existing)[0] == manifest["members"][name]["sha256"]:
                        report.files += 1
                        continue
                storage.delete(stored_name)  # a leftover of another installation: the backup's copy wins
            saved = storage.save(stored_name, File(source, name=stored_name))
            if saved != stored_name:
                report.problems.append(f"{stored_name} was stored as {saved}")
            report.files += 1
    report.rows = row_counts()
    for table, count in sorted(manifest.get("rows", {}).items()):
        if report.rows.get(table, 0) != count:
            report.problems.append(
                f"table {table}: {report.rows.get(table, 0)} rows restored, the backup had {count}"
            )
    return report
