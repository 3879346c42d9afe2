"""Backups of a store that is being written: `qms backup` and `qms restore`.

SQLite: the online backup API (sqlite3.Connection.backup) copies a consistent snapshot while
the server goes on writing; a plain file copy of a WAL database can miss what is still in the
-wal file (an empty or torn copy). PostgreSQL: pg_dump's custom format (one consistent
snapshot, taken without stopping writers) and pg_restore, from Debian's postgresql-client.
A restore goes only into an empty store; the next start upgrades it to the newest schema.
"""
import os
import shutil
import sqlite3
import subprocess

from sqlalchemy.engine import make_url


class BackupProblem(Exception):
    """Why a backup or restore cannot be made; `lines` are ready to print."""

    def __init__(self, *lines):
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


def backup(url, target):
    """Write a backup of the store at `url` to the file `target`."""
    os.makedirs(os.path.dirname(os.path.abspath(target)) or ".", exist_ok=True)
    if _is_sqlite(url):
        source = sqlite3.connect(_sqlite_path(url), timeout=30)
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)  # all pages in one step: one consistent snapshot
        finally:
            copy.close()
            source.close()
        return
    _run("pg_dump", url, "--format=custom", "--no-owner", "--no-privileges", "--file", target)


def restore(backup_file, url):
    """Restore `backup_file` into the empty store at `url`."""
    if not os.path.isfile(backup_file):
        raise BackupProblem(f"{backup_file}: không có tệp sao lưu — no such backup file")
    if _is_sqlite(url):
        path = _sqlite_path(url)
        if os.path.exists(path) and os.path.getsize(path) > 0:
            raise BackupProblem(f"{path}: kho dữ liệu đã có; khôi phục vào một thư mục/kho trống "
                                "— the store exists already: restore into an empty one")
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
        copy = sqlite3.connect(path)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
        return
    _run("pg_restore", url, "--no-owner", "--no-privileges", "--exit-on-error", backup_file)


def _is_sqlite(url):
    return url.startswith("sqlite")


def _sqlite_path(url):
    return make_url(url).database


def _run(program, url, *args):
    """pg_dump / pg_restore on the store's database; the password goes by environment, not
    on the command line (where `ps` would show it)."""
    if shutil.which(program) is None:
        raise BackupProblem(f"{program}: chưa cài; cài: apt-get install postgresql-client — "
                            f"not installed: apt-get install postgresql-client")
    parsed = make_url(url)
    env = dict(os.environ)
    for name, value in (("PGHOST", parsed.host), ("PGPORT", parsed.port),
                        ("PGUSER", parsed.username), ("PGPASSWORD", parsed.password),
                        ("PGDATABASE", parsed.database)):
        if value is not None:
            env[name] = str(value)
    dbname = ["--dbname", parsed.database] if program == "pg_restore" else []
    done = subprocess.run([program, *dbname, *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupProblem(f"{program}: {done.stderr.strip() or done.returncode}")
