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
