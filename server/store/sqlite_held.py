"""One SQLite connection held for the two statements on a call's path (issue 15): the
session read every officer request makes and the event log's append.

Through SQLAlchemy's pool each cost 0.3–0.4 ms on a small server (checkout, reset on
return, the statement's cache lookup, the result's row objects); the statement itself is a
few dozen microseconds. So these two go straight to the sqlite3 module, on one connection
kept open, with SQL compiled once from the same SQLAlchemy tables (the schema stays
Alembic's). Autocommit between statements: a read sees every commit made before it, by this
process or any other, and no transaction stays open to hold back a checkpoint.

The connection commits at synchronous=NORMAL: a commit is written to the WAL file, and the
store's make_durable() syncs that file, right after the commit or, for the runtime's
appends, once the displays have their push (server/runtime.py). An operator who set a lower
level (OFF) keeps it. A connection that fails is dropped and the statement tried once more
on a new one (_once_more_on_a_new_connection); a second failure is StoreUnavailable.
"""
import sqlite3
import threading

from sqlalchemy.dialects import sqlite

from .base import Conflict, StoreUnavailable

BUSY = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED (primary codes)
# Named parameters (:site_id) so rows go in as the dicts the pool path uses.
_NAMED = sqlite.dialect(paramstyle="named")


class HeldSqlite:
    def __init__(self, path, synchronous, timeout=10.0):
        self.path = path
        self.synchronous = synchronous
        self.timeout = timeout  # how long a write waits for another process's write lock
        self.conn = None
        self.lock = threading.Lock()  # green under eventlet
        self._sql = {}

    def first(self, statement, params):
        """The first row of a SELECT as a dict, or None."""
        def read(conn):
            cursor = conn.execute(self._text(statement), params)
            row = cursor.fetchone()
            return dict(zip([d[0] for d in cursor.description], row)) if row else None
        return self._once_more_on_a_new_connection(read)

    def write(self, batches):
        """One transaction: each (insert statement, rows) in turn. Conflict on a taken key."""
        def commit(conn):
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement, rows in batches:
                    conn.executemany(self._text(statement), rows)
                conn.execute("COMMIT")
            finally:
                if conn.in_transaction:  # a failed insert, or a COMMIT refused (busy)
                    conn.execute("ROLLBACK")
        self._once_more_on_a_new_connection(commit)

    def _once_more_on_a_new_connection(self, work):
        """A held connection that fails is dropped and the work tried once more on a new one:
        SQLite opens a file it may not write (a store made read-only, then mended) read-only
        for good, so a connection from before the fault could never write again. Safe for a
        write: SQLite commits all of a transaction or none, and a failed one was rolled back.
        A second failure is StoreUnavailable, and so is a busy database at once (its
        timeout already waited); a taken key is Conflict."""
        with self.lock:
            fresh = self.conn is None
            while True:
                try:
                    return work(self._connection())
                except sqlite3.IntegrityError as exc:
                    raise Conflict(str(exc)) from None
                except sqlite3.Error as exc:
                    # Another process holding the write lock past the timeout is no fault of
                    # this connection: trying again would only make the wait twice as long.
                    busy = ((getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF) in BUSY
                    if not busy:
                        self._drop()
                    if fresh or busy:
                        raise StoreUnavailable(str(exc)) from None
                    fresh = True

    def _text(self, statement):
        # Keyed by the statement object: callers pass module-level statements (a new one
        # each call would compile each time, and fill this dict).
        text = self._sql.get(statement)
        if text is None:
            text = self._sql[statement] = str(statement.compile(dialect=_NAMED))
        return text

    def _connection(self):
        if self.conn is None:
            # check_same_thread off: the lock, not the thread, keeps one user at a time.
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None,
                                   check_same_thread=False)
            # WAL whoever opens the file first: make_durable syncs the WAL file, and a store
            # left in rollback-journal mode would have none to sync.
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={self.synchronous}")
            self.conn = conn
        return self.conn

    def _drop(self):
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.close()
            except sqlite3.Error:  # already broken: nothing more to free
                pass

    def close(self):
        with self.lock:
            self._drop()
