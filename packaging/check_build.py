"""Smoke test of a PyInstaller build, run by `make package` after the self-test:

    .venv/bin/python packaging/check_build.py [dist/CarnetPETR]

Checks that the one folder holds both executables (CarnetPETR, windowed, and petr-desktop, the
console one) and the application icon, then runs the command-line executable the way a user
would in cmd or PowerShell, in a temporary PETR_DESKTOP_HOME (the user's data is never
touched): --version, --help, backups on an empty home, init, backup, backups, check,
sync status, and an unknown command (a French error, exit code 2, no traceback).
Exits with 0 when everything passed, 1 otherwise. tests/test_packaging.py runs the same checks
when a build is present.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIST = ROOT / "dist" / "CarnetPETR"
GUI_NAME = "CarnetPETR"
CLI_NAME = "petr-desktop"
EXE_SUFFIX = ".exe" if sys.platform == "win32" else ""


class BuildCheckError(AssertionError):
    pass


def executable(dist: Path, name: str) -> Path:
    return dist / f"{name}{EXE_SUFFIX}"


def _run(exe: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    # Read as UTF-8 whatever the child wrote (a piped stdout is cp1252 on Windows): the patterns
    # below keep accented letters out of their literal parts.
    env = dict(os.environ, PETR_DESKTOP_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, encoding="utf-8",
                          errors="replace", env=env, cwd=home, timeout=180)


def _expect(result: subprocess.CompletedProcess, code: int, stdout: str = "", stderr: str = "") -> str:
    command = " ".join([Path(result.args[0]).name, *result.args[1:]])
    problems = []
    if result.returncode != code:
        problems.append(f"exit code {result.returncode}, expected {code}")
    if stdout and not re.search(stdout, result.stdout):
        problems.append(f"stdout does not match {stdout!r}")
    if stderr and not re.search(stderr, result.stderr):
        problems.append(f"stderr does not match {stderr!r}")
    if "Traceback" in result.stderr:
        problems.append("a traceback on stderr")
    if problems:
        raise BuildCheckError(f"{command}: {'; '.join(problems)}\n--- stdout\n{result.stdout}"
                              f"--- stderr\n{result.stderr}")
    lines = result.stdout.strip().splitlines() or result.stderr.strip().splitlines()[-1:]
    return f"{command}: ok ({lines[0] if lines else 'no output'})"


def check(dist: Path = DEFAULT_DIST) -> list[str]:
    """Every check, in order; raises BuildCheckError at the first failure. Returns one line each."""
    dist = Path(dist).resolve()
    report = []
    for name in (GUI_NAME, CLI_NAME):
        exe = executable(dist, name)
        if not exe.is_file():
            raise BuildCheckError(f"{exe} is missing")
    icon = dist / "_internal" / "petr_desktop" / "resources" / "icons" / "carnet-petr.ico"
    if not icon.is_file():
        raise BuildCheckError(f"{icon} is missing")
    report.append(f"{GUI_NAME}{EXE_SUFFIX}, {CLI_NAME}{EXE_SUFFIX} and the icon are in {dist}")

    cli = executable(dist, CLI_NAME)
    with tempfile.TemporaryDirectory(prefix="carnet-petr-build-check-") as tmp:
        home = Path(tmp)
        report.append(_expect(_run(cli, home, "--version"), 0, stdout=r"^Carnet PETR \d+\.\d+"))
        report.append(_expect(_run(cli, home, "--help"), 0, stdout=r"(?s)petr-desktop(?=.*\bbackups\b)(?=.*\bsync\b)"))
        report.append(_expect(_run(cli, home, "backups"), 0, stdout=r"\b0 sauvegarde\(s\) dans"))
        report.append(_expect(_run(cli, home, "init"), 0, stdout=r"Base pr.te"))
        report.append(_expect(_run(cli, home, "backup"), 0, stdout=r"Sauvegarde .crite"))
        report.append(_expect(_run(cli, home, "backups"), 0, stdout=r"\b1 sauvegarde\(s\) dans"))
        report.append(_expect(_run(cli, home, "check"), 0, stdout=r"Base saine"))
        report.append(_expect(_run(cli, home, "sync", "status"), 0, stdout=r"Cet ordinateur"))
        report.append(_expect(_run(cli, home, "pas-une-commande"), 2, stderr=r"petr-desktop : erreur"))
    return report


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    dist = Path(args[0]) if args else DEFAULT_DIST
    try:
        for line in check(dist):
            print(line)
    except BuildCheckError as exc:
        print(f"check_build: FAILED: {exc}", file=sys.stderr)
        return 1
    print("check_build: the build passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
