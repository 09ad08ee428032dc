"""Run work off the GUI thread and deliver its result on the GUI thread.

``TaskRunner.run(fn, on_done)``: ``fn()`` runs in the global QThreadPool; ``on_done(result)``
(or ``on_error(exc)``) is called on the GUI thread. Workers never touch widgets.
``run_with_progress`` adds a progress dialog that appears only after ~500 ms, with « Annuler ».
With ``synchronous=True`` (tests) everything runs inline, in order.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

log = logging.getLogger(__name__)

PROGRESS_DELAY_MS = 500


class Cancelled(Exception):
    """Raised by a task that saw the user press « Annuler »."""


class Progress:
    """Handed to a long task: report progress, and ask whether the user cancelled."""

    def __init__(self, emit: Callable[[int, int, str], None] | None = None) -> None:
        self._cancel = threading.Event()
        self._emit = emit

    def report(self, done: int, total: int, text: str = "") -> None:
        if self._emit:
            self._emit(done, total, text)
        if self._cancel.is_set():
            raise Cancelled()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)
    progress = Signal(int, int, str)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self.fn, self.signals = fn, signals
        self.setAutoDelete(True)

    def run(self) -> None:
        # Values travel boxed in a list: PySide 6 mis-counts references of bare Python
        # singletons (True, False, None) sent through a queued Signal(object).
        try:
            result = self.fn()
        except BaseException as exc:  # delivered to on_error on the GUI thread
            self._deliver(self.signals.failed, exc)
        else:
            self._deliver(self.signals.done, result)

    @staticmethod
    def _deliver(signal, value: Any) -> None:
        try:
            signal.emit([value])
        except RuntimeError:    # the application is closing and its receivers are gone
            log.info("a background task finished after its receiver was deleted")


class TaskRunner(QObject):
    def __init__(self, parent: QObject | None = None, synchronous: bool = False) -> None:
        super().__init__(parent)
        self.synchronous = synchronous
        self._alive: set[_Signals] = set()
        self.pool = QThreadPool.globalInstance()

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None) -> None:
        on_error = on_error or self._default_error
        if self.synchronous:
            try:
                result = fn()
            except BaseException as exc:
                on_error(exc)
            else:
                if on_done:
                    on_done(result)
            return
        signals = _Signals()
        self._alive.add(signals)

        def finish(callback, value) -> None:
            self._alive.discard(signals)
            if callback:
                callback(value)

        signals.done.connect(lambda box: finish(on_done, box[0]), Qt.ConnectionType.QueuedConnection)
        signals.failed.connect(lambda box: finish(on_error, box[0]), Qt.ConnectionType.QueuedConnection)
        self.pool.start(_Job(fn, signals))

    def wait_for_all(self, timeout_ms: int = 30_000) -> bool:
        """Wait for the background tasks still running (at exit, before the database closes)."""
        return self.pool.waitForDone(timeout_ms)

    def run_with_progress(self, parent: QWidget | None, title: str, fn: Callable[[Progress], Any],
                          on_done: Callable[[Any], None] | None = None,
                          on_error: Callable[[BaseException], None] | None = None) -> Progress:
        """A long task: a progress dialog shows after ~500 ms; « Annuler » cancels it."""
        dialog = QProgressDialog(title, "Annuler", 0, 0, parent)
        dialog.setWindowTitle("Carnet PETR")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(PROGRESS_DELAY_MS)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        signals = _Signals()
        progress = Progress(lambda done, total, text: signals.progress.emit(done, total, text))
        dialog.canceled.connect(progress.cancel)

        @Slot(int, int, str)
        def show_progress(done: int, total: int, text: str) -> None:
            dialog.setMaximum(total)
            dialog.setValue(done)
            if text:
                dialog.setLabelText(text)

        signals.progress.connect(show_progress, Qt.ConnectionType.QueuedConnection)
        self._alive.add(signals)

        def close(callback, value) -> None:
            self._alive.discard(signals)
            dialog.reset()
            dialog.close()
            dialog.deleteLater()
            if isinstance(value, Cancelled):
                return
            if callback:
                callback(value)

        self.run(lambda: fn(progress), lambda r: close(on_done, r),
                 lambda e: close(on_error or self._default_error, e))
        return progress

    @staticmethod
    def _default_error(exc: BaseException) -> None:
        raise exc
