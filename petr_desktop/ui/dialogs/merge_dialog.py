"""« Arbitrer un conflit »: a long text edited on two devices at once, resolved by the user.

Shows the common ancestor and both versions, and pre-fills an editable text with the paragraph merge
of ``sync.textmerge``; conflicting passages appear twice behind « [Version A — …] » markers, and
« Valider » is refused until none is left.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QKeySequence, QShortcut, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import (QDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
                               QSplitter, QVBoxLayout, QWidget)

from ...sync.textmerge import merge3
from ..widgets.buttons import accept_cancel

ERROR_COLOR = "#b3261e"
OK_COLOR = "#1b6e34"
MARKER_LINE = re.compile(r"^\[Version ([AB]) — ", re.MULTILINE)


@dataclass(frozen=True)
class MergeSide:
    value: str
    author: str  # "MD Marie Dupont"
    when: str  # already formatted: "28 novembre 2026 à 14:32"
    device: str  # "Portable de Marie"

    @property
    def label(self) -> str:
        return f"{self.author}, {self.when}"


@dataclass(frozen=True)
class MergeData:
    title: str  # "Relevé du 12 novembre 2026 — Synthèse"
    base: str  # common ancestor, "" if none
    a: MergeSide
    b: MergeSide


def conflicts_left(text: str) -> int:
    """Conflicting passages still marked in ``text`` (a marker pair, or a lone marker the user kept)."""
    sides = [m.group(1) for m in MARKER_LINE.finditer(text)]
    return max(sides.count("A"), sides.count("B"))


class MarkerHighlighter(QSyntaxHighlighter):
    """Conflict marker lines in bold red."""

    def __init__(self, document) -> None:
        super().__init__(document)
        self.marker = QTextCharFormat()
        self.marker.setForeground(QColor(ERROR_COLOR))
        self.marker.setFontWeight(QFont.Weight.Bold)

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt override)
        if MARKER_LINE.match(text):
            self.setFormat(0, len(text), self.marker)


def _column(parent: QWidget, title: str, text: str, name: str) -> tuple[QWidget, QPlainTextEdit]:
    box = QWidget(parent)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    label = QLabel(title, box)
    label.setWordWrap(True)
    label.setStyleSheet("font-weight: bold;")
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom)
    label.setMinimumHeight(2 * label.fontMetrics().lineSpacing() + 4)  # the three texts stay aligned
    edit = QPlainTextEdit(box)
    edit.setObjectName(name)
    edit.setReadOnly(True)
    edit.setPlainText(text)
    edit.setStyleSheet("QPlainTextEdit { background: #f5f5f3; }")
    label.setBuddy(edit)
    layout.addWidget(label)
    layout.addWidget(edit, 1)
    return box, edit


class MergeDialog(QDialog):
    def __init__(self, parent: QWidget | None, data: MergeData) -> None:
        super().__init__(parent)
        self.data = data
        self.suggestion = merge3(data.base, data.a.value, data.b.value, data.a.label, data.b.label)
        self.setObjectName("merge_dialog")
        self.setWindowTitle("Arbitrer un conflit")
        self.resize(1100, 700)

        title = QLabel(data.title, self)
        title.setWordWrap(True)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        title.setFont(font)
        explanation = QLabel("Ce texte a été modifié sur deux postes en même temps. Rien n'est perdu : "
                             "comparez, corrigez la proposition, puis validez.", self)
        explanation.setWordWrap(True)

        columns = QSplitter(Qt.Orientation.Horizontal)
        sides = (("Version d'origine", data.base, "mergeBase"),
                 (f"Version A — {data.a.label} ({data.a.device})", data.a.value, "mergeA"),
                 (f"Version B — {data.b.label} ({data.b.device})", data.b.value, "mergeB"))
        edits = []
        for heading, text, name in sides:
            box, edit = _column(columns, heading, text, name)
            columns.addWidget(box)
            edits.append(edit)
        self.base_view, self.a_view, self.b_view = edits
        columns.setChildrenCollapsible(False)

        bottom = QWidget()
        self.result_edit = QPlainTextEdit(bottom)
        self.result_edit.setObjectName("mergeResult")
        self.highlighter = MarkerHighlighter(self.result_edit.document())
        result_label = QLabel("Texte retenu (modifiable)", bottom)
        result_label.setStyleSheet("font-weight: bold;")
        result_label.setBuddy(self.result_edit)
        self.keep_a = QPushButton("Garder A", bottom)
        self.keep_a.setObjectName("keepA")
        self.keep_a.setToolTip(f"Reprendre la version A telle quelle ({data.a.label})")
        self.keep_b = QPushButton("Garder B", bottom)
        self.keep_b.setObjectName("keepB")
        self.keep_b.setToolTip(f"Reprendre la version B telle quelle ({data.b.label})")
        self.suggest = QPushButton("Proposition de fusion", bottom)
        self.suggest.setObjectName("suggest")
        self.suggest.setToolTip("Revenir à la fusion proposée (les modifications faites ici sont remplacées)")
        self.status = QLabel(bottom)
        self.status.setObjectName("mergeStatus")
        self.status.setWordWrap(True)
        head = QHBoxLayout()
        head.addWidget(result_label, 1)
        for button in (self.keep_a, self.keep_b, self.suggest):
            head.addWidget(button)
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addLayout(head)
        bottom_layout.addWidget(self.result_edit, 1)
        bottom_layout.addWidget(self.status)

        panes = QSplitter(Qt.Orientation.Vertical, self)
        panes.addWidget(columns)
        panes.addWidget(bottom)
        panes.setChildrenCollapsible(False)
        panes.setSizes([300, 400])

        self.buttons = accept_cancel(self, "Valider", self.try_accept)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.try_accept)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(explanation)
        layout.addSpacing(6)
        layout.addWidget(panes, 1)
        layout.addWidget(self.buttons)

        self.keep_a.clicked.connect(lambda: self.set_result(data.a.value))
        self.keep_b.clicked.connect(lambda: self.set_result(data.b.value))
        self.suggest.clicked.connect(lambda: self.set_result(self.suggestion.text))
        self.result_edit.textChanged.connect(self._update_status)
        self.set_result(self.suggestion.text)
        self.result_edit.setFocus()

    def result_text(self) -> str:
        return self.result_edit.toPlainText()

    @property
    def choice(self) -> str:
        """``a`` or ``b`` when the text is one version unchanged, else ``merged``."""
        text = self.result_text()
        for name, side in (("a", self.data.a), ("b", self.data.b)):
            if text == side.value.replace("\r\n", "\n"):
                return name
        return "merged"

    def set_result(self, text: str) -> None:
        self.result_edit.setPlainText(text)

    def _show(self, message: str, color: str, bold: bool = False) -> None:
        self.status.setText(message)
        self.status.setStyleSheet(f"color: {color};" + (" font-weight: bold;" if bold else ""))

    def _update_status(self) -> None:
        text = self.result_text()
        left = conflicts_left(text)
        if left:
            passages = "1 passage en conflit" if left == 1 else f"{left} passages en conflit"
            self._show(f"{passages} : les deux versions sont reprises, à vous de choisir", ERROR_COLOR)
        elif text == self.suggestion.text and self.suggestion.clean:
            self._show("Fusion automatique sans conflit", OK_COLOR)
        elif self.choice != "merged":
            self._show(f"Version {self.choice.upper()} reprise telle quelle", OK_COLOR)
        else:
            self._show("Texte prêt à être validé", OK_COLOR)

    def try_accept(self) -> None:
        if conflicts_left(self.result_text()):
            self._show("Impossible de valider : il reste des lignes « [Version A — …] » ou "
                       "« [Version B — …] ». Gardez le bon passage et supprimez ces lignes.", ERROR_COLOR, bold=True)
            return
        self.accept()
