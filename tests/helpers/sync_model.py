"""An in-memory model of replicas exchanging ops, over the pure merge only (no database, no files).

Each replica has an id, an op counter, a version vector (the contiguous prefix of each replica's
ops it holds, as the product keeps it), the ops it holds (possibly beyond a gap) and a fake wall
clock that the tests skew and rewind at will. A local *write* mints one batch: its ``ctx_vv`` is
the current vector with the replica's own entry moved to the batch's last seq; its HLC is
``max(last + 1, wall)`` (48-bit ms + 16-bit counter). *Delivery* unions ops into the receiver and
advances its vector to the contiguous prefix.

Besides the model, ``reference_merge`` is a deliberately naive re-statement of SYNC.md (brute-force
heads over every op, no « latest op per replica » shortcut) used as an oracle against
``merge.merge_row``; ``normalized`` turns a ``RowMerge`` into plain comparable data.
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from petr_desktop.sync.merge import Freeze, Op, RowMerge
from petr_desktop.sync.policy import REGISTRY, Policy

TABLE = "minutes"
#: The fields of the model, with the product's policies for them.
FIELDS = ("summary", "author", "status", "deleted")
POLICIES: dict[str, Policy] = {name: REGISTRY[TABLE][name] for name in FIELDS}
KEEP_BOTH_FIELDS = tuple(name for name in FIELDS if POLICIES[name] is Policy.KEEP_BOTH)
LWW_FIELDS = tuple(name for name in FIELDS if POLICIES[name] is Policy.LWW)
EDIT_FIELDS = tuple(name for name in FIELDS if name != "deleted")

#: The freezable record; every other row of the model is one of its children.
RECORD = "m"
SIGNED = json.dumps("signed")
FROZEN_VALUES = frozenset({SIGNED})
#: Follow-up fields of the children, editable after the sign-off (like an action's status).
CHILD_OPEN_FIELDS = frozenset({"author"})

TRUE = "1"
FALSE = "0"

COUNTER_BITS = 16
START_MS = 1_780_000_000_000          # mid-2026
HOUR_MS = 3_600_000


def pack(ms: int) -> int:
    return max(ms, 0) << COUNTER_BITS


def is_true(value: str) -> bool:
    return value in ("1", "true")


@dataclass(frozen=True)
class Stamped:
    """An op with the row it belongs to (the pure merge works row by row)."""

    row: str
    op: Op


@dataclass
class Batch:
    replica: str
    ctx_vv: dict[str, int]
    ops: tuple[Stamped, ...]


@dataclass
class ModelReplica:
    rid: str
    seq: int = 0
    vv: dict[str, int] = field(default_factory=dict)
    ops: dict[str, Stamped] = field(default_factory=dict)
    wall_ms: int = START_MS
    last_hlc: int = 0

    def holds_row(self, row: str) -> bool:
        return any(s.row == row and s.op.field == "deleted" for s in self.ops.values())

    def rows(self) -> set[str]:
        return {s.row for s in self.ops.values()}

    def ops_by_row(self) -> dict[str, dict[str, list[Op]]]:
        return group(self.ops.values())


def group(stamped: Iterable[Stamped]) -> dict[str, dict[str, list[Op]]]:
    rows: dict[str, dict[str, list[Op]]] = defaultdict(lambda: defaultdict(list))
    for s in stamped:
        rows[s.row][s.op.field].append(s.op)
    return {row: dict(fields) for row, fields in rows.items()}


class World:
    """Replicas, every op ever minted, every batch (the sign-offs among them)."""

    def __init__(self, count: int = 4) -> None:
        # Replica ids sort in another order than their index, so ties are not decided by index.
        self.replicas = [ModelReplica(f"{name}-{i}") for i, name in enumerate(("delta", "alpha", "charlie", "bravo")[:count])]
        self.by_id = {r.rid: r for r in self.replicas}
        self.all: dict[str, Stamped] = {}
        self.batches: list[Batch] = []
        self.unique = 0
        self._next_op = 0

    # --- local writes ----------------------------------------------------------------------

    def fresh_value(self) -> str:
        self.unique += 1
        return json.dumps(f"saisie n° {self.unique}")

    def write(self, index: int, changes: Sequence[tuple[str, str, str]], kinds: Mapping[tuple[str, str], str] | None = None
              ) -> Batch | None:
        """One batch of (row, field, JSON value) changes on one replica; one op per (row, field)."""
        replica = self.replicas[index]
        unique: dict[tuple[str, str], str] = {}
        for row, name, value in changes:
            unique[(row, name)] = value
        if not unique:
            return None
        now = pack(replica.wall_ms)
        hlc = now if now > replica.last_hlc else replica.last_hlc + 1
        replica.last_hlc = hlc
        ctx_vv = dict(replica.vv)
        ctx_vv[replica.rid] = replica.seq + len(unique)
        minted = []
        for (row, name), value in unique.items():
            replica.seq += 1
            self._next_op += 1
            kind = (kinds or {}).get((row, name)) or ("tombstone" if name == "deleted" and is_true(value) else "set")
            op = Op(op_id=f"op-{self._next_op:06d}", replica_id=replica.rid, seq=replica.seq, hlc=hlc, field=name,
                    value=value, kind=kind, ctx_vv=ctx_vv, author=replica.rid)
            minted.append(Stamped(row, op))
        replica.vv[replica.rid] = replica.seq
        for s in minted:
            replica.ops[s.op.op_id] = s
            self.all[s.op.op_id] = s
        batch = Batch(replica.rid, ctx_vv, tuple(minted))
        self.batches.append(batch)
        return batch

    def create(self, index: int, row: str, values: Mapping[str, str] | None = None) -> Batch | None:
        changes = [(row, "deleted", FALSE)] + [(row, name, value) for name, value in (values or {}).items()]
        return self.write(index, changes, kinds={(row, "deleted"): "create"})

    # --- clocks ----------------------------------------------------------------------------

    def set_wall(self, index: int, wall_ms: int) -> None:
        self.replicas[index].wall_ms = max(wall_ms, 0)

    # --- delivery --------------------------------------------------------------------------

    def deliver(self, index: int, stamped: Iterable[Stamped], bump_clock: bool = True) -> None:
        replica = self.replicas[index]
        received = list(stamped)
        for s in received:
            replica.ops.setdefault(s.op.op_id, s)
        held: dict[str, set[int]] = defaultdict(set)
        for s in replica.ops.values():
            held[s.op.replica_id].add(s.op.seq)
        for rid, seqs in held.items():
            top = replica.vv.get(rid, 0)
            while top + 1 in seqs:
                top += 1
            replica.vv[rid] = top
        if bump_clock and received:
            highest = max(s.op.hlc for s in received)
            replica.last_hlc = max(replica.last_hlc, min(highest, pack(replica.wall_ms + 24 * HOUR_MS)))

    def selection(self, src: int, windows: Mapping[str, tuple[int, int]] | None) -> list[Stamped]:
        """What a file from ``src`` may carry: per replica, the held ops with ``lo < seq <= hi``."""
        ops = list(self.replicas[src].ops.values())
        if windows is None:
            return ops
        chosen = []
        for s in ops:
            lo, hi = windows.get(s.op.replica_id, (0, 0))
            if lo < s.op.seq <= hi:
                chosen.append(s)
        return chosen

    def sync(self, src: int, dst: int, windows: Mapping[str, tuple[int, int]] | None = None,
             bump_clock: bool = True) -> None:
        self.deliver(dst, self.selection(src, windows), bump_clock)

    def full_exchange(self) -> None:
        everything = list(self.all.values())
        for index in range(len(self.replicas)):
            self.deliver(index, everything)

    # --- causality -------------------------------------------------------------------------

    @staticmethod
    def freeze_for(row: str, record_ops: Mapping[str, Sequence[Op]]) -> Freeze | None:
        """The freeze of a row: every row of the model is covered by the record's sign-offs,
        the batches that set the record's status to « signed » (like ``sync.freeze``)."""
        points = tuple(dict(op.ctx_vv) for op in record_ops.get("status", ()) if op.value in FROZEN_VALUES)
        unique_points = tuple({json.dumps(p, sort_keys=True): p for p in points}.values())
        if not unique_points:
            return None
        if row == RECORD:
            return Freeze(unique_points, status_field="status", frozen_values=FROZEN_VALUES)
        return Freeze(unique_points, open_fields=CHILD_OPEN_FIELDS)


def seen(a: Op, b: Op) -> bool:
    """SYNC.md: ``a`` happened before ``b`` iff ``b.ctx_vv[a.replica] >= a.seq`` (a ≠ b)."""
    return a.op_id != b.op_id and b.ctx_vv.get(a.replica_id, 0) >= a.seq


def order(op: Op) -> tuple[int, str, str]:
    return op.hlc, op.replica_id, op.op_id


def dedupe(ops: Iterable[Op]) -> list[Op]:
    return list({op.op_id: op for op in ops}.values())


def brute_heads(ops: Iterable[Op]) -> list[Op]:
    """Ops no other op has seen, without any shortcut."""
    unique = dedupe(ops)
    return sorted((a for a in unique if not any(seen(a, b) for b in unique)), key=order)


def applies(freeze: Freeze | None, op: Op) -> bool:
    if freeze is None or not freeze.points:
        return True
    if op.field in freeze.open_fields:
        return True
    if any(vv.get(op.replica_id, 0) >= op.seq for vv in freeze.points):
        return True
    return op.field == freeze.status_field and op.value in freeze.frozen_values


@dataclass
class Expected:
    values: dict[str, str]
    winners: dict[str, str]
    conflicts: set[tuple[str, str, frozenset[str]]]      # (field, kind, head op ids)
    losers: set[tuple[str, str]]                          # (lost op id, winner op id)
    proposals: set[str]
    hidden: bool


def reference_merge(ops_by_field: Mapping[str, Sequence[Op]], policies: Mapping[str, Policy],
                    freeze: Freeze | None = None) -> Expected:
    """SYNC.md restated naively: what ``merge_row`` must compute for one row."""
    every = {name: dedupe(ops) for name, ops in ops_by_field.items()}
    applied = {name: [op for op in ops if applies(freeze, op)] for name, ops in every.items()}
    proposals = {h.op_id for ops in every.values() for h in brute_heads(ops) if not applies(freeze, h)}
    exp = Expected({}, {}, set(), set(), proposals, False)
    for name, ops in applied.items():
        top = brute_heads(ops)
        if not top:
            continue
        winner = top[-1]
        exp.values[name], exp.winners[name] = winner.value, winner.op_id
        if len({op.value for op in top}) > 1:
            if policies[name] is Policy.KEEP_BOTH:
                exp.conflicts.add((name, "value", frozenset(op.op_id for op in top)))
            elif policies[name] is Policy.LWW:
                exp.losers.update((op.op_id, winner.op_id) for op in top if op.value != winner.value)
    deleted_heads = brute_heads(applied.get("deleted", ()))
    tombstones = [op for op in deleted_heads if is_true(op.value)]
    if tombstones:
        unseen = [h for name, ops in applied.items() if name != "deleted" for h in brute_heads(ops)
                  if not any(seen(h, t) for t in tombstones)]
        revivals = [op for op in deleted_heads if not is_true(op.value)]
        if unseen or revivals:
            exp.values["deleted"] = FALSE
            exp.conflicts.add(("deleted", "delete_edit",
                               frozenset(op.op_id for op in tombstones + unseen + revivals)))
    if freeze is not None and "deleted" not in exp.values:
        unfrozen = reference_merge(ops_by_field, policies)
        unfrozen.values["deleted"] = TRUE
        return Expected(unfrozen.values, unfrozen.winners, set(), set(), proposals, True)
    return exp


def normalized(merged: RowMerge) -> dict:
    """A RowMerge as plain data, independent of the order fields were given in."""
    return {
        "values": dict(sorted(merged.values.items())),
        "winners": {name: op.op_id for name, op in sorted(merged.winners.items())},
        "conflicts": sorted((c.conflict_id, c.field, c.kind, tuple(op.op_id for op in c.heads))
                            for c in merged.conflicts),
        "losers": sorted((lost.op_id, won.op_id) for lost, won in merged.losers),
        "proposals": [op.op_id for op in merged.proposals],
        "hidden": merged.hidden,
    }


def as_expected(merged: RowMerge) -> Expected:
    return Expected(dict(merged.values), {name: op.op_id for name, op in merged.winners.items()},
                    {(c.field, c.kind, frozenset(op.op_id for op in c.heads)) for c in merged.conflicts},
                    {(lost.op_id, won.op_id) for lost, won in merged.losers},
                    {op.op_id for op in merged.proposals}, merged.hidden)

