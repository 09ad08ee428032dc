"""A non-editable install works: migrations, templates, fonts and reference data are
shipped inside the wheel, and the app runs from it."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_data_and_runs_from_a_plain_install(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path / "dist"), str(ROOT)], check=True, capture_output=True)
    [wheel] = (tmp_path / "dist").glob("petr_desktop-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("petr_desktop/db/env.py", "petr_desktop/db/script.py.mako",
                     "petr_desktop/db/versions/0002_full_text_index.py",
                     "petr_desktop/resources/referentiel_petr.json", "petr_desktop/resources/agendas.json",
                     "petr_desktop/resources/forms/thematic-2027.json",
                     "petr_desktop/resources/fonts/DejaVuSans.ttf",
                     "petr_desktop/resources/fonts/LICENSE-DejaVu.txt"):
        assert required in names, required
    assert not any(n.startswith("tests/") for n in names)

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    old = tmp_path / "old.sqlite"
    old.write_bytes((ROOT / "tests" / "fixtures" / "schema_0001.sqlite").read_bytes())
    code = ("import petr_desktop, sys; from petr_desktop.cli import main; "
            "assert petr_desktop.__file__.startswith(sys.argv[1]), petr_desktop.__file__; "
            "sys.exit(main(['--db', sys.argv[2], 'check']))")
    env = dict(os.environ, PYTHONPATH=str(site))
    result = subprocess.run([sys.executable, "-c", code, str(site), str(old)], capture_output=True, text=True,
                            env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr      # upgraded 0001 → head by the shipped Alembic scripts
    assert "Base saine" in result.stdout
