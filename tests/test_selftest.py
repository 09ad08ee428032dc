"""The self-test (`python -m petr_desktop.selftest`, `CarnetPETR --self-test` in the frozen
build): database created and migrated, PDF and Excel written, French lines, exit code."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from petr_desktop import selftest

LINES = ("Base créée et migrée", "Données de référence chargées", "Réunion et relevé créés",
         "PDF écrit (", "Excel écrit (", "Autotest réussi")


def test_runs_in_process(tmp_path: Path, capsys) -> None:
    assert selftest.run(tmp_path / "autotest") == 0
    out = capsys.readouterr().out
    for line in LINES:
        assert line in out, line
    assert (tmp_path / "autotest" / "releve-autotest.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "autotest" / "commission-autotest.xlsx").read_bytes().startswith(b"PK")


def test_runs_as_a_module(tmp_path: Path) -> None:
    env = dict(os.environ, PETR_DESKTOP_HOME=str(tmp_path / "home"), PYTHONIOENCODING="utf-8")
    result = subprocess.run([sys.executable, "-m", "petr_desktop.selftest"], capture_output=True,
                            text=True, encoding="utf-8", env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    for line in LINES:
        assert line in result.stdout, line
    assert not (tmp_path / "home").exists()          # nothing written in the user's home


def test_failure_is_reported_in_french(tmp_path: Path, capsys, monkeypatch) -> None:
    from petr_desktop.services import exports

    def broken(*args, **kwargs):
        raise OSError("disque plein")

    monkeypatch.setattr(exports, "export_commission", broken)
    assert selftest.run(tmp_path) == 1
    captured = capsys.readouterr()
    assert "PDF écrit" in captured.out
    assert "Autotest en échec" in captured.err and "disque plein" in captured.err
