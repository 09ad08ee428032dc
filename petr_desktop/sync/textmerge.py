"""Paragraph-level three-way merge of a long text edited on two devices at once.

Never fuzzy patching: the unit is the paragraph (separated by blank lines), compared exactly. Regions
that only one side changed take that side; identical changes are taken once; different changes to the
same region become a conflict, rendered as both versions one after the other behind marker paragraphs
(``[Version A — label]``) that the user must resolve. Nothing typed on either side is dropped, except
a paragraph that one side left untouched and the other deleted.
"""
from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

SEPARATOR = "\n\n"
MARKER = "[Version {side} — {label}]"
DELETED = " (passage supprimé)"


@dataclass(frozen=True)
class Chunk:
    kind: str  # "same" | "a" (from A only) | "b" (from B only) | "both" (identical change) | "conflict"
    base: tuple[str, ...]
    a: tuple[str, ...]
    b: tuple[str, ...]


@dataclass(frozen=True)
class MergeSuggestion:
    text: str
    chunks: tuple[Chunk, ...]
    conflicts: int

    @property
    def clean(self) -> bool:
        return self.conflicts == 0


def paragraphs(text: str) -> list[str]:
    """Runs of non-blank lines; a whitespace-only line separates paragraphs and is not kept."""
    result: list[str] = []
    current: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip():
            current.append(line)
        elif current:
            result.append("\n".join(current))
            current = []
    if current:
        result.append("\n".join(current))
    return result


def _matches(base: list[str], other: list[str]) -> dict[int, int]:
    """Base index → index in ``other`` of the paragraphs the two share (an increasing mapping)."""
    matcher = SequenceMatcher(None, base, other, autojunk=False)
    return {i + k: j + k for i, j, size in matcher.get_matching_blocks() for k in range(size)}


def _unstable(base: list[str], a: list[str], b: list[str]) -> list[Chunk]:
    if a == base:
        kind = "b"
    elif b == base:
        kind = "a"
    elif a == b:
        kind = "both"
    elif len(base) == len(a) == len(b) > 1:
        # Neighbouring paragraphs each edited in place: merge them one by one.
        return [chunk for triple in zip(base, a, b) for chunk in _unstable(*([p] for p in triple))]
    else:
        kind = "conflict"
    return [Chunk(kind, tuple(base), tuple(a), tuple(b))]


def _chunks(base: list[str], a: list[str], b: list[str]) -> list[Chunk]:
    """Classic diff3: base paragraphs kept by both sides are stable, the regions between them are not."""
    in_a, in_b = _matches(base, a), _matches(base, b)
    stable = [i for i in range(len(base)) if i in in_a and i in in_b]
    chunks: list[Chunk] = []
    i = j = k = 0
    for s in stable + [len(base)]:
        if s < i:  # already swallowed by a run of unchanged paragraphs
            continue
        end_a, end_b = (in_a[s], in_b[s]) if s < len(base) else (len(a), len(b))
        if (i, j, k) != (s, end_a, end_b):
            chunks.extend(_unstable(base[i:s], a[j:end_a], b[k:end_b]))
            i, j, k = s, end_a, end_b
        run = 0
        while i + run < len(base) and in_a.get(i + run) == j + run and in_b.get(i + run) == k + run:
            run += 1
        if run:
            same = tuple(base[i:i + run])
            chunks.append(Chunk("same", same, same, same))
            i, j, k = i + run, j + run, k + run
    return chunks


def _render(chunk: Chunk, label_a: str, label_b: str) -> list[str]:
    if chunk.kind in ("same", "a", "both"):
        return list(chunk.a)
    if chunk.kind == "b":
        return list(chunk.b)
    out: list[str] = []
    for side, label, texts in (("A", label_a, chunk.a), ("B", label_b, chunk.b)):
        out.append(MARKER.format(side=side, label=label) + ("" if texts else DELETED))
        out.extend(texts)
    return out


def merge3(base: str, a: str, b: str, label_a: str = "Version A", label_b: str = "Version B") -> MergeSuggestion:
    """Suggest a merge of ``a`` and ``b``, both derived from ``base`` (``""`` when created concurrently)."""
    chunks = tuple(_chunks(paragraphs(base), paragraphs(a), paragraphs(b)))
    text = SEPARATOR.join(p for chunk in chunks for p in _render(chunk, label_a, label_b))
    return MergeSuggestion(text, chunks, sum(chunk.kind == "conflict" for chunk in chunks))
