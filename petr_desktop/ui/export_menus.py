"""The « Exporter » menus: global reports and tables, a relevé, a sheet, a structure.

Each entry asks for a file, then runs the export service in the background (progress after
500 ms, « Annuler ») through ``ui.exporting.Exporter``. Export libraries load only then.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMenu, QMessageBox, QWidget

from ..services import exports
from .context import AppContext
from .exporting import Exporter

PDF = "Document PDF (*.pdf)"
XLSX = "Classeur Excel (*.xlsx)"
ZIP = "Archive zip (*.zip)"


def _table(name: str) -> Callable:
    def produce(db) -> bytes:
        from ..exports import excel
        return getattr(excel, name)(db)
    return produce


def _with_current(current: Callable[[], tuple | None], run: Callable[[tuple], object]) -> Callable[[], None]:
    """A menu entry acting on the record on screen, when there is one."""
    def act() -> None:
        shown = current()
        if shown:
            run(shown)
    return act


def build_global_menu(context: AppContext, parent: QWidget, exporter: Exporter) -> QMenu:
    """Reports over the 30 structures, the follow-up tables, every dossier."""
    menu = QMenu("Exporter", parent)
    db = context.db
    for year in (date.today().year, date.today().year - 1):
        for suffix, file_filter in (("pdf", PDF), ("xlsx", XLSX)):
            label = f"Rapport {year} pour la 8ᵉ Commission ({'PDF' if suffix == 'pdf' else 'Excel'})…"
            menu.addAction(label, lambda y=year, s=suffix, f=file_filter: exporter.export_to(
                f"Rapport {y} pour la 8ᵉ Commission", f"Rapport Commission {y}.{s}", f,
                lambda path, _progress: exports.export_commission(db, y, path)))
    dashboards = menu.addMenu("Tableau de bord et support de présentation")
    for year in (date.today().year, date.today().year - 1):
        if dashboards.actions():
            dashboards.addSeparator()
        add_dashboard_entries(dashboards, db, exporter, lambda y=year: y, with_year=True)
    for year in (date.today().year, date.today().year - 1):     # beside the Tableau de bord submenu
        add_finance_entries(menu, db, exporter, lambda y=year: y)
    menu.addSeparator()
    for label, name, file_name in (("Suivi financier (Excel)…", "finance_xlsx", "Suivi financier.xlsx"),
                                   ("Actions à suivre (Excel)…", "actions_xlsx", "Actions.xlsx"),
                                   ("Indicateurs des fiches (Excel)…", "indicators_xlsx", "Indicateurs.xlsx")):
        menu.addAction(label, lambda n=name, t=label, f=file_name: exporter.export(
            t.removesuffix("…"), f, XLSX, lambda _progress: _table(n)(db)))
    menu.addSeparator()
    menu.addAction("Dossiers des 30 structures (zip)…", lambda: exporter.export_to(
        "Dossiers des 30 structures", "Dossiers des structures.zip", ZIP,
        lambda path, progress: exports.export_dossier(db, path, None, report=progress.report,
                                                      cancelled=lambda: progress.cancelled)))
    return menu


PPTX = "Présentation PowerPoint (*.pptx)"


def add_dashboard_entries(menu: QMenu, db, exporter: Exporter, year: Callable[[], int],
                          with_year: bool = False) -> None:
    """The Tableau de bord of ``year()`` as PDF and Excel, and the Commission's slides; the labels
    name the year when ``with_year`` (global menu), else they act on the year on screen."""
    def entry(label: str, title: str, file_name: str, file_filter: str, export: Callable) -> None:
        def act() -> None:
            y = year()
            exporter.export_to(title.format(year=y), file_name.format(year=y), file_filter,
                               lambda path, _progress: export(db, y, path))
        menu.addAction(label.format(year=f" {year()}" if with_year else ""), act)

    entry("Tableau de bord{year} (PDF)…", "Tableau de bord {year}", "Tableau de bord {year}.pdf", PDF,
          exports.export_dashboard)
    entry("Tableau de bord{year} (Excel)…", "Tableau de bord {year}", "Tableau de bord {year}.xlsx", XLSX,
          exports.export_dashboard)
    entry("Support de présentation{year} pour la Commission (PowerPoint)…", "Support de présentation {year}",
          "Pays-PETR — bilan {year}.pptx", PPTX, exports.export_presentation)


FINANCE_FILTERS = f"{PDF};;{XLSX}"


def finance_title(year: int) -> str:
    return f"Suivi financier {year}"


def add_finance_entries(menu: QMenu, db, exporter: Exporter, year: Callable[[], int],
                        with_year: bool = True) -> None:
    """« Suivi financier {année} » (per structure and aid line, and the applications) as PDF and Excel;
    without ``with_year`` the labels act on the year on screen."""
    for kind, suffix, file_filter in (("PDF", "pdf", PDF), ("Excel", "xlsx", XLSX)):
        def act(s: str = suffix, f: str = file_filter) -> None:
            y = year()
            exporter.export_to(finance_title(y), f"{finance_title(y)}.{s}", f,
                               lambda path, _progress: exports.export_finance(db, y, path))
        menu.addAction(f"{finance_title(year()) if with_year else 'Suivi financier'} ({kind})…", act)


def export_finance(db, exporter: Exporter, year: int) -> None:
    """Ask for a .pdf or .xlsx file, then write the « Suivi financier » of ``year`` in it."""
    exporter.export_to(finance_title(year), f"{finance_title(year)}.pdf", FINANCE_FILTERS,
                       lambda path, _progress: exports.export_finance(db, year, path))


def build_dashboard_menu(context: AppContext, parent: QWidget, exporter: Exporter,
                         year: Callable[[], int]) -> QMenu:
    """Exports of the year shown on the Tableau de bord."""
    menu = QMenu("Exporter", parent)
    add_dashboard_entries(menu, context.db, exporter, year)
    return menu


def build_minutes_menu(context: AppContext, parent: QWidget, exporter: Exporter,
                       current: Callable[[], tuple[str, str, str, bool] | None]) -> QMenu:
    """Exports of the relevé on screen; ``current()`` gives (minutes id, meeting id, title, signed)."""
    menu = QMenu("Exporter", parent)
    db = context.db

    def relevé(extension: str, file_filter: str, label: str) -> Callable[[], None]:
        return _with_current(current, lambda shown: exporter.export_to(
            label, exports.minutes_file_name(shown[2], extension), file_filter,
            lambda path, _p: exports.export_minutes(db, shown[0], path)))

    briefing = _with_current(current, lambda shown: exporter.export_to(
        "Note de préparation", f"Note de préparation — {shown[2]}.pdf", PDF,
        lambda path, _p: exports.export_briefing(db, shown[1], path)))

    def signed() -> None:
        export_signed_minutes(context, parent, exporter, current, with_email=False)

    menu.addAction("Relevé (PDF)…", relevé("pdf", PDF, "Relevé d'échange (PDF)"))
    menu.addAction("Relevé (Word)…", relevé("docx", "Document Word (*.docx)", "Relevé d'échange (Word)"))
    menu.addAction("Courriel aux participants (.eml)…",
                   relevé("eml", "Brouillon de courriel (*.eml)", "Courriel du relevé"))
    menu.addAction("Note de préparation de la réunion (PDF)…", briefing)
    menu.addSeparator()
    menu.addAction("PDF signé du relevé…", signed)
    return menu


def export_signed_minutes(context: AppContext, parent: QWidget, exporter: Exporter,
                          current: Callable[[], tuple[str, str, str, bool] | None], with_email: bool = True) -> None:
    """The signed PDF of the relevé on screen; ``with_email`` also writes, beside it, the courriel
    to the participants (.eml, same name): « Exporter le relevé (PDF signé / courriel) »."""
    shown = current()
    if not shown:
        return
    if not shown[3]:
        QMessageBox.information(parent, "Carnet PETR", "Signez d'abord le relevé : le PDF signé en porte le visa.")
        return
    certificate, passphrase = exporter.ask_certificate()
    db = context.db

    def write(path: Path, _progress) -> None:
        exports.export_signed_minutes(db, shown[0], path, certificate, passphrase)
        if with_email:
            exports.export_minutes(db, shown[0], path.with_suffix(".eml"))

    title = "PDF signé du relevé et courriel" if with_email else "PDF signé du relevé"
    exporter.export_to(title, exports.minutes_file_name(shown[2] + " (signé)", "pdf"), PDF, write)


def ask_certificate(parent: QWidget) -> tuple[Path | None, str | None]:
    """Which certificate signs: the personal one (passphrase), a .p12 file, or the visa only."""
    choices = ["Mon certificat personnel", "Un fichier de certificat (.p12)…", "Visa visible seulement"]
    choice, ok = QInputDialog.getItem(parent, "Signature électronique", "Signer avec :", choices, 0, False)
    if not ok or choice == choices[2]:
        return None, None
    certificate = None
    if choice == choices[1]:
        chosen, _ = QFileDialog.getOpenFileName(parent, "Certificat", "", "Certificat PKCS#12 (*.p12 *.pfx)")
        if not chosen:
            return None, None
        certificate = Path(chosen)
    passphrase, ok = QInputDialog.getText(parent, "Signature électronique", "Mot de passe du certificat :",
                                          QLineEdit.EchoMode.Password)
    return certificate, passphrase if ok else None


def build_sheet_menu(context: AppContext, parent: QWidget, exporter: Exporter,
                     current: Callable[[], tuple[str, str, int, str, str] | None],
                     after_import: Callable[[], None]) -> QMenu:
    """Exports of the sheet on screen; ``current()`` gives (sheet id, structure id, year, kind, title)."""
    menu = QMenu("Exporter", parent)
    db = context.db

    pdf = _with_current(current, lambda shown: exporter.export_to(
        "Fiche (PDF)", f"{shown[4]}.pdf", PDF, lambda path, _p: exports.export_sheet(db, shown[0], path)))
    template = _with_current(current, lambda shown: exporter.export_to(
        "Modèle Excel de la fiche", f"{shown[4]} — à compléter.xlsx", XLSX,
        lambda path, _p: exports.export_sheet_template(db, shown[1], shown[2], shown[3], path)))

    def import_workbook() -> None:
        chosen, _ = QFileDialog.getOpenFileName(parent, "Importer une fiche Excel", str(exporter.folder()), XLSX)
        if chosen:
            import_sheet_file(context, parent, Path(chosen), after_import)

    menu.addAction("Fiche (PDF)…", pdf)
    menu.addAction("Modèle Excel à envoyer au PETR…", template)
    menu.addAction("Importer une fiche Excel remplie…", import_workbook)
    return menu


def import_sheet_file(context: AppContext, parent: QWidget, path: Path, after: Callable[[], None]) -> None:
    """Import a filled workbook in the background; every problem is listed, nothing applied then."""
    def done(report) -> None:
        if report.problems:
            QMessageBox.warning(parent, "Carnet PETR", "Rien n'a été importé :\n" + "\n".join(report.problems[:40])
                                + ("\n…" if len(report.problems) > 40 else ""))
            return
        context.notify_saved()
        QMessageBox.information(parent, "Carnet PETR", f"Fiche importée : {report.changed_fields} champ(s) modifié(s).")
        after()

    exporter = Exporter(context, parent)
    context.tasks.run_with_progress(parent, "Import de la fiche…", lambda _p: exports.import_sheet(context.db, path),
                                    done, exporter.show_error)


def build_structure_menu(context: AppContext, parent: QWidget, exporter: Exporter,
                         current: Callable[[], tuple[str, str] | None]) -> QMenu:
    """Exports of the structure on screen; ``current()`` gives (structure id, name)."""
    menu = QMenu("Exporter", parent)
    db = context.db

    pdf = _with_current(current, lambda shown: exporter.export_to(
        "Dossier de la structure (PDF)", f"Dossier {shown[1]}.pdf", PDF,
        lambda path, _p: exports.export_structure_pdf(db, shown[0], path)))
    archive = _with_current(current, lambda shown: exporter.export_to(
        "Dossier complet (zip)", f"Dossier {shown[1]}.zip", ZIP,
        lambda path, progress: exports.export_dossier(db, path, [shown[0]], report=progress.report,
                                                      cancelled=lambda: progress.cancelled)))

    menu.addAction("Dossier (PDF)…", pdf)
    menu.addAction("Dossier complet : PDF et tableaux (zip)…", archive)
    return menu
