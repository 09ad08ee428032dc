"""Alembic environment: transactional DDL on SQLite, batch mode, FTS tables left alone.

No ``fileConfig`` here: it would silence the application's loggers.
"""
from __future__ import annotations

from pathlib import Path

from alembic import context
from sqlmodel import SQLModel

from petr_desktop.domain import models  # noqa: F401
from petr_desktop.storage.database import make_engine
from petr_desktop.sync import tables  # noqa: F401

FTS_SUFFIXES = ("_data", "_idx", "_docsize", "_config", "_content")


def include_name(name, type_, parent_names):
    if type_ == "table" and name and (name.startswith("search_") or name == "alembic_version"):
        return False
    return True


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    engine = make_engine(Path(url.removeprefix("sqlite:///")))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            render_as_batch=True,
            transactional_ddl=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
