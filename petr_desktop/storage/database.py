"""The SQLite database: engine with pragmas, and one unit of work per user action.

Pragmas: WAL, ``synchronous=FULL``, ``busy_timeout``, ``foreign_keys=ON``. The driver's
own transaction handling is switched off and ``BEGIN`` is emitted explicitly, so every
unit of work (DDL included) is one real transaction. Writing units begin IMMEDIATE
(no lock upgrade dead-end) and mint the op log before they commit.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

from ..sync import capture

BUSY_TIMEOUT_MS = 5000


def make_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False,
                                                              "timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None
        for pragma in ("journal_mode=WAL", "synchronous=FULL", f"busy_timeout={BUSY_TIMEOUT_MS}",
                       "foreign_keys=ON"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def raw_connection(session: Session) -> sqlite3.Connection:
    """The sqlite3 connection under a session, inside its current transaction."""
    return session.connection().connection.dbapi_connection  # type: ignore[return-value]


class Database:
    """An open Carnet PETR database. Thread-safe: each unit of work takes its own session."""

    def __init__(self, path: Path, engine: Engine | None = None) -> None:
        self.path = Path(path)
        self.engine = engine or make_engine(self.path)
        self._write_engine = self.engine.execution_options(sqlite_immediate=True)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One write transaction: commit (after minting the op log) or roll back whole."""
        with Session(self._write_engine, expire_on_commit=False) as session:
            with session.begin():
                yield session
                session.flush()
                capture.mint(raw_connection(session))

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A read-only snapshot (deferred transaction, nothing written)."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session     # closing the session rolls the read transaction back

    def close(self) -> None:
        self.engine.dispose()
