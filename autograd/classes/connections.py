"""Connections to the class database: SQLite from the standard library, or PostgreSQL.

Both run the same SQL, written with ``?`` placeholders. What differs is here:
how a connection is kept (SQLite: one per thread, since a connection is used
by one thread at a time; PostgreSQL: a small pool), how a write transaction
locks (SQLite: ``BEGIN IMMEDIATE`` takes the database's one write lock;
PostgreSQL: ``SELECT ... FOR UPDATE`` locks the class's row), and the type
of an auto-numbered key.

PostgreSQL goes through psycopg 3 and psycopg_pool (its maintainers' pool):
the module's SQL is a dozen plain statements, so a driver with a pool is all
it needs, and SQLite then needs nothing beyond Python. SQLAlchemy Core would
write the dialect differences for us, but it would be a dependency of the
SQLite default too, for three lines of differences.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from autograd.classes.errors import Busy, SchemaError
from autograd.i18n import N_

SQLITE_MIN = (3, 35)  # RETURNING
# FULL syncs the WAL to the disk at each commit: a commit survives a power cut too.
# NORMAL would survive a SIGKILL as well (benchmarks/classes_db.py compares them).
SQLITE_SYNCHRONOUS = "FULL"
STATEMENT_SECONDS = 30  # PostgreSQL: no statement of ours takes nearly this long


class Transaction:
    """The statements of one transaction (or of one statement on its own)."""

    def __init__(self, connection, placeholder: str = "?"):
        self._connection = connection
        self._placeholder = placeholder

    def _execute(self, sql: str, params: Sequence):
        if self._placeholder != "?":
            sql = sql.replace("?", self._placeholder)
        return self._connection.execute(sql, params)

    def run(self, sql: str, params: Sequence = ()) -> int:
        """Run a statement; how many rows it changed."""
        return self._execute(sql, params).rowcount

    def all(self, sql: str, params: Sequence = ()) -> list[tuple]:
        return [tuple(row) for row in self._execute(sql, params).fetchall()]

    def one(self, sql: str, params: Sequence = ()) -> tuple | None:
        rows = self.all(sql, params)  # every row fetched: SQLite ends a RETURNING only then
        return rows[0] if rows else None


def connect(target: str, pool_size: int, timeout: float) -> SQLite | Postgres:
    """The database at ``target``: a postgresql:// URL, or a file path for SQLite."""
    if target.startswith(("postgresql://", "postgres://")):
        return Postgres(target, pool_size, timeout)
    if "://" in target:
        raise ValueError(
            f"ClassDB: {redact(target)} is neither a file path nor a postgresql:// URL"
        )
    return SQLite(target, timeout)


def redact(target: str) -> str:
    """A URL without its password, fit for messages and logs.

    >>> redact("postgresql://teacher:s3cret@db.school/classes")
    'postgresql://teacher:***@db.school/classes'
    """
    return re.sub(r"(://[^/:@]*:)[^/@]*@", r"\1***@", target)


class SQLite:
    """An SQLite file in WAL mode, one connection per thread.

    WAL lets readers go on while one writer writes; ``synchronous=FULL``
    syncs the WAL at each commit, so a commit survives a SIGKILL (as it would
    with ``NORMAL``) and also a power cut or a crash of the machine.
    """

    dialect = "sqlite"
    id_column = "INTEGER PRIMARY KEY AUTOINCREMENT"  # ids never reused, even after a delete

    def __init__(self, path: str, timeout: float):
        if sqlite3.sqlite_version_info < SQLITE_MIN:
            raise SchemaError(
                f"the class database needs SQLite {'.'.join(map(str, SQLITE_MIN))} or newer;"
                f" this Python has {sqlite3.sqlite_version}"
            )
        self.path = path
        self.timeout = timeout
        self._local = threading.local()
        self._open: weakref.WeakSet[_Held] = weakref.WeakSet()
        # ":memory:" is one database per connection: share one, a thread at a time.
        self._shared = self._connect() if path == ":memory:" else None
        self._shared_lock = threading.RLock()

    def _connect(self) -> _Held:
        try:
            connection = sqlite3.connect(
                self.path,
                timeout=self.timeout,  # the busy timeout: how long to wait for another writer
                isolation_level=None,  # transactions begin and end where we say
                check_same_thread=False,  # a thread at a time; close() may come from another
            )
            connection.execute("PRAGMA journal_mode = WAL")
        except sqlite3.Error as error:
            raise SchemaError(f"cannot open the class database {self.path}: {error}") from None
        connection.execute(f"PRAGMA synchronous = {SQLITE_SYNCHRONOUS}")
        connection.execute("PRAGMA foreign_keys = ON")
        held = _Held(connection)
        self._open.add(held)
        return held

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if self._shared is not None:
            with self._shared_lock:
                yield self._shared.connection
            return
        held = getattr(self._local, "held", None)
        if held is None:
            # Kept by this thread alone: when the thread ends, its connection closes.
            held = self._local.held = self._connect()
        yield held.connection

    @contextmanager
    def transaction(self, write: bool) -> Iterator[Transaction]:
        """One transaction: a write takes the write lock first, so writers never deadlock."""
        with self._connection() as connection:
            with _busy():
                connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield Transaction(connection)
                with _busy():
                    connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise

    def query(self, sql: str, params: Sequence = ()) -> list[tuple]:
        """One statement on its own (it sees one snapshot)."""
        with self._connection() as connection, _busy():
            return Transaction(connection).all(sql, params)

    def lock_migrations(self, db: Transaction) -> None:
        pass  # BEGIN IMMEDIATE holds the database's write lock

    def for_update(self, lock: bool) -> str:
        return ""  # BEGIN IMMEDIATE holds the database's write lock

    def close(self) -> None:
        for held in list(self._open):
            held.connection.close()


class _Held:
    """An SQLite connection in a holder a weak set can see (connections take no weak refs)."""

    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection

    def __del__(self):
        self.connection.close()


@contextmanager
def _busy() -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as error:
        if "locked" not in str(error) and "busy" not in str(error):
            raise
        raise Busy(
            N_("the class database is busy ({reason}); try again"), reason=str(error)
        ) from None


class Postgres:
    """A small pool of connections; each waits at most ``timeout`` for a lock or a connection."""

    dialect = "postgresql"
    id_column = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"

    def __init__(self, url: str, pool_size: int, timeout: float):
        try:
            import psycopg
            from psycopg_pool import ConnectionPool, PoolTimeout
        except ImportError:
            raise ModuleNotFoundError(
                "a postgresql:// class database needs psycopg 3 and its pool:"
                " pip install 'scalar-autograd[postgres]'"
            ) from None
        self._isolation = psycopg.IsolationLevel
        self._unavailable = (psycopg.OperationalError, PoolTimeout)
        try:  # one connection first, so that a wrong URL or password says why at once
            psycopg.connect(url, connect_timeout=max(2, round(timeout))).close()
        except psycopg.Error as error:
            raise SchemaError(
                f"cannot connect to the class database {redact(url)}: {one_line(error)}"
            ) from None

        def configure(connection) -> None:
            connection.execute(f"SET lock_timeout = {round(timeout * 1000)}")
            connection.execute(f"SET statement_timeout = {STATEMENT_SECONDS * 1000}")

        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True},  # BEGIN only where a transaction is asked for
            configure=configure,
            timeout=timeout,
            name="autograd-classes",
            open=True,
        )

    @contextmanager
    def transaction(self, write: bool) -> Iterator[Transaction]:
        """One transaction: a write reads what is committed and locks; a read sees one snapshot."""
        with self._available(), self.pool.connection() as connection:
            connection.read_only = not write  # both go into the one BEGIN statement
            connection.isolation_level = None if write else self._isolation.REPEATABLE_READ
            with connection.transaction():
                yield Transaction(connection, "%s")

    def query(self, sql: str, params: Sequence = ()) -> list[tuple]:
        """One statement on its own (it sees one snapshot): one round trip."""
        with self._available(), self.pool.connection() as connection:
            return Transaction(connection, "%s").all(sql, params)

    @contextmanager
    def _available(self) -> Iterator[None]:
        try:
            yield
        except self._unavailable as error:
            raise Busy(
                N_("the class database is unavailable ({reason}); try again"),
                reason=one_line(error),
            ) from None

    def lock_migrations(self, db: Transaction) -> None:
        # Servers started together migrate one after the other (any constant will do).
        db.run("SELECT pg_advisory_xact_lock(20202020)")

    def for_update(self, lock: bool) -> str:
        return " FOR UPDATE" if lock else ""

    def close(self) -> None:
        self.pool.close()


def one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
