"""Global search over the full-text index."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlmodel import Session

from ..storage.database import raw_connection
from ..storage.fts import match_expression
from .uow import reading

#: French names of the kinds of indexed records.
KIND_LABELS = {
    "structure": "Structure", "regional_office": "Maison de Région", "person": "Contact",
    "meeting": "Réunion", "agenda_item": "Point de l'ordre du jour", "minutes": "Relevé d'échange",
    "decision": "Décision", "action": "Action", "sheet_answer": "Fiche (réponse)",
    "evaluation_sheet": "Fiche évaluative", "indicator": "Indicateur", "action_plan_item": "Plan d'actions",
    "sheet_project": "Projet", "diversification_lead": "Piste de diversification", "amendment": "Rectificatif",
}


#: kind -> SQL giving a short French context (where the record belongs) from its id.
_MEETING_OF = "(SELECT m.title FROM meeting m WHERE m.id = {})"
_SHEET_OF = ("(SELECT s.name || ' — fiche ' || e.year FROM evaluation_sheet e "
             "JOIN structure s ON s.id = e.structure_id WHERE e.id = {})")
CONTEXT_SQL = {
    "structure": "SELECT seat_town FROM structure WHERE id = ?",
    "regional_office": "SELECT sites FROM regional_office WHERE id = ?",
    "person": "SELECT organisation_name FROM person WHERE id = ?",
    "meeting": "SELECT coalesce((SELECT name FROM structure s WHERE s.id = structure_id), '') || ' ' || "
               "coalesce(meeting_date, '') FROM meeting WHERE id = ?",
    "agenda_item": f"SELECT {_MEETING_OF.format('meeting_id')} FROM agenda_item WHERE id = ?",
    "minutes": f"SELECT {_MEETING_OF.format('meeting_id')} FROM minutes WHERE id = ?",
    "decision": "SELECT m.title FROM decision d JOIN minutes r ON r.id = d.minutes_id "
                "JOIN meeting m ON m.id = r.meeting_id WHERE d.id = ?",
    "action": "SELECT m.title FROM action a JOIN minutes r ON r.id = a.minutes_id "
              "JOIN meeting m ON m.id = r.meeting_id WHERE a.id = ?",
    "evaluation_sheet": f"SELECT {_SHEET_OF.format('id')} FROM evaluation_sheet WHERE id = ?",
    "amendment": "SELECT 'Relevé ' || root_id FROM amendment WHERE id = ?",
}
for _kind in ("sheet_answer", "indicator", "action_plan_item", "sheet_project", "diversification_lead"):
    CONTEXT_SQL[_kind] = f"SELECT {_SHEET_OF.format('sheet_id')} FROM {_kind} WHERE id = ?"


@dataclass(frozen=True)
class SearchHit:
    kind: str
    record_id: str
    title: str
    excerpt: str
    context: str = ""

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def as_dict(self) -> dict[str, str]:
        return {"type": self.kind_label, "table": self.kind, "id": self.record_id,
                "titre": self.title, "contexte": self.context, "extrait": self.excerpt}


def _plain(text: str) -> str:
    """Lower case without accents or ligatures, one output character per input character."""
    return "".join((unicodedata.normalize("NFKD", c)[:1] if c not in "œŒæÆ" else "o").lower() for c in text)


def _excerpt(body: str, query: str, width: int = 100) -> str:
    """A window of the original text around the first word of the query."""
    text = " ".join(body.split())
    words = re.findall(r"\w+", query)
    position = _plain(text).find(_plain(words[0])) if words else -1
    start = max(0, position - width // 3) if position > 0 else 0
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
    hits = []
    for kind, record_id, title, body in rows:
        found = conn.execute(CONTEXT_SQL[kind], (record_id,)).fetchone() if kind in CONTEXT_SQL else None
        hits.append(SearchHit(kind, record_id, title, _excerpt(body, query), (found[0] or "") if found else ""))
    return hits
