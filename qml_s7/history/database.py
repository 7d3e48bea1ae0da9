"""The history file on disk: opening it (folder, WAL, pragmas, schema), judging SQLite's
errors, moving a corrupt file aside. Used by the store's thread only.
"""

from __future__ import annotations

import datetime
import errno
import math
import os
import shutil
import sqlite3
from enum import IntEnum

from .schema import SchemaError, create

BUSY_TIMEOUT_MS = 1000  # another program's short write waits this long before it is Locked
CACHE_KIB = 16384  # the page cache: the index leaves of thousands of tags stay in memory
MIB = 1024 * 1024
# FULL, not NORMAL: in WAL mode NORMAL does not sync the WAL at a commit, so a power loss
# could take back everything since the last checkpoint. FULL costs one fsync per batch.
SYNCHRONOUS = "FULL"


class StoreError(IntEnum):
    """What went wrong with the history file (S7History.Error)."""

    NoError = 0
    OpenError = 1
    WriteError = 2
    DiskFull = 3
    Locked = 4
    Corrupt = 5


# SQLite's primary result codes (the low byte of an extended code)
_SQLITE_CODES = {
    3: StoreError.OpenError,  # SQLITE_PERM
    5: StoreError.Locked,  # SQLITE_BUSY
    6: StoreError.Locked,  # SQLITE_LOCKED
    11: StoreError.Corrupt,  # SQLITE_CORRUPT
    13: StoreError.DiskFull,  # SQLITE_FULL
    14: StoreError.OpenError,  # SQLITE_CANTOPEN
    23: StoreError.OpenError,  # SQLITE_AUTH
    26: StoreError.Corrupt,  # SQLITE_NOTADB
}
# Python before 3.11 gives no code: SQLite's own messages for the same codes
_SQLITE_MESSAGES = (
    ("database or disk is full", StoreError.DiskFull),
    ("database is locked", StoreError.Locked),
    ("database table is locked", StoreError.Locked),
    ("file is not a database", StoreError.Corrupt),
    ("database disk image is malformed", StoreError.Corrupt),
    ("unable to open database file", StoreError.OpenError),
)


def classify(error: BaseException, opening: bool = False) -> StoreError:
    """The StoreError of an exception from sqlite3 or the file system.

    While ``opening``, anything that is not full, locked or corrupt is an OpenError.
    """
    code = StoreError.WriteError
    if isinstance(error, SchemaError):
        code = StoreError.OpenError
    elif isinstance(error, OSError):
        code = StoreError.DiskFull if error.errno == errno.ENOSPC else StoreError.WriteError
    elif isinstance(error, sqlite3.Error):
        number = getattr(error, "sqlite_errorcode", None)
        if number is not None:
            code = _SQLITE_CODES.get(number & 0xFF, StoreError.WriteError)
        else:
            text = str(error).lower()
            code = next((c for m, c in _SQLITE_MESSAGES if m in text), StoreError.WriteError)
    if opening and code == StoreError.WriteError:
        return StoreError.OpenError
    return code


def connect(path: str, max_size_mb: float, now_ms: int) -> sqlite3.Connection:
    """Open (or create) the history file in WAL mode with its schema; raise what fails."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        reason = "it is a file" if os.path.isfile(folder) else error.strerror
        raise SchemaError(f"cannot create the folder {folder}: {reason}") from error
    # one thread owns the connection; autocommit: the store says BEGIN and COMMIT itself
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
        conn.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        if max_size_mb > 0:
            page_size = conn.execute("PRAGMA page_size").fetchone()[0]
            pages = max(1, math.floor(max_size_mb * MIB / page_size))
            # SQLite refuses to grow beyond this with SQLITE_FULL, as on a full disk
            conn.execute(f"PRAGMA max_page_count = {pages}")
        create(conn, now_ms)
    except BaseException:
        conn.close()
        raise
    return conn


def size_bytes(conn: sqlite3.Connection) -> int:
    """The database's size (its pages, also those still in the WAL)."""
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    return pages * conn.execute("PRAGMA page_size").fetchone()[0]


def full_by_limit(path: str, max_size_mb: float) -> bool:
    """True when a DiskFull comes from ``max_size_mb``, not from the disk (which has room)."""
    if max_size_mb <= 0:
        return False
    try:
        return shutil.disk_usage(os.path.dirname(os.path.abspath(path))).free > 64 * MIB
    except OSError:
        return True


def next_write_id(conn: sqlite3.Connection) -> int:
    return (conn.execute("SELECT max(id) FROM writes").fetchone()[0] or 0) + 1


def move_aside(path: str) -> str:
    """Rename a corrupt file (and its WAL) to ``<path>.corrupt-<UTC stamp>``; return that."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = f"{path}.corrupt-{stamp}"
    number = 1
    while os.path.exists(target):
        number += 1
        target = f"{path}.corrupt-{stamp}-{number}"
    os.replace(path, target)
    for suffix in ("-wal", "-journal"):
        if os.path.exists(path + suffix):
            os.replace(path + suffix, target + suffix)
    if os.path.exists(path + "-shm"):  # the WAL index: rebuilt from the WAL when needed
        os.remove(path + "-shm")
    return target
