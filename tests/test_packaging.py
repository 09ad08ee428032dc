"""A non-editable install works: migrations, templates, fonts and reference data are
shipped inside the wheel, and the app runs from it. The Windows build: its spec (two
executables), its installer script, its icon, and the build left in dist/ by `make package`."""
from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

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


# --- The Windows build: two executables, the icon, the installer ----------------------------------
# The PyInstaller build itself (~2 min) runs in `make package`, not here. These tests read the spec,
# the Inno Setup script and the icon files; the last one checks a build left in dist/ by
# `make package`, when there is one.

PACKAGING = ROOT / "packaging"
ICONS = ROOT / "petr_desktop" / "resources" / "icons"
ICO_SIZES = {16, 24, 32, 48, 64, 128, 256}


def _load(name: str):
    """A script of packaging/ as a module (packaging/ is not a package, and its name is taken)."""
    spec = importlib.util.spec_from_file_location(f"carnet_petr_{name}", PACKAGING / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_app_icon_files_exist_and_the_ico_holds_every_size():
    from PIL import Image

    for name in ("carnet-petr.svg", "carnet-petr-16.svg", "carnet-petr-24.svg"):
        assert (ICONS / name).read_text(encoding="utf-8").lstrip().startswith("<svg"), name
    with Image.open(ICONS / "carnet-petr.ico") as ico:
        assert ico.format == "ICO"
        assert {w for w, h in ico.ico.sizes()} == ICO_SIZES
        for size in ICO_SIZES:
            frame = ico.ico.getimage((size, size))
            assert frame.size == (size, size) and frame.mode == "RGBA"
            assert frame.getpixel((0, 0))[3] == 0, f"{size} px: the corner must be transparent"
            assert frame.getpixel((size // 2, size // 2))[3] == 255, f"{size} px: the middle must be opaque"
    with Image.open(ICONS / "carnet-petr-256.png") as png:
        assert png.format == "PNG" and png.size == (256, 256) and png.mode == "RGBA"


def test_the_icon_files_match_their_svg_drawings(qapp):
    """Whoever edits an SVG must run packaging/make_icon.py: the .ico is compared with a new
    rendering (a small tolerance for anti-aliasing differences between Qt versions)."""
    from PIL import Image, ImageChops, ImageStat

    make_icon = _load("make_icon")
    with Image.open(ICONS / "carnet-petr.ico") as ico:
        for size in sorted(ICO_SIZES):
            fresh = Image.frombytes("RGBA", (size, size), make_icon.render(make_icon.source_for(size), size))
            stored = ico.ico.getimage((size, size))
            mean = max(ImageStat.Stat(ImageChops.difference(fresh, stored)).mean)
            assert mean < 2, f"{size} px differs from its SVG: run packaging/make_icon.py"


def test_app_icon_has_every_size(qapp):
    from petr_desktop.ui.icons import app_icon

    icon = app_icon()
    assert not icon.isNull()
    assert {s.width() for s in icon.availableSizes()} >= ICO_SIZES
    assert icon.pixmap(16, 16).toImage().pixelColor(8, 8).alpha() == 255


def _spec_calls(tree: ast.AST, function: str) -> list[ast.Call]:
    return [node for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == function]


def test_spec_builds_a_windowed_and_a_console_executable_in_one_folder():
    tree = ast.parse((PACKAGING / "carnet-petr.spec").read_text(encoding="utf-8"))
    executables = {}
    for call in _spec_calls(tree, "EXE"):
        options = {k.arg: k.value for k in call.keywords}
        assert isinstance(options.get("icon"), ast.Name) and options["icon"].id == "ICON"
        executables[ast.literal_eval(options["name"])] = ast.literal_eval(options["console"])
    assert executables == {"CarnetPETR": False, "petr-desktop": True}
    [analysis] = _spec_calls(tree, "Analysis")                     # one analysis…
    [collect] = _spec_calls(tree, "COLLECT")                       # …and one folder for both
    assert [a.id for a in collect.args if isinstance(a, ast.Name)][:2] == ["gui", "cli"]
    icon_line = next(line for line in (PACKAGING / "carnet-petr.spec").read_text().splitlines()
                     if line.startswith("ICON ="))
    assert '"petr_desktop" / "resources" / "icons" / "carnet-petr.ico"' in icon_line


def test_installer_installs_both_executables_with_the_icon_and_an_optional_path_entry():
    raw = (PACKAGING / "carnet-petr.iss").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                          # UTF-8 BOM: accents
    text = raw.decode("utf-8-sig")
    defines = dict(re.findall(r'^#define (\w+) "([^"]*)"', text, re.M))
    assert defines["AppExe"] == "CarnetPETR.exe" and defines["CliExe"] == "petr-desktop.exe"
    icon = PACKAGING / defines["IconFile"].replace("\\", "/")
    assert icon.resolve() == (ICONS / "carnet-petr.ico").resolve() and icon.is_file()
    assert "SetupIconFile={#IconFile}" in text and "UninstallDisplayIcon={app}\\{#AppExe}" in text
    assert "ChangesEnvironment=yes" in text
    [task] = [line for line in text.splitlines() if line.startswith('Name: "addtopath"')]
    assert "Flags: unchecked" in task
    icons = "\n".join(line for line in text.split("\n[Icons]\n")[1].split("\n[")[0].splitlines()
                      if not line.startswith(";"))                # the shortcuts, without comments
    assert "{#AppExe}" in icons and "CliExe" not in icons and "petr-desktop" not in icons
    code = text.split("\n[Code]\n")[1]
    assert "HKEY_CURRENT_USER" in code and "HKEY_LOCAL_MACHINE" not in code
    assert "WizardIsTaskSelected('addtopath')" in code and "usUninstall" in code
    assert "PrivilegesRequired=lowest" in text


def test_path_entry_code_is_balanced():
    """No Inno Setup compiler here: at least every begin has its end in [Code]."""
    code = (PACKAGING / "carnet-petr.iss").read_text(encoding="utf-8-sig").split("\n[Code]\n")[1]
    code = re.sub(r"\{[^}]*\}|'[^']*'", "", code)                   # comments and strings
    words = re.findall(r"\b(begin|end)\b", code, re.I)
    assert words.count("begin") == words.count("end") > 0


FROZEN = ROOT / "dist" / "CarnetPETR"


@pytest.mark.skipif(not (FROZEN / ("petr-desktop.exe" if sys.platform == "win32" else "petr-desktop")).exists(),
                    reason="no build in dist/CarnetPETR: run `make package`")
def test_frozen_command_line_executable():
    """The console executable of a `make package` build: --version, --help, backups, init…"""
    check_build = _load("check_build")
    try:
        report = check_build.check(FROZEN)
    except check_build.BuildCheckError as exc:
        pytest.fail(f"{exc}\n(dist/CarnetPETR may be an old build: run `make package`)")
    assert any("--version: ok" in line for line in report)
