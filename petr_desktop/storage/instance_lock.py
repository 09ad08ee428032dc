"""Is Carnet PETR running? A pure-Python reader of the app's single-instance lock (a Qt QLockFile).

Qt 6 writes five lines: the pid, the process name (executable name; without extension on
Windows), the host name (``COMPUTERNAME`` on Windows), the machine's unique id and its boot
id (the last two since Qt 5.10, empty where unknown). As Qt decides, the lock is held when it
was written on this computer, since its last boot, by a process that still runs under the
same name (a reused pid is not the app). Where a fact cannot be known the answer leans
towards « held »: a wrong « held » only delays a restore, a wrong « free » could replace a
database under the running app.

The pid is checked with psutil: on Windows ``os.kill(pid, 0)`` would terminate the process.
"""
from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LockInfo:
    path: Path
    pid: int
    app_name: str
    host_name: str
    host_id: str
    boot_id: str


def read_lock(path: Path) -> LockInfo | None:
    """The content of a lock file; None when there is none or it is not a QLockFile.

    Raises OSError when the file is there but cannot be read (a Windows sharing violation while
    its holder keeps it open, for instance).
    """
    try:
        raw = Path(path).read_bytes()[:4096]
    except FileNotFoundError:
        return None
    lines = [line.rstrip("\r") for line in raw.decode("utf-8", "replace").split("\n")]
    lines += [""] * (5 - len(lines))
    try:
        pid = int(lines[0].strip())
    except ValueError:
        return None
    if pid <= 0:
        return None
    return LockInfo(Path(path), pid, *(line.strip() for line in lines[1:5]))


def live_holder(lock_files: list[Path]) -> LockInfo | None:
    """The first of the lock files held by another running process of this computer."""
    for path in lock_files:
        try:
            info = read_lock(path)
        except OSError:
            return LockInfo(Path(path), 0, "", "", "", "")      # there, but unreadable: held, by whom unknown
        if info is not None and info.pid != os.getpid() and is_held(info):
            return info
    return None


def is_held(info: LockInfo) -> bool:
    """True when the lock was written on this computer, since it booted, by a process still alive."""
    if not _same_host(info):
        return False                  # another computer's lock (a home folder on a USB key): not ours to judge
    boot = boot_id()
    if info.boot_id and boot and info.boot_id != boot:
        return False                  # written before the last reboot: its process is gone
    return process_alive(info.pid, info.app_name)


def _same_host(info: LockInfo) -> bool:
    """Qt's rule, widened: the host name or the machine id matching is enough."""
    name, machine = host_name(), machine_id()
    if not info.host_name and not info.host_id:
        return True
    if info.host_name and name and info.host_name.casefold() == name.casefold():
        return True
    if info.host_id and machine:
        return info.host_id == machine
    return not (info.host_name and name)          # nothing to compare: assume this computer


def process_alive(pid: int, app_name: str = "") -> bool:
    """Whether ``pid`` runs (not a zombie) and, when both names are known, under the name ``app_name``."""
    import psutil

    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:
        return True                   # exists, but not ours to inspect
    if not app_name:
        return True
    names = set()
    for read in (process.name, lambda: Path(process.exe()).name):
        try:
            names.add(_normal_name(read()))
        except (psutil.Error, OSError, ValueError):
            continue
    names.discard("")
    wanted = _normal_name(app_name)
    # Names are cut at 15 or 16 characters on some systems: a prefix is a match.
    return not names or any(n.startswith(wanted) or wanted.startswith(n) for n in names)


def _normal_name(name: str) -> str:
    name = name.strip().casefold()
    return name[:-4] if name.endswith(".exe") else name


def host_name() -> str:
    """The host name as Qt writes it: ``COMPUTERNAME`` on Windows, gethostname() elsewhere."""
    if sys.platform == "win32":
        return os.environ.get("COMPUTERNAME", "")
    try:
        return socket.gethostname()
    except OSError:
        return ""


def machine_id() -> str:
    """QSysInfo::machineUniqueId() where it can be read without Qt ("" elsewhere, e.g. macOS)."""
    if sys.platform == "win32":
        try:
            import winreg

            flags = winreg.KEY_READ | winreg.KEY_WOW64_64KEY
            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r"SOFTWARE\Microsoft\Cryptography", 0, flags) as key:
                return str(winreg.QueryValueEx(key, "MachineGuid")[0]).strip()
        except OSError:
            return ""
    for name in ("/var/lib/dbus/machine-id", "/etc/machine-id", "/usr/local/var/lib/dbus/machine-id"):
        try:
            text = Path(name).read_text("ascii").strip()
        except (OSError, ValueError):
            continue
        if len(text) >= 32:
            return text[:32]
    return ""


def boot_id() -> str:
    """QSysInfo::bootUniqueId() on Linux ("" elsewhere: Qt writes none on Windows)."""
    if not sys.platform.startswith("linux"):
        return ""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text("ascii").strip()
    except (OSError, ValueError):
        return ""
