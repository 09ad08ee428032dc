"""Hybrid logical clock: 48-bit milliseconds and a 16-bit counter packed in one integer.

It never goes backwards, whatever the wall clock does; it only orders truly concurrent
writes (causality comes from version vectors, never from clocks).
"""
from __future__ import annotations

import time

COUNTER_BITS = 16
COUNTER_MASK = (1 << COUNTER_BITS) - 1


def pack(ms: int, counter: int = 0) -> int:
    return (ms << COUNTER_BITS) | counter


def unpack(hlc: int) -> tuple[int, int]:
    return hlc >> COUNTER_BITS, hlc & COUNTER_MASK


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def tick(last: int, now_ms: int | None = None) -> int:
    """The next local timestamp after ``last``: wall time if it is ahead, else last + 1."""
    now = pack(wall_ms() if now_ms is None else now_ms)
    return now if now > last else last + 1
