"""Shared fixtures. Qt runs offscreen; every test gets its own home folder."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
#: Hypothesis runs derandomized everywhere (CI and here): a failure is the same on every run, and
#: every failing example found is kept as an ``@example`` beside its test.
settings.register_profile("fixed", derandomize=True, database=None, deadline=None, print_blob=True)
settings.load_profile("fixed")

from petr_desktop.services import demo, reference  # noqa: E402
from petr_desktop.storage.database import Database  # noqa: E402
from petr_desktop.storage.migrations import open_database  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("PETR_DESKTOP_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def reference_db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the reference data, made once; tests open copies (50 ms instead of 800)."""
    path = tmp_path_factory.mktemp("reference") / "reference.sqlite"
    database = open_database(path)
    reference.load_reference(database)
    database.close()
    return path


@pytest.fixture
def db(reference_db_file: Path, tmp_path: Path) -> Database:
    """A fresh database with the reference data (a copy: it takes its own replica id)."""
    path = tmp_path / "test.sqlite"
    shutil.copy(reference_db_file, path)
    database = open_database(path)
    yield database
    database.close()


@pytest.fixture
def empty_db(tmp_path: Path) -> Database:
    database = open_database(tmp_path / "empty.sqlite")
    yield database
    database.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    database = open_database(path)
    demo.generate(database)
    database.close()
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Database:
    """A copy of the demo database (generated once per session)."""
    path = tmp_path / "demo.sqlite"
    shutil.copy(demo_template, path)
    database = open_database(path)
    yield database
    database.close()


def type_text(widget, text: str) -> None:
    """Type text one character at a time: QTest.keyClicks aborts on non-ASCII characters."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    for char in text:
        QTest.sendKeyEvent(QTest.KeyAction.Click, widget, Qt.Key.Key_unknown, char,
                           Qt.KeyboardModifier.NoModifier)


@pytest.fixture
def make_context(tmp_path: Path):
    """Build an AppContext over a database; background tasks run inline (synchronous)."""
    def build(database: Database):
        from petr_desktop.tasks.runner import TaskRunner
        from petr_desktop.ui.context import AppContext, Bus, make_settings

        return AppContext(database, make_settings(tmp_path / "settings.ini"), TaskRunner(synchronous=True), Bus())
    return build


@pytest.fixture
def make_window(qtbot, make_context):
    """Build a shown MainWindow over a database."""
    def build(database: Database):
        from petr_desktop.ui.main_window import MainWindow

        window = MainWindow(make_context(database))
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window
    return build


@pytest.fixture
def main_window(demo_db, make_window):
    return make_window(demo_db)


@pytest.fixture(autouse=True)
def message_boxes(monkeypatch):
    """Modal message boxes would block a test forever: record them instead.

    ``question`` answers Yes unless a test sets ``message_boxes.answer``.
    """
    from PySide6.QtWidgets import QMessageBox

    class Recorder(list):
        answer = QMessageBox.StandardButton.Yes

    shown = Recorder()

    def recorder(kind):
        def show(_parent, _title, text, *args, **kwargs):
            shown.append((kind, text))
            return shown.answer if kind == "question" else QMessageBox.StandardButton.Ok
        return staticmethod(show)

    for kind in ("information", "warning", "critical", "question"):
        monkeypatch.setattr(QMessageBox, kind, recorder(kind))
    return shown
