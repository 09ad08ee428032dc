"""The Qt binding must not leak or drop references of Python singletons.

PySide6 6.12.0 with Python 3.11 drops a reference to None on every call returning void:
after a few thousand calls the interpreter aborts (« none_dealloc »). This guards the pin.
"""
from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel


def test_void_and_bool_calls_keep_singleton_reference_counts(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(20_000):
        label.setText("x")
        label.isVisible()
        label.hasFocus()
    after = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    assert all(abs(a - b) < 100 for a, b in zip(after, before)), (before, after)
