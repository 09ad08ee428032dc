"""Run a service function in its own unit of work, or inside the caller's."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlmodel import Session

from ..storage.database import Database

P = ParamSpec("P")
R = TypeVar("R")

Target = Database | Session


def transactional(fn: Callable[Concatenate[Session, P], R]) -> Callable[Concatenate[Target, P], R]:
    """A write use case: one transaction when given a Database, joined when given a Session."""

    @functools.wraps(fn)
    def wrapper(target: Target, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if isinstance(target, Database):
            with target.unit_of_work() as session:
                return fn(session, *args, **kwargs)
        return fn(target, *args, **kwargs)

    return wrapper


def reading(fn: Callable[Concatenate[Session, P], R]) -> Callable[Concatenate[Target, P], R]:
    """A read use case: a read snapshot when given a Database."""

    @functools.wraps(fn)
    def wrapper(target: Target, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if isinstance(target, Database):
            with target.reader() as session:
                return fn(session, *args, **kwargs)
        return fn(target, *args, **kwargs)

    return wrapper
