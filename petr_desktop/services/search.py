"""Global search over the full-text index."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session

from ..storage.database import raw_connection
from ..storage.fts import fold, match_expression
from .uow import reading

#: French names of the kinds of indexed records.
KIND_LABELS = {
    "structure": "Structure", "regional_office": "Maison de Région", "person": "Contact",
    "meeting": "Réunion", "agenda_item": "Point de l'ordre du jour", "minutes": "Relevé d'échange",
    "decision": "Décision", "action": "Action", "sheet_answer": "Fiche (réponse)",
    "evaluation_sheet": "Fiche évaluative", "indicator": "Indicateur", "action_plan_item": "Plan d'actions",
    "sheet_project": "Projet", "diversification_lead": "Piste de diversification", "amendment": "Rectificatif",
}


@dataclass(frozen=True)
class SearchHit:
    kind: str
    record_id: str
    title: str
    excerpt: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def as_dict(self) -> dict[str, str]:
        return {"type": self.kind_label, "table": self.kind, "id": self.record_id,
                "titre": self.title, "extrait": self.excerpt}


def _excerpt(body: str, query: str, width: int = 90) -> str:
    """A window of the original text around the first word of the query."""
    text = " ".join(body.split())
    words = re.findall(r"\w+", fold(query))
    import unicodedata

    def plain(s: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFKD", fold(s)) if not unicodedata.combining(c)).lower()

    haystack = plain(text)
    position = haystack.find(plain(words[0])) if words else -1
    if len(haystack) != len(text):      # folding changed lengths: fall back to the start
        position = -1
    start = max(0, position - width // 3) if position >= 0 else 0
    snippet = text[start:start + width]
    return ("…" if start else "") + snippet + ("…" if start + width < len(text) else "")


@reading
def search(session: Session, query: str, limit: int = 50) -> list[SearchHit]:
    expression = match_expression(query)
    if expression is None:
        return []
    conn = raw_connection(session)
    rows = conn.execute(
        "SELECT d.kind, d.record_id, d.title, d.body FROM search_fts f JOIN search_doc d ON d.id = f.rowid "
        "WHERE search_fts MATCH ? ORDER BY f.rank LIMIT ?", (expression, limit)).fetchall()
    return [SearchHit(kind, record_id, title, _excerpt(body, query)) for kind, record_id, title, body in rows]
