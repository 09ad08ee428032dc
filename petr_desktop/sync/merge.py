"""The merge: a pure function of a set of ops (SYNC.md « Model »). No I/O here.

Causality comes from counters: op ``a`` happened before op ``b`` iff the version vector of
``b``'s batch covers ``a`` (``b.ctx_vv[a.replica_id] >= a.seq``). The *heads* of a field are
its ops that no other op of the field has seen. Clocks (HLC) only break ties between
truly concurrent heads. Whatever order ops arrive in, the same set gives the same result.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .policy import Policy

TRUE_VALUES = frozenset({"1", "true"})


@dataclass(frozen=True, slots=True)
class Op:
    op_id: str
    replica_id: str
    seq: int
    hlc: int
    field: str
    value: str            # JSON text of the stored value
    kind: str             # create | set | tombstone
    ctx_vv: Mapping[str, int]
    author: str = ""

    def seen_by(self, other: "Op") -> bool:
        """Did ``other``'s replica know this op when it wrote ``other``?"""
        return other is not self and other.ctx_vv.get(self.replica_id, 0) >= self.seq

    def seen_by_vv(self, vv: Mapping[str, int]) -> bool:
        return vv.get(self.replica_id, 0) >= self.seq

    @property
    def order(self) -> tuple[int, str, str]:
        """Deterministic total order used to break ties: (hlc, replica, op id)."""
        return self.hlc, self.replica_id, self.op_id


def heads(ops: Iterable[Op]) -> list[Op]:
    """Ops of one field that no other op of the field has seen, oldest order first.

    Only the latest op of each replica can be a head (a replica sees its own past), so
    the quadratic check runs over at most one op per replica.
    """
    latest: dict[str, Op] = {}
    for op in ops:
        known = latest.get(op.replica_id)
        if known is None or op.seq > known.seq:
            latest[op.replica_id] = op
    candidates = list(latest.values())
    return sorted((op for op in candidates if not any(op.seen_by(o) for o in candidates)),
                  key=lambda op: op.order)


def conflict_id(op_ids: Iterable[str]) -> str:
    """Same heads, same conflict id on every replica."""
    return str(uuid.uuid5(uuid.NAMESPACE_OID, "conflict|" + "|".join(sorted(op_ids))))


@dataclass(frozen=True)
class Conflict:
    conflict_id: str
    field: str
    kind: str                      # "value" | "delete_edit"
    heads: tuple[Op, ...]          # for delete_edit: the tombstones, then the unseen edits


@dataclass(frozen=True)
class FieldMerge:
    value: str | None              # None: no applied op (the field keeps no value)
    winner: Op | None
    heads: tuple[Op, ...]
    conflict: Conflict | None = None
    losers: tuple[Op, ...] = ()    # LWW heads that lost, to journal


def merge_field(name: str, ops: Sequence[Op], policy: Policy) -> FieldMerge:
    top = heads(ops)
    if not top:
        return FieldMerge(None, None, ())
    winner = top[-1]
    different = tuple(op for op in top[:-1] if op.value != winner.value)
    if not different:
        return FieldMerge(winner.value, winner, tuple(top))
    if policy is Policy.KEEP_BOTH:
        conflict = Conflict(conflict_id(op.op_id for op in top), name, "value", tuple(top))
        return FieldMerge(winner.value, winner, tuple(top), conflict=conflict)
    losers = different if policy is Policy.LWW else ()   # a tombstone race is a row conflict
    return FieldMerge(winner.value, winner, tuple(top), losers=losers)


@dataclass(frozen=True)
class Freeze:
    """The sign-offs (or validations) that froze a record, as version vectors.

    An op on a frozen field is applied only if one of them had seen it; other ops are
    « modifications reçues après validation ». ``open_fields`` stay editable (follow-up);
    on ``status_field`` a later op is applied only if its value is itself frozen.
    """

    points: tuple[Mapping[str, int], ...]
    open_fields: frozenset[str] = frozenset()
    status_field: str | None = None
    frozen_values: frozenset[str] = frozenset()

    def applies(self, op: Op) -> bool:
        if op.field in self.open_fields or any(op.seen_by_vv(vv) for vv in self.points):
            return True
        return op.field == self.status_field and op.value in self.frozen_values


@dataclass
class RowMerge:
    values: dict[str, str] = field(default_factory=dict)      # field -> JSON text
    winners: dict[str, Op] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    losers: list[tuple[Op, Op]] = field(default_factory=list)  # (lost, winner)
    proposals: list[Op] = field(default_factory=list)

    #: No op creating the row was applied (a child added elsewhere after the sign-off): the
    #: row is kept hidden (deleted) with its proposed values, the same on every replica.
    hidden: bool = False


def merge_row(ops_by_field: Mapping[str, Sequence[Op]], policies: Mapping[str, Policy],
              freeze: Freeze | None = None) -> RowMerge:
    """Merge every field of one row; delete vs concurrent edit keeps the row, in conflict."""
    result = RowMerge()
    applied: dict[str, list[Op]] = {}
    for name, ops in ops_by_field.items():
        if freeze is None or not freeze.points:
            applied[name] = list(ops)
            continue
        applied[name] = [op for op in ops if freeze.applies(op)]
        result.proposals.extend(op for op in heads(ops) if not freeze.applies(op))
    for name, ops in applied.items():
        merged = merge_field(name, ops, policies[name])
        if merged.value is None:
            continue
        result.values[name] = merged.value
        result.winners[name] = merged.winner  # type: ignore[assignment]
        if merged.conflict:
            result.conflicts.append(merged.conflict)
        result.losers.extend((lost, merged.winner) for lost in merged.losers)  # type: ignore[misc]
    _delete_against_edit(applied, result)
    result.proposals.sort(key=lambda op: op.order)
    if freeze is not None and "deleted" not in result.values:
        hidden = merge_row(ops_by_field, policies)
        hidden.values["deleted"] = "1"
        hidden.conflicts.clear()
        hidden.losers.clear()
        hidden.proposals, hidden.hidden = result.proposals, True
        return hidden
    return result


def is_true(value: str) -> bool:
    return value in TRUE_VALUES


def _delete_against_edit(applied: Mapping[str, list[Op]], result: RowMerge) -> None:
    """A tombstone head that did not see some edit of the row: the row stays, in conflict."""
    tombstones = [op for op in heads(applied.get("deleted", ())) if is_true(op.value)]
    if not tombstones:
        return
    unseen = [op for name, ops in applied.items() if name != "deleted"
              for op in heads(ops) if not any(op.seen_by(t) or op is t for t in tombstones)]
    revivals = [op for op in heads(applied["deleted"]) if not is_true(op.value)]
    edits = sorted({op.op_id: op for op in unseen + revivals}.values(), key=lambda op: op.order)
    if not edits:
        return
    result.values["deleted"] = "0"
    ids = [op.op_id for op in (*tombstones, *edits)]
    result.conflicts.append(Conflict(conflict_id(ids), "deleted", "delete_edit", (*tombstones, *edits)))
