"""The layering rules of DESIGN.md §4, enforced."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "petr_desktop"
QT_ALLOWED = {"ui", "tasks"}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_pyside6_only_in_ui_and_tasks():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        part = path.relative_to(PACKAGE).parts[0]
        if part in QT_ALLOWED:
            continue
        if any(name.split(".")[0] in ("PySide6", "shiboken6") for name in _imports(path)):
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []


def test_rule_catches_an_offender(tmp_path: Path):
    """The scanner itself sees a PySide6 import (so the rule above can fail)."""
    sample = tmp_path / "x.py"
    sample.write_text("def f():\n    from PySide6.QtWidgets import QWidget\n")
    assert "PySide6.QtWidgets" in _imports(sample)


def test_lower_layers_do_not_import_services_or_ui():
    for layer in ("domain", "storage", "sync"):
        for path in (PACKAGE / layer).rglob("*.py"):
            text = path.read_text("utf-8")
            assert "from ..services" not in text and "from ..ui" not in text, path


def test_domain_has_no_io():
    for path in (PACKAGE / "domain").rglob("*.py"):
        names = _imports(path)
        assert not names & {"sqlite3", "os", "pathlib", "importlib.resources"}, path


def test_heavy_modules_are_not_imported_at_start_up():
    code = ("import sys, petr_desktop.app, petr_desktop.cli, petr_desktop.storage.migrations, "
            "petr_desktop.services.search; "
            "print(sorted(m for m in ('alembic', 'reportlab', 'openpyxl', 'pyhanko', 'PySide6') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
