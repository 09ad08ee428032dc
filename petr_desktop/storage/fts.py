"""Full-text index (FTS5) over the data, kept in step by triggers.

``search_doc`` (local, derived) holds one document per indexed record; ``search_fts``
indexes a *folded* copy of it: FTS5's ``unicode61 remove_diacritics 2`` removes accents,
and we fold the ligatures œ/æ ourselves (SQLite does not), on indexing and on query.
Everything is plain SQL so any writer — app, importer, a migration — keeps the index true.
"""
from __future__ import annotations

import re
import sqlite3
import unicodedata

#: table -> (title expression, body expression) over the row alias ``{r}``.
SOURCES: dict[str, tuple[str, str]] = {
    "structure": ("{r}.name", "{r}.name || ' ' || {r}.seat_town || ' ' || {r}.departments || ' ' || "
                  "{r}.president || ' ' || {r}.director || ' ' || {r}.notes"),
    "regional_office": ("{r}.name", "{r}.name || ' ' || {r}.sites"),
    "person": ("{r}.full_name", "{r}.full_name || ' ' || {r}.function || ' ' || "
               "{r}.organisation_name || ' ' || {r}.email"),
    "meeting": ("{r}.title", "{r}.title || ' ' || {r}.place"),
    "agenda_item": ("{r}.title", "{r}.title || ' ' || {r}.notes"),
    "minutes": ("'Relevé d''échange'", "{r}.summary || ' ' || {r}.vigilance_points || ' ' || {r}.next_steps"),
    "decision": ("'D' || {r}.number", "{r}.text || ' ' || {r}.scope"),
    "action": ("'A' || {r}.number", "{r}.text || ' ' || {r}.owner_name || ' ' || {r}.owner_organisation"),
    "sheet_answer": ("{r}.field_key",
                     "CASE WHEN json_valid({r}.value) AND json_type({r}.value) = 'text' "
                     "THEN json_extract({r}.value, '$') ELSE '' END"),
    "evaluation_sheet": ("'Fiche ' || {r}.year",
                         "{r}.region_comment || ' ' || {r}.regional_office_opinion || ' ' || "
                         "{r}.expert_opinion || ' ' || {r}.reduction_reason"),
    "indicator": ("{r}.name", "{r}.name || ' ' || {r}.unit || ' ' || {r}.comment"),
    "action_plan_item": ("{r}.action", "{r}.action || ' ' || {r}.description || ' ' || {r}.owner"),
    "sheet_project": ("{r}.title", "{r}.title || ' ' || {r}.project_owner || ' ' || {r}.regional_funding"),
    "diversification_lead": ("{r}.lead", "{r}.lead || ' ' || {r}.owner"),
    "amendment": ("'Rectificatif ' || {r}.number", "{r}.reason || ' ' || {r}.body"),
}

_LIGATURES = (("œ", "oe"), ("Œ", "OE"), ("æ", "ae"), ("Æ", "AE"))


def sql_fold(expr: str) -> str:
    """SQL expression folding the ligatures of ``expr`` (FTS5 handles case and accents)."""
    for char, plain in _LIGATURES:
        expr = f"replace({expr}, '{char}', '{plain}')"
    return expr


def fold(text: str) -> str:
    """Python twin of the indexing fold, applied to queries."""
    for char, plain in _LIGATURES:
        text = text.replace(char, plain)
    return text


DDL = [
    "CREATE TABLE IF NOT EXISTS search_doc ("
    " id INTEGER PRIMARY KEY, kind TEXT NOT NULL, record_id TEXT NOT NULL,"
    " title TEXT NOT NULL DEFAULT '', body TEXT NOT NULL DEFAULT '')",
    "CREATE UNIQUE INDEX IF NOT EXISTS ix_search_doc_record ON search_doc(kind, record_id)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    " title, body, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS trg_search_doc_ins AFTER INSERT ON search_doc BEGIN"
    f" INSERT INTO search_fts(rowid, title, body) VALUES"
    f" (NEW.id, {sql_fold('NEW.title')}, {sql_fold('NEW.body')}); END",
    "CREATE TRIGGER IF NOT EXISTS trg_search_doc_del AFTER DELETE ON search_doc BEGIN"
    " DELETE FROM search_fts WHERE rowid = OLD.id; END",
]


def _doc_select(table: str, alias: str) -> str:
    title, body = SOURCES[table]
    return (f"SELECT '{table}', {alias}.id, coalesce({title.format(r=alias)}, ''), "
            f"coalesce({body.format(r=alias)}, '')")


def source_triggers(table: str) -> list[str]:
    refresh = (f"DELETE FROM search_doc WHERE kind = '{table}' AND record_id = NEW.id; "
               f"INSERT INTO search_doc(kind, record_id, title, body) "
               f"{_doc_select(table, 'NEW')} WHERE NEW.deleted = 0;")
    return [f"CREATE TRIGGER IF NOT EXISTS trg_{table}_search_{event} AFTER {event.upper()} ON {table} "
            f"BEGIN {refresh} END" for event in ("insert", "update")]


def install(conn: sqlite3.Connection) -> None:
    """Create the index and its triggers, and index what is already there."""
    for ddl in DDL:
        conn.execute(ddl)
    for table in SOURCES:
        for ddl in source_triggers(table):
            conn.execute(ddl)
    rebuild(conn)


def expected_docs_sql() -> str:
    return " UNION ALL ".join(f"{_doc_select(t, 't')} FROM {t} AS t WHERE t.deleted = 0" for t in SOURCES)


def rebuild(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM search_doc")
    conn.execute(f"INSERT INTO search_doc(kind, record_id, title, body) {expected_docs_sql()}")


def check(conn: sqlite3.Connection) -> list[str]:
    """Problems of the index, in French; empty when it matches the data exactly."""
    problems = []
    try:
        conn.execute("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')")
    except sqlite3.DatabaseError as exc:
        problems.append(f"index plein texte endommagé : {exc}")
    missing = conn.execute(
        f"SELECT count(*) FROM (SELECT * FROM ({expected_docs_sql()}) "
        f"EXCEPT SELECT kind, record_id, title, body FROM search_doc)"
    ).fetchone()[0]
    extra = conn.execute(
        f"SELECT count(*) FROM (SELECT kind, record_id, title, body FROM search_doc "
        f"EXCEPT SELECT * FROM ({expected_docs_sql()}))"
    ).fetchone()[0]
    if missing:
        problems.append(f"index plein texte incomplet : {missing} enregistrement(s) manquant(s)")
    if extra:
        problems.append(f"index plein texte périmé : {extra} entrée(s) en trop")
    docs = conn.execute("SELECT count(*) FROM search_doc").fetchone()[0]
    indexed = conn.execute("SELECT count(*) FROM search_fts").fetchone()[0]
    if docs != indexed:
        problems.append(f"index plein texte désynchronisé : {docs} documents, {indexed} indexés")
    return problems


_TOKEN = re.compile(r"\w+", re.UNICODE)


def match_expression(query: str) -> str | None:
    """FTS5 MATCH expression of a user query: every word, as a prefix, all required."""
    tokens = _TOKEN.findall(unicodedata.normalize("NFC", fold(query)))
    if not tokens:
        return None
    return " AND ".join(f'"{token}"*' for token in tokens)
