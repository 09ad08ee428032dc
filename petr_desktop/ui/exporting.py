"""Export from the GUI: choose the file, produce it in the background (progress after
500 ms, « Annuler »), write it atomically, then offer « Ouvrir le fichier » / « Ouvrir le dossier »."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from ..exports.files import atomic_write_bytes
from ..services.errors import ServiceError, describe_os_error
from ..storage.errors import StorageError
from ..tasks.runner import Progress
from .context import AppContext

FOLDER_KEY = "exports/folder"


class Exporter:
    """Runs one export for a widget. Tests replace ``ask_path`` to skip the file dialog."""

    def __init__(self, context: AppContext, parent: QWidget) -> None:
        self.context = context
        self.parent = parent
        self.last_box: QMessageBox | None = None

    def folder(self) -> Path:
        default = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        return Path(self.context.settings.value(FOLDER_KEY, default) or default)

    def ask_path(self, title: str, suggested: str, file_filter: str) -> Path | None:
        chosen, _ = QFileDialog.getSaveFileName(self.parent, title, str(self.folder() / suggested), file_filter)
        return Path(chosen) if chosen else None

    def ask_certificate(self) -> tuple[Path | None, str | None]:
        """Which certificate signs a PDF (see ``export_menus.ask_certificate``)."""
        from .export_menus import ask_certificate

        return ask_certificate(self.parent)

    def export(self, title: str, suggested: str, file_filter: str,
               produce: Callable[[Progress], bytes]) -> None:
        """Ask where, then produce the bytes off the GUI thread and write them atomically."""
        self.export_to(title, suggested, file_filter, lambda path, progress: atomic_write_bytes(path, produce(progress)))

    def export_to(self, title: str, suggested: str, file_filter: str,
                  write: Callable[[Path, Progress], object]) -> None:
        """Ask where, then run ``write(path, progress)`` off the GUI thread (it writes atomically)."""
        path = self.ask_path(title, safe_file_name(suggested), file_filter)
        if path is None:
            return
        self.context.settings.setValue(FOLDER_KEY, str(path.parent))

        def run(progress: Progress) -> Path:
            write(path, progress)
            return path

        self.context.tasks.run_with_progress(self.parent, f"{title}…", run, self.show_done, self.show_error)

    def show_done(self, path: Path) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "Carnet PETR", f"Fichier enregistré :\n{path}",
                          parent=self.parent)
        open_file = box.addButton("Ouvrir le fichier", QMessageBox.ButtonRole.ActionRole)
        open_folder = box.addButton("Ouvrir le dossier", QMessageBox.ButtonRole.ActionRole)
        box.addButton("Fermer", QMessageBox.ButtonRole.RejectRole)
        open_file.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))
        open_folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent))))
        self.last_box = box
        box.open()

    def show_error(self, exc: BaseException) -> None:
        if isinstance(exc, OSError):
            message = f"Le fichier n'a pas été enregistré : {describe_os_error(exc)}."
        elif isinstance(exc, (ServiceError, StorageError, ValueError)):
            message = str(exc)
        else:
            raise exc
        QMessageBox.warning(self.parent, "Carnet PETR", message)


def safe_file_name(name: str) -> str:
    """A file name Windows accepts: no \\ / : * ? " < > |, no trailing dots or spaces."""
    cleaned = "".join("-" if c in '\\/:*?"<>|' else c for c in name).strip(" .")
    return cleaned or "export"
