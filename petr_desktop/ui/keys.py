"""The keyboard shortcuts: one registry that installs them and writes the F1 panel, so the panel
can never say what the keyboard does not do.

``install(widget, name, slot)`` binds a registered shortcut; ``TypingKeys`` lets a screen's
shortcuts win over the text bindings of its editors (on Linux, a focused text area takes Ctrl+D
« delete the next character » and Ctrl+Shift+A « deselect » before any shortcut), makes Tab and
Shift+Tab leave a text area, and keeps Ctrl+Tab to type a tab character."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from .page_list import PAGES


@dataclass(frozen=True)
class Key:
    name: str
    #: Portable sequences (Qt's text form: « Ctrl+Shift+A »); the first is the one shown on buttons.
    sequences: tuple[str, ...]
    label: str
    #: Where it works, in French (« Partout », « Mode réunion »…).
    scope: str


EVERYWHERE, MEETING, LISTS, FORMS = "Partout", "Mode réunion", "Listes", "Formulaires et dialogues"

KEYS: tuple[Key, ...] = (
    Key("search", ("Ctrl+K",), "Rechercher partout", EVERYWHERE),
    Key("page", tuple(f"Ctrl+{n}" for n in range(1, len(PAGES) + 1)),
        "Aller à une page de la navigation (" + ", ".join(p.title for p in PAGES) + ")", EVERYWHERE),
    Key("help", ("F1",), "Afficher cette aide", EVERYWHERE),
    Key("new_meeting", ("Ctrl+N",), "Nouvelle réunion (page Réunions)", EVERYWHERE),
    Key("open_row", ("Return",), "Ouvrir la ligne sélectionnée (réunions, structures, actions, résultats)",
        LISTS),
    Key("next_field", ("Tab", "Shift+Tab"), "Champ suivant / précédent, y compris depuis une zone de texte",
        FORMS),
    Key("tab_char", ("Ctrl+Tab",), "Insérer une tabulation dans une zone de texte", FORMS),
    Key("accept", ("Ctrl+Return",), "Valider le dialogue (décision, action, contact…)", FORMS),
    Key("save", ("Ctrl+S",), "Enregistrer maintenant (la saisie est aussi enregistrée automatiquement)", FORMS),
    Key("decision", ("Ctrl+D", "Alt+D"), "Ajouter une décision", MEETING),
    Key("action", ("Ctrl+Shift+A", "Alt+A"), "Ajouter une action", MEETING),
    Key("previous_item", ("Alt+Up",), "Point précédent de l'ordre du jour", MEETING),
    Key("next_item", ("Alt+Down",), "Point suivant de l'ordre du jour", MEETING),
    Key("submit", ("Ctrl+Shift+V",), "Soumettre le relevé pour validation", MEETING),
    Key("sign", ("Ctrl+Shift+S",), "Signer le relevé", MEETING),
    Key("to_draft", ("Ctrl+Shift+B",), "Revenir au brouillon", MEETING),
    Key("amendment", ("Ctrl+Shift+R",), "Ajouter un rectificatif (relevé signé)", MEETING),
    Key("export_minutes", ("Ctrl+E",), "Exporter le relevé (PDF signé / courriel)", MEETING),
    Key("leave", ("Escape",), "Quitter le mode réunion", MEETING),
)
_BY_NAME = {key.name: key for key in KEYS}

_FRENCH = (("Shift", "Maj"), ("Return", "Entrée"), ("Escape", "Échap"), ("Up", "Haut"), ("Down", "Bas"))


def key(name: str) -> Key:
    return _BY_NAME[name]


def french(sequence: str) -> str:
    """« Ctrl+Shift+A » → « Ctrl+Maj+A »: the keys as a French keyboard user reads them."""
    for english, words in _FRENCH:
        sequence = "+".join(words if part == english else part for part in sequence.split("+"))
    return sequence


def shown(name: str) -> str:
    """How the panel and the buttons show a shortcut: « Ctrl+1 … Ctrl+9 », « Ctrl+D ou Alt+D »."""
    sequences = [french(s) for s in key(name).sequences]
    if len(sequences) > 2:
        return f"{sequences[0]} … {sequences[-1]}"
    return " ou ".join(sequences) if name != "next_field" else " / ".join(sequences)


def install(widget: QWidget, name: str, slot: Callable[[], object],
            context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetWithChildrenShortcut) -> list[QShortcut]:
    """Bind every sequence of a registered shortcut to ``slot`` on ``widget``."""
    return [QShortcut(QKeySequence(sequence), widget, activated=slot, context=context)
            for sequence in key(name).sequences]


class TypingKeys(QObject):
    """An event filter for the text areas of a screen (install it with ``watch``)."""

    def __init__(self, names: tuple[str, ...], parent: QObject) -> None:
        super().__init__(parent)
        self._winning = {QKeySequence(sequence) for name in names for sequence in key(name).sequences}

    def watch(self, editor: QWidget) -> None:
        if isinstance(editor, (QPlainTextEdit, QTextEdit)):
            editor.setTabChangesFocus(True)
        editor.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind == QEvent.Type.ShortcutOverride:
            # Filtered out, the override stays unaccepted: the screen's shortcut takes the key.
            return QKeySequence(event.keyCombination()) in self._winning
        if (kind == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Tab
                and event.modifiers() == Qt.KeyboardModifier.ControlModifier
                and isinstance(watched, (QPlainTextEdit, QTextEdit)) and not watched.isReadOnly()):
            watched.insertPlainText("\t")
            return True
        return False

