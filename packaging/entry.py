"""Entry point of the frozen Carnet PETR (PyInstaller), shared by its two executables:
`--self-test` runs the self-test (database, migrations, PDF, Excel) and exits with 0 or 1;
anything else goes to the usual CLI (no arguments = the window).

CarnetPETR.exe is a windowed program (no console of its own): sys.stdout is None there.
For the self-test, the output goes to the console of the caller when there is one
(AttachConsole), else to %TEMP%\\carnet-petr-autotest.txt, so the result is never lost.
petr-desktop.exe is the same program built as a console program, for the command line
(`petr-desktop sync export …` in cmd or PowerShell): its output goes to the console as usual.
"""
from __future__ import annotations

import os
import sys
import tempfile


def _attach_output() -> None:
    if sys.stdout is not None and sys.stderr is not None:
        return
    stream = None
    if sys.platform == "win32":
        import ctypes

        if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
            try:
                stream = open("CONOUT$", "w", encoding="utf-8", errors="replace")
            except OSError:
                stream = None
    if stream is None:
        path = os.path.join(tempfile.gettempdir(), "carnet-petr-autotest.txt")
        stream = open(path, "w", encoding="utf-8", errors="replace")
    sys.stdout = sys.stdout or stream
    sys.stderr = sys.stderr or stream


def main() -> int:
    if "--self-test" in sys.argv[1:]:
        _attach_output()
        from petr_desktop import selftest

        return selftest.run()
    from petr_desktop import cli

    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
