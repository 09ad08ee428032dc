"""Background work: results on the GUI thread, progress dialog, « Annuler »."""
from __future__ import annotations

import threading
import time

from PySide6.QtWidgets import QProgressDialog, QPushButton, QWidget

from petr_desktop.tasks.runner import Progress, TaskRunner


def test_work_runs_off_the_gui_thread_and_result_arrives_on_it(qtbot):
    runner = TaskRunner()
    seen = {}
    runner.run(lambda: threading.current_thread() is threading.main_thread(),
               lambda on_main: seen.update(worker_on_main=on_main,
                                           callback_on_main=threading.current_thread() is threading.main_thread()))
    qtbot.waitUntil(lambda: bool(seen), timeout=3000)
    assert seen == {"worker_on_main": False, "callback_on_main": True}


def test_errors_reach_the_error_callback(qtbot):
    runner = TaskRunner()
    failures = []
    runner.run(lambda: 1 / 0, lambda _r: None, failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=3000)
    assert isinstance(failures[0], ZeroDivisionError)


def test_long_work_shows_progress_and_can_be_cancelled(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    runner = TaskRunner()
    done, steps = [], []

    def long_work(progress: Progress) -> str:
        for step in range(200):
            steps.append(step)
            progress.report(step, 200, f"Réunion {step} sur 200")
            time.sleep(0.01)
        return "fini"

    progress = runner.run_with_progress(parent, "Export des réunions…", long_work, done.append)
    qtbot.waitUntil(lambda: any(isinstance(w, QProgressDialog) and w.isVisible()
                                for w in parent.findChildren(QProgressDialog)), timeout=3000)
    dialog = parent.findChildren(QProgressDialog)[0]
    assert dialog.labelText().startswith("Réunion ")
    [cancel] = [b for b in dialog.findChildren(QPushButton) if b.text() == "Annuler"]
    cancel.click()
    qtbot.waitUntil(lambda: progress.cancelled and not parent.findChildren(QProgressDialog), timeout=3000)
    time.sleep(0.1)
    assert done == [] and len(steps) < 200


def test_short_work_finishes_without_a_dialog(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    done = []
    TaskRunner().run_with_progress(parent, "Court", lambda progress: 42, done.append)
    qtbot.waitUntil(lambda: done == [42], timeout=3000)
    assert not any(w.isVisible() for w in parent.findChildren(QProgressDialog))


def test_a_task_that_ends_after_the_app_closed_is_dropped_quietly(qtbot, caplog):
    """At exit the receivers of a late task (the deferred daily backup) may be gone already."""
    import shiboken6

    from petr_desktop.tasks.runner import _Job, _Signals

    signals = _Signals()
    job = _Job(lambda: "fini", signals)
    job.setAutoDelete(False)
    shiboken6.delete(signals)
    with caplog.at_level("INFO", logger="petr_desktop.tasks.runner"):
        job.run()                                  # used to raise « Signal source has been deleted »
    assert "after its receiver was deleted" in caplog.text


def test_waiting_for_all_lets_running_work_finish(qtbot):
    runner = TaskRunner()
    finished = threading.Event()

    def slow():
        time.sleep(0.3)
        finished.set()

    runner.run(slow)
    assert runner.wait_for_all(5000) and finished.is_set()
