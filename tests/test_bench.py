"""The benchmark runs and reports every figure (its numbers are read by people, not asserted)."""
from __future__ import annotations

import json

import pytest

from petr_desktop import bench


def test_timing_helpers_measure_and_the_pdf_floor_is_a_pdf():
    assert bench.median_ms(lambda _i: None, 3) >= 0
    assert bench._bare_pdf().startswith(b"%PDF")


@pytest.mark.slow
def test_small_benchmark_reports_every_figure(capsys):
    assert bench.main(["--json", "--runs", "1"]) == 0
    results = json.loads(capsys.readouterr().out)
    for name in ("start", "dossier", "search", "autosave", "releve_pdf", "dossier_pdf", "commission_pdf",
                 "commission_xlsx"):
        assert results[name]["ms"] > 0, name
    assert results["start"]["floor_ms"] > 0 and results["rss_mb"]["mb"] > 0


def test_start_measure_runs_the_real_start_up(tmp_path, monkeypatch):
    """The start figure is the app's own start-up (lock, database, window) up to its first paint."""
    import sys

    monkeypatch.setenv("PETR_DESKTOP_HOME", str(tmp_path / "home"))
    database = tmp_path / "home" / "bench.sqlite"
    started = bench.process_ms([sys.executable, "-c", bench.APP_SNIPPET, str(database)], 1, until_printed=True)
    assert 0 < started < 60_000
    assert database.exists() and (tmp_path / "home" / "logs" / "carnet-petr.log").read_text("utf-8").count(
        "starting") == 2                                                   # the warm-up run and the measured one
