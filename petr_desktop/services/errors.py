"""Service failures; ``str(error)`` is the French message shown to the user."""
from __future__ import annotations


class ServiceError(Exception):
    pass


class NotFoundError(ServiceError):
    pass


class InvalidValueError(ServiceError):
    pass


class FrozenRecordError(ServiceError):
    pass


class TransitionError(ServiceError):
    pass
