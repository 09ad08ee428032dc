"""Tableau de bord: what to follow today (upcoming meetings, overdue actions, relevés to validate)
and the balance of a chosen year over the structures: a table per structure, the grid of the
30 × 3 sheets coloured by status, key figures and bar charts drawn with QPainter (no QtCharts)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter
from PySide6.QtWidgets import (QComboBox, QFrame, QGridLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QScrollArea, QSizePolicy, QStackedWidget, QTabBar, QVBoxLayout,
                               QWidget)

from ...domain.enums import ActionStatus, MeetingKind, SheetKind, SheetStatus
from ...domain.values import NNBSP, format_amount, format_date, format_date_short
from ...services import dashboard
from ...services.dashboard import KINDS, MISSING, StructureYear, YearDashboard
from ..export_menus import build_dashboard_menu
from ..exporting import Exporter
from ..icons import icon
from ..models import SORT_ROLE, RowsModel
from ...reports import sheet_status_colours
from ..widgets.tables import make_table, source_row
from .base import Page

OVERDUE_BRUSH = QBrush(QColor("#b3261e"))
#: Grid colours of the sheet statuses, (background, text): the same as the PDF, Excel and PowerPoint exports.
STATUS_COLOURS = {status: ("#" + c["fill"], "#" + c["text"]) for status, c in sheet_status_colours().items()}
SERIES = ("#2F6E9F", "#8FB8DE")
TAB_KEY = "dashboard/tab"
YEAR_KEY = "dashboard/year"


def status_label(status: str) -> str:
    return "Non ouverte" if status == MISSING else SheetStatus(status).label


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def thousands(value: float) -> str:
    """k€ on a chart: « 65 », « 32,5 »."""
    text = f"{value:,.1f}".replace(",", NNBSP).replace(".", ",")
    return text.removesuffix(",0")


def _ratio(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}{NNBSP}%" if whole else "—"


# --- Today -------------------------------------------------------------------------------------

class UpcomingModel(RowsModel):
    columns = (("Date", lambda m: format_date_short(m.meeting_date)),
               ("Type", lambda m: MeetingKind(m.kind).label),
               ("Réunion", lambda m: m.title))


class OverdueModel(RowsModel):
    columns = (("Échéance", lambda a: format_date_short(a.due_on)),
               ("Structure", lambda a: a.structure_name),
               ("Action", lambda a: f"{a.label} — {a.text}"),
               ("Responsable", lambda a: a.owner_name),
               ("Statut", lambda a: ActionStatus(a.status).label))

    def extra_data(self, row, column, role):
        if role == Qt.ItemDataRole.ForegroundRole and column == 0:
            return OVERDUE_BRUSH
        return None


# --- The year ------------------------------------------------------------------------------------

class StructureYearModel(RowsModel[StructureYear]):
    """One line per structure; numbers sort as numbers."""

    columns = (("Structure", lambda r: r.name),
               ("Maison de Région", lambda r: r.regional_office_name),
               ("Dialogues tenus / programmés", lambda r: f"{r.dialogues_held} / {r.dialogues_planned}"),
               ("Voté", lambda r: format_amount(r.voted_cents)),
               ("Versé", lambda r: format_amount(r.paid_cents)),
               ("Reste à verser", lambda r: format_amount(r.remaining_cents)),
               ("Actions en retard", lambda r: str(r.overdue_actions)))
    NUMBERS = {2: lambda r: (r.dialogues_held, r.dialogues_planned), 3: lambda r: r.voted_cents,
               4: lambda r: r.paid_cents, 5: lambda r: r.remaining_cents, 6: lambda r: r.overdue_actions}

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if index.isValid() and role == SORT_ROLE and index.column() in self.NUMBERS:
            value = self.NUMBERS[index.column()](self.rows[index.row()])
            return value[0] * 1000 + value[1] if isinstance(value, tuple) else value
        return super().data(index, role)

    def extra_data(self, row, column, role):
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 2:
            horizontal = Qt.AlignmentFlag.AlignCenter if column == 2 else Qt.AlignmentFlag.AlignRight
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == 6 and row.overdue_actions:
            return OVERDUE_BRUSH
        return None


class SheetGridModel(RowsModel[StructureYear]):
    """The 30 × 3 grid: a line per structure, a column per sheet kind, coloured by status."""

    columns = (("Structure", lambda r: r.name),
               *((SheetKind(k).label, lambda r, k=k: status_label(r.sheet_status(k))) for k in KINDS))

    def status_at(self, row: int, column: int) -> str | None:
        return self.rows[row].sheet_status(KINDS[column - 1]) if column >= 1 else None

    def extra_data(self, row, column, role):
        if column == 0:
            return None
        status = row.sheet_status(KINDS[column - 1])
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(QColor(STATUS_COLOURS.get(status, STATUS_COLOURS[MISSING])[0]))
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor(STATUS_COLOURS.get(status, STATUS_COLOURS[MISSING])[1]))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    values: tuple[float, ...]


class BarChart(QWidget):
    """Horizontal bars, one group per category, drawn with QPainter; French title and legend.
    ``colours`` (one per category) colours a single series bar by bar (legend = categories)."""

    ROW = 17

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.categories: list[str] = []
        self.series: list[Series] = []
        self.colours: list[str] = []
        self.value_text = lambda v: f"{v:.0f}"
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_data(self, title: str, categories: list[str], series: list[Series], colours: list[str] | None = None,
                 value_text=None) -> None:
        self.title, self.categories, self.series, self.colours = title, categories, series, colours or []
        if value_text:
            self.value_text = value_text
        self.setFixedHeight(self.sizeHint().height())
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        top = 44 if self._legend() else 26
        return QSize(520, int(top + self._group_height() * max(1, len(self.categories)) + 10))

    def _group_height(self) -> float:
        return max(self.ROW, 11 * len(self.series) + 6)

    def _legend(self) -> list[tuple[str, str]]:
        return [] if self.colours else [(s.name, s.colour) for s in self.series]

    def paintEvent(self, _event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = painter.fontMetrics()
        bold = QFont(painter.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(QColor("#1f3a5f"))
        painter.drawText(QRectF(0, 0, self.width(), 20), Qt.AlignmentFlag.AlignLeft, self.title)
        painter.setFont(self.font())
        x = 0.0
        legend = self._legend()
        for name, colour in legend:
            painter.fillRect(QRectF(x, 26, 10, 10), QColor(colour))
            painter.setPen(QColor("#1a1a1a"))
            painter.drawText(QRectF(x + 14, 22, 200, 18), Qt.AlignmentFlag.AlignVCenter, name)
            x += 24 + metrics.horizontalAdvance(name)
        top = 44.0 if legend else 26.0
        label_width = min(self.width() * 0.38, max((metrics.horizontalAdvance(c) for c in self.categories),
                                                   default=0) + 8)
        left, right = label_width + 6, self.width() - 60.0
        highest = max((v for s in self.series for v in s.values), default=0) or 1
        group = self._group_height()
        bar = (group - 4) / max(1, len(self.series))
        painter.setPen(QColor("#9aa5b1"))
        painter.drawLine(int(left), int(top), int(left), int(top + group * len(self.categories)))
        small = QFont(self.font())
        small.setPointSizeF(max(6.0, small.pointSizeF() * 0.85))
        for row, category in enumerate(self.categories):
            y = top + row * group
            painter.setPen(QColor("#1a1a1a"))
            painter.drawText(QRectF(0, y, label_width, group), Qt.AlignmentFlag.AlignRight |
                             Qt.AlignmentFlag.AlignVCenter, metrics.elidedText(category, Qt.TextElideMode.ElideRight,
                                                                               int(label_width)))
            for index, series in enumerate(self.series):
                value = series.values[row]
                width = (right - left) * value / highest
                colour = self.colours[row] if self.colours else series.colour
                rect = QRectF(left + 1, y + 2 + index * bar, max(width, 0), bar - 1)
                painter.fillRect(rect, QColor(colour))
                painter.setPen(QColor("#5f6b7a"))
                painter.setFont(small)
                painter.drawText(QRectF(rect.right() + 4, rect.top() - 3, 58, bar + 6), Qt.AlignmentFlag.AlignLeft |
                                 Qt.AlignmentFlag.AlignVCenter, self.value_text(value))
                painter.setFont(self.font())
        painter.end()


class KeyFigure(QFrame):
    """A big number and what it counts."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("key_figure")
        self.setStyleSheet("#key_figure { background: #f2f5f8; border: 1px solid #c9d2dc; border-radius: 6px; }")
        self.value = QLabel("—", self)
        self.value.setStyleSheet("font-size: 13pt; font-weight: bold; color: #1f3a5f; border: none;")
        self.caption = QLabel(caption, self)
        self.caption.setStyleSheet("color: #5f6b7a; border: none;")
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)

    def set_value(self, text: str, alert: bool = False, caption: str | None = None) -> None:
        self.value.setText(text)
        if caption is not None:
            self.caption.setText(caption)
        colour = "#b3261e" if alert else "#1f3a5f"
        self.value.setStyleSheet(f"font-size: 13pt; font-weight: bold; color: {colour}; border: none;")


FIGURES = (("structures", "structures suivies"), ("dialogues", "dialogues de gestion tenus / programmés"),
           ("sheets", "fiches validées / attendues"), ("voted", "montant voté"), ("paid", "montant versé"),
           ("remaining", "reste à verser"), ("overdue", "actions en retard"))


def figure_values(data: YearDashboard) -> dict[str, str]:
    return {"structures": str(len(data.rows)),
            "dialogues": f"{data.total('dialogues_held')} / {data.total('dialogues_planned')}",
            "sheets": f"{data.sheets_validated} / {data.sheets_expected}",
            "voted": format_amount(data.total("voted_cents")),
            "paid": format_amount(data.total("paid_cents")),
            "remaining": format_amount(data.total("remaining_cents")),
            "overdue": str(data.total("overdue_actions"))}


# --- The page --------------------------------------------------------------------------------------

class DashboardPage(Page):

    def __init__(self, context, parent=None) -> None:
        super().__init__(context, parent)
        self.year_data: YearDashboard | None = None
        self._asked_year: int | None = None
        self.heading = QLabel(self)
        self.heading.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.figures = QLabel(self)
        self.figures.setWordWrap(True)
        self.tabs = QTabBar(self)
        self.tabs.setDrawBase(False)
        self.tabs.setExpanding(False)
        self.stack = QStackedWidget(self)
        self.structure_model = StructureYearModel(self)
        self.structure_view = make_table(self.structure_model, self, sortable=True)
        header = self.structure_view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for column in (0, 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.structure_view.activated.connect(self._open_structure_row)
        self.structure_view.setToolTip("Double-cliquez sur une structure pour ouvrir son dossier")
        for title, widget in (("À suivre", self._today_tab()), ("Par structure", self.structure_view),
                              ("Fiches évaluatives", self._grid_tab()), ("Graphiques", self._charts_tab())):
            self.tabs.addTab(title)
            self.stack.addWidget(widget)
        self.year_panel = self._year_panel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.figures)
        layout.addWidget(self.tabs)
        layout.addWidget(self.year_panel)
        layout.addWidget(self.stack, 1)
        self.tabs.setCurrentIndex(int(self.context.settings.value(TAB_KEY, 0) or 0) % self.tabs.count())
        self.tabs.currentChanged.connect(self._tab_changed)
        self._tab_changed(self.tabs.currentIndex())

    # Building
    def _today_tab(self) -> QWidget:
        widget = QWidget(self)
        self.upcoming = UpcomingModel(self)
        self.overdue = OverdueModel(self)
        upcoming_view = make_table(self.upcoming, widget)
        overdue_view = make_table(self.overdue, widget)
        upcoming_view.activated.connect(
            lambda i: self.context.bus.open_record.emit("meeting", self.upcoming.rows[i.row()].id))
        overdue_view.activated.connect(
            lambda i: self.context.bus.open_record.emit("action", self.overdue.rows[i.row()].id))
        grid = QGridLayout(widget)
        for column, (title, view) in enumerate((("Prochaines réunions", upcoming_view),
                                                ("Actions en retard", overdue_view))):
            box = QGroupBox(title, widget)
            QVBoxLayout(box).addWidget(view)
            grid.addWidget(box, 0, column)
        return widget

    def _year_panel(self) -> QWidget:
        panel = QWidget(self)
        self.year_box = QComboBox(panel)
        self.year_box.setObjectName("dashboard_year")
        self.year_box.setToolTip("Exercice présenté par les onglets « Par structure », « Fiches évaluatives » "
                                 "et « Graphiques »")
        self.year_box.currentIndexChanged.connect(self._year_changed)
        self.exporter = Exporter(self.context, self)
        self.export_button = QPushButton(icon("export"), "Exporter", panel)
        self.export_button.setMenu(build_dashboard_menu(self.context, self, self.exporter, self.selected_year))
        self.key_figures = {key: KeyFigure(caption, panel) for key, caption in FIGURES}
        top = QHBoxLayout()
        top.addWidget(QLabel("Exercice :", panel))
        top.addWidget(self.year_box)
        self.year_state = QLabel(panel)
        self.year_state.setStyleSheet("color: #5f6b7a;")
        top.addWidget(self.year_state, 1)
        top.addWidget(self.export_button)
        figures = QHBoxLayout()
        for tile in self.key_figures.values():
            figures.addWidget(tile, 1)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(figures)
        return panel

    def _grid_tab(self) -> QWidget:
        widget = QWidget(self)
        self.grid_model = SheetGridModel(self)
        self.grid_view = make_table(self.grid_model, widget)
        self.grid_view.setSelectionBehavior(self.grid_view.SelectionBehavior.SelectItems)
        self.grid_view.setAlternatingRowColors(False)
        self.grid_view.setShowGrid(True)
        header = self.grid_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid_view.activated.connect(self._open_grid_cell)
        self.grid_view.setToolTip("Double-cliquez sur une fiche pour l'ouvrir, sur un nom pour ouvrir le dossier")
        self.legend = QHBoxLayout()
        self.legend_labels: dict[str, QLabel] = {}
        for status, (colour, text) in STATUS_COLOURS.items():
            label = QLabel(status_label(status), widget)
            label.setStyleSheet(f"background: {colour}; color: {text}; padding: 3px 8px; border-radius: 3px;")
            self.legend_labels[status] = label
            self.legend.addWidget(label)
        self.legend.addStretch(1)
        layout = QVBoxLayout(widget)
        layout.addLayout(self.legend)
        layout.addWidget(self.grid_view, 1)
        return widget

    def _charts_tab(self) -> QWidget:
        area = QScrollArea(self)
        area.setWidgetResizable(True)
        inner = QWidget(area)
        self.sheets_chart = BarChart("Fiches évaluatives par statut", inner)
        self.money_chart = BarChart("Montants votés et versés par structure (k€)", inner)
        self.dialogues_chart = BarChart("Dialogues de gestion tenus et programmés", inner)
        layout = QGridLayout(inner)
        layout.addWidget(self.sheets_chart, 0, 0, 1, 2)
        layout.addWidget(self.money_chart, 1, 0)
        layout.addWidget(self.dialogues_chart, 1, 1)
        layout.setRowStretch(2, 1)
        area.setWidget(inner)
        return area

    # Loading
    def selected_year(self) -> int:
        value = self.year_box.currentData()
        return int(value) if value is not None else date.today().year

    def activate(self) -> None:
        wanted = self._asked_year or int(self.context.settings.value(YEAR_KEY, date.today().year) or 0)

        def read():
            years = dashboard.dashboard_years(self.db)
            year = wanted if wanted in years else date.today().year
            return dashboard.load(self.db), years, dashboard.year_dashboard(self.db, year)

        self.context.tasks.run(read, self._show_all)

    def _show_all(self, result) -> None:
        today, years, year_data = result
        self._show(today)
        self.year_box.blockSignals(True)
        self.year_box.clear()
        for year in years:
            self.year_box.addItem(str(year), year)
        self.year_box.setCurrentIndex(max(0, self.year_box.findData(year_data.year)))
        self.year_box.blockSignals(False)
        self._asked_year = year_data.year
        self.show_year(year_data)

    def _show(self, data: dashboard.Dashboard) -> None:
        self.heading.setText(f"Tableau de bord — {format_date(data.today)}")
        statuses = ", ".join(f"{_lower_first(SheetStatus(status).label)} : {count}"
                             for status, count in sorted(data.sheets_by_status.items())) or "aucune"
        self.figures.setText(
            f"{len(data.upcoming)} réunion(s) prévue(s) · {data.open_actions} action(s) ouverte(s), dont "
            f"{len(data.overdue)} en retard · {data.minutes_to_validate} relevé(s) à valider · "
            f"fiches {data.sheets_year} — {statuses}")
        self.upcoming.set_rows(data.upcoming)
        self.overdue.set_rows(data.overdue)

    def _year_changed(self, _index: int) -> None:
        year = self.selected_year()
        self._asked_year = year
        self.context.settings.setValue(YEAR_KEY, year)
        self.year_state.setText("Chargement…")
        self.context.tasks.run(lambda: dashboard.year_dashboard(self.db, year), self._year_loaded)

    def _year_loaded(self, data: YearDashboard) -> None:
        if data.year == self._asked_year:        # a slower, older answer is dropped
            self.show_year(data)

    def show_year(self, data: YearDashboard) -> None:
        self.year_data = data
        self.year_state.setText(f"{len(data.rows)} structures — actions en retard au {format_date(data.today)}")
        values = figure_values(data)
        for key, tile in self.key_figures.items():
            tile.set_value(values[key], alert=key == "overdue" and data.total("overdue_actions") > 0)
        self.key_figures["paid"].set_value(values["paid"], caption=f"montant versé — "
                                           f"{_ratio(data.total('paid_cents'), data.total('voted_cents'))} du voté")
        self.structure_model.set_rows(data.rows)
        self.grid_model.set_rows(data.rows)
        counts = data.sheet_statuses
        for status, label in self.legend_labels.items():
            label.setText(f"{status_label(status)} : {counts.get(status, 0)}")
        names = [r.name for r in data.rows]
        shown = [s for s in STATUS_COLOURS if counts.get(s)] or [MISSING]
        self.sheets_chart.set_data(f"Fiches évaluatives {data.year} par statut ({data.sheets_expected} attendues)",
                                   [status_label(s) for s in shown],
                                   [Series("Fiches", "#2f6e9f", tuple(counts.get(s, 0) for s in shown))],
                                   [STATUS_COLOURS[s][0] for s in shown])
        self.money_chart.set_data(f"Montants {data.year} votés et versés par structure (k€)", names,
                                  [Series("Voté", SERIES[0], tuple(r.voted_cents / 100_000 for r in data.rows)),
                                   Series("Versé", SERIES[1], tuple(r.paid_cents / 100_000 for r in data.rows))],
                                  value_text=thousands)
        self.dialogues_chart.set_data(f"Dialogues de gestion {data.year} tenus et programmés", names,
                                      [Series("Tenus", SERIES[0], tuple(r.dialogues_held for r in data.rows)),
                                       Series("Programmés", SERIES[1],
                                              tuple(r.dialogues_planned for r in data.rows))])

    # Behaviour
    def _tab_changed(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        self.year_panel.setVisible(index > 0)
        self.context.settings.setValue(TAB_KEY, index)

    def _open_structure_row(self, index) -> None:
        row = self.structure_model.rows[source_row(self.structure_view, index)]
        self.context.bus.open_record.emit("structure", row.structure_id)

    def _open_grid_cell(self, index) -> None:
        """A sheet cell opens its sheet (or, never opened, the structure's dossier); a name, the dossier."""
        row = self.grid_model.rows[index.row()]
        cell = row.sheets.get(KINDS[index.column() - 1]) if index.column() >= 1 else None
        if cell is not None:
            self.context.bus.open_record.emit("evaluation_sheet", cell.id)
        else:
            self.context.bus.open_record.emit("structure", row.structure_id)
