"""PDF documents (reportlab): relevé, fiche évaluative, dossier, briefing, Commission report.

The functions return the PDF bytes (callers write them through ``exports.files``). This module
imports nothing heavy: reportlab is loaded on the first call.
"""
from __future__ import annotations

from typing import Any


def minutes_pdf(db: Any, minutes_id: str) -> bytes:
    """Relevé d'échange; « PROJET » until signed."""
    from .minutes import minutes_pdf as make

    return make(db, minutes_id)


def sheet_pdf(db: Any, sheet_id: str) -> bytes:
    """Fiche évaluative; « PROJET » until validated."""
    from .sheet import sheet_pdf as make

    return make(db, sheet_id)


def dossier_pdf(db: Any, structure_id: str) -> bytes:
    """Dossier of a structure: identity, money, every sheet and relevé, open actions."""
    from .dossier import dossier_pdf as make

    return make(db, structure_id)


def briefing_pdf(db: Any, meeting_id: str) -> bytes:
    """One-page note before a meeting."""
    from .briefing import briefing_pdf as make

    return make(db, meeting_id)


def commission_pdf(db: Any, year: int) -> bytes:
    """Yearly report to the 8ᵉ Commission « Territoires » over the structures, with charts."""
    from .commission import commission_pdf as make

    return make(db, year)


def prepare() -> None:
    """Load reportlab and the embedded fonts now (about 0.3 s once per process), e.g. from a
    background task after start-up, so that the first export answers at once."""
    from .base import paragraph_styles

    paragraph_styles()


__all__ = ["minutes_pdf", "sheet_pdf", "dossier_pdf", "briefing_pdf", "commission_pdf", "prepare"]
