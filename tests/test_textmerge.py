"""Paragraph-level three-way merge (sync/textmerge.py)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from petr_desktop.sync.textmerge import merge3, paragraphs

MARIE = "Marie Dupont, 28 novembre 2026 à 14:32"
THEO = "Théo Müller, 28 novembre 2026 à 14:35"


def text(*paras: str) -> str:
    return "\n\n".join(paras)


def conflict(a: list[str], b: list[str], label_a: str = "Version A", label_b: str = "Version B") -> list[str]:
    """The paragraphs a conflict renders to."""
    deleted = " (passage supprimé)"
    return [f"[Version A — {label_a}]" + ("" if a else deleted), *a,
            f"[Version B — {label_b}]" + ("" if b else deleted), *b]


# --- paragraphs -------------------------------------------------------------------------------------------

def test_paragraphs_split_on_blank_lines_and_keep_text_exactly():
    assert paragraphs("") == []
    assert paragraphs("\n \n\t\n") == []
    assert paragraphs("Une seule ligne") == ["Une seule ligne"]
    assert paragraphs("Ligne 1\nLigne 2  \n  retrait") == ["Ligne 1\nLigne 2  \n  retrait"]
    assert paragraphs("\n\nUn\n\n\n\nDeux\n   \nTrois\r\n\r\nQuatre\n") == ["Un", "Deux", "Trois", "Quatre"]


def test_output_separator_is_normalised():
    assert merge3("", "Un\n\n\n\nDeux\n \nTrois\n", "Un\n\n\n\nDeux\n \nTrois\n").text == "Un\n\nDeux\n\nTrois"


# --- trivial cases ----------------------------------------------------------------------------------------

def test_one_side_unchanged_takes_the_other():
    base = text("Ordre du jour", "Point 1", "Point 2")
    edited = text("Ordre du jour", "Point 1 : validé à l'unanimité", "Point 2", "Point 3 ajouté")
    for merged in (merge3(base, base, edited), merge3(base, edited, base)):
        assert merged.clean and merged.conflicts == 0
        assert merged.text == edited


def test_identical_edits_on_both_sides():
    base = text("Séance ouverte à 9 h 30.", "Présents : 12.")
    edited = text("Séance ouverte à 9 h 45.", "Présents : 12.", "Excusés : 3.")
    merged = merge3(base, edited, edited)
    assert merged.clean and merged.text == edited
    assert {c.kind for c in merged.chunks} == {"same", "both"}


# --- clean merges -----------------------------------------------------------------------------------------

def test_edits_of_different_paragraphs_are_combined():
    base = text("Introduction", "Budget", "Calendrier", "Divers")
    a = text("Introduction révisée", "Budget", "Calendrier", "Divers")
    b = text("Introduction", "Budget", "Calendrier : décalé d'un mois", "Divers", "Clôture à 12 h")
    merged = merge3(base, a, b)
    assert merged.clean
    assert merged.text == text("Introduction révisée", "Budget", "Calendrier : décalé d'un mois", "Divers",
                               "Clôture à 12 h")
    assert [c.kind for c in merged.chunks] == ["a", "same", "b", "same", "b"]


def test_deletion_of_an_untouched_paragraph_wins():
    base = text("Un", "Deux", "Trois")
    for merged in (merge3(base, text("Un", "Trois"), base), merge3(base, base, text("Un", "Trois")),
                   merge3(base, text("Un", "Trois"), text("Un", "Deux", "Trois", "Quatre"))):
        assert merged.clean
    assert merge3(base, text("Un", "Trois"), text("Un", "Deux", "Trois", "Quatre")).text == text("Un", "Trois",
                                                                                                   "Quatre")


# --- conflicts --------------------------------------------------------------------------------------------

def test_different_edits_of_the_same_paragraph_keep_both_with_labels():
    base = text("Contexte", "Le bureau est renouvelé.", "Fin")
    a = text("Contexte", "Le bureau est renouvelé en décembre.", "Fin")
    b = text("Contexte", "Le bureau est renouvelé ; élection le 3 décembre.", "Fin")
    merged = merge3(base, a, b, MARIE, THEO)
    assert merged.conflicts == 1 and not merged.clean
    assert merged.text == text("Contexte", *conflict(["Le bureau est renouvelé en décembre."],
                                                     ["Le bureau est renouvelé ; élection le 3 décembre."],
                                                     MARIE, THEO), "Fin")
    assert "[Version A — Marie Dupont, 28 novembre 2026 à 14:32]" in merged.text
    chunk = merged.chunks[1]
    assert chunk.kind == "conflict" and chunk.base == ("Le bureau est renouvelé.",)


def test_deleting_a_paragraph_the_other_side_modified_is_a_conflict():
    base = text("Un", "Deux", "Trois")
    merged = merge3(base, text("Un", "Trois"), text("Un", "Deux modifié", "Trois"))
    assert merged.conflicts == 1
    assert merged.text == text("Un", *conflict([], ["Deux modifié"]), "Trois")


def test_insertions_at_the_same_place():
    base = text("Début", "Fin")
    merged = merge3(base, text("Début", "Ajout de Marie", "Fin"), text("Début", "Ajout de Théo", "Fin"))
    assert merged.conflicts == 1
    assert merged.text == text("Début", *conflict(["Ajout de Marie"], ["Ajout de Théo"]), "Fin")
    same = merge3(base, text("Début", "Même ajout", "Fin"), text("Début", "Même ajout", "Fin"))
    assert same.clean and same.text == text("Début", "Même ajout", "Fin")


def test_text_created_concurrently_on_both_devices():
    assert merge3("", "Compte rendu", "Compte rendu").text == "Compte rendu"
    merged = merge3("", text("Notes de Marie", "Suite"), "Notes de Théo", MARIE, THEO)
    assert merged.conflicts == 1
    assert merged.text == text(*conflict(["Notes de Marie", "Suite"], ["Notes de Théo"], MARIE, THEO))


def test_several_conflicts_are_counted():
    base = text("Un", "Deux", "Trois")
    merged = merge3(base, text("Un A", "Deux", "Trois A"), text("Un B", "Deux", "Trois B"))
    assert merged.conflicts == 2
    assert [c.kind for c in merged.chunks] == ["conflict", "same", "conflict"]


# --- properties -------------------------------------------------------------------------------------------

WORDS = ["réunion", "séance", "élus", "bureau", "budget", "mobilité", "œuvre", "à", "été", "Noël", "PETR",
         "décision"]
paragraph = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join)
paragraph_lists = st.lists(paragraph, max_size=6)
separators = st.sampled_from(["\n\n", "\n\n\n", "\n \n", "\n\n\n\n"])


@st.composite
def texts(draw, paras=paragraph_lists):
    """A text with irregular blank lines between its paragraphs."""
    items = draw(paras)
    out = ""
    for index, item in enumerate(items):
        out += (draw(separators) if index else "") + item
    return out + draw(st.sampled_from(["", "\n", "\n\n"]))


def normalised(value: str) -> str:
    return "\n\n".join(paragraphs(value))


@st.composite
def with_insertions(draw, base: list[str]) -> list[str]:
    out = []
    for item in base + [None]:
        out += draw(st.lists(paragraph, max_size=2))
        if item is not None:
            out.append(item)
    return out


SETTINGS = settings(max_examples=200, deadline=None)


@SETTINGS
@given(texts())
def test_merging_a_text_with_itself(x):
    merged = merge3(x, x, x)
    assert merged.clean and merged.text == normalised(x)


@SETTINGS
@given(texts(), texts())
def test_one_side_unchanged_property(base, other):
    assert merge3(base, other, base).text == normalised(other)
    assert merge3(base, base, other).text == normalised(other)
    assert merge3(base, other, other).text == normalised(other)


@SETTINGS
@given(texts(), texts(), texts())
def test_conflict_count_is_symmetric(base, a, b):
    assert merge3(base, a, b).conflicts == merge3(base, b, a).conflicts


@SETTINGS
@given(st.data())
def test_nothing_is_dropped_when_nobody_deleted(data):
    base = data.draw(paragraph_lists)
    a, b = data.draw(with_insertions(base)), data.draw(with_insertions(base))
    merged = merge3(text(*base), text(*a), text(*b))
    kept = set(paragraphs(merged.text))
    assert set(a) <= kept and set(b) <= kept


def test_neighbouring_paragraphs_each_edited_on_one_side_merge_cleanly():
    base = "Premier.\n\nDeuxième."
    merged = merge3(base, "Premier revu par A.\n\nDeuxième.", "Premier.\n\nDeuxième complété par B.")
    assert merged.clean and merged.text == "Premier revu par A.\n\nDeuxième complété par B."
    both = merge3(base, "Premier A.\n\nDeuxième.", "Premier B.\n\nDeuxième B.")
    assert both.conflicts == 1 and "Deuxième B." in both.text and "Premier A." in both.text
