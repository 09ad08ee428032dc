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
Decorator = Callable[[Callable[Concatenate[Session, P], R]], Callable[Concatenate[Target, P], R]]


def _runs_in(opener: Callable[[Database], object]) -> Decorator:
    """Given a Database, open ``opener(db)`` around the call; given a Session, join it."""

    def decorate(fn: Callable[Concatenate[Session, P], R]) -> Callable[Concatenate[Target, P], R]:
        @functools.wraps(fn)
        def wrapper(target: Target, /, *args: P.args, **kwargs: P.kwargs) -> R:
            if isinstance(target, Database):
                with opener(target) as session:  # type: ignore[attr-defined]
                    return fn(session, *args, **kwargs)
            return fn(target, *args, **kwargs)

        return wrapper

    return decorate


#: A write use case: one transaction of its own when given a Database.
transactional = _runs_in(Database.unit_of_work)
#: A read use case: a read snapshot of its own when given a Database.
reading = _runs_in(Database.reader)
