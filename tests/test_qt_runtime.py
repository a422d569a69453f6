"""Guards against Qt binding bugs that would crash a long-running tray app, checked before a version bump lands."""

from __future__ import annotations

import sys

from PySide6.QtCore import QSocketNotifier, QTimer


def test_void_qt_calls_do_not_leak_references_to_none(qapp):
    # PySide6 6.12.0 released one reference to None per call of a method returning nothing: qasync makes such
    # calls constantly, and on Python 3.11 the process aborts ("deallocating None") after a few thousand.
    notifier = QSocketNotifier(0, QSocketNotifier.Type.Read)
    timer = QTimer()
    before = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(500):
        qapp.processEvents()
        notifier.setEnabled(True)
        notifier.setEnabled(False)
        timer.isActive()
    after = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    assert all(abs(a - b) < 50 for a, b in zip(before, after, strict=True)), (before, after)
