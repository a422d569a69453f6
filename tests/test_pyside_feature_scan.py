"""PySide6's check of each imported module's source (for ``__feature__``) gives the same answers, and no longer
keeps every line of every file in memory."""

from __future__ import annotations

import linecache
import sys

import PySide6  # noqa: F401

from pdtray.ui.pyside_feature_scan import FEATURE_MODULE, scan_sources_cheaply


def test_modules_imported_after_it_are_told_apart_without_their_lines_kept(tmp_path, monkeypatch):
    feature = sys.modules[FEATURE_MODULE]
    monkeypatch.setattr(feature, "_mod_uses_pyside", feature._mod_uses_pyside)  # undone after the test
    assert scan_sources_cheaply()
    assert not scan_sources_cheaply()  # once is enough
    (tmp_path / "pdtray_probe_qt.py").write_text("from PySide6.QtCore import QObject\nVALUE = 1\n")
    (tmp_path / "pdtray_probe_plain.py").write_text("# nothing of Qt's\nVALUE = 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    linecache.clearcache()
    qt, plain = __import__("pdtray_probe_qt"), __import__("pdtray_probe_plain")
    try:
        # PySide6's table: 0 for a module that uses PySide6 (features may be switched there), -1 to ignore one
        assert feature.pyside_feature_dict["pdtray_probe_qt"] == 0
        assert feature.pyside_feature_dict["pdtray_probe_plain"] == -1
        assert qt.__file__ not in linecache.cache and plain.__file__ not in linecache.cache
    finally:
        for name in ("pdtray_probe_qt", "pdtray_probe_plain"):
            sys.modules.pop(name, None)
            feature.pyside_feature_dict.pop(name, None)


def test_without_it_pyside_keeps_the_lines(tmp_path, monkeypatch):
    """What the replacement is for, so that a PySide6 release which stops doing it is noticed."""
    feature = sys.modules[FEATURE_MODULE]
    # PySide6's own check, also if an earlier test in this process started the tray (which replaces it)
    monkeypatch.setattr(
        feature, "_mod_uses_pyside", getattr(feature._mod_uses_pyside, "replaced", None) or feature._mod_uses_pyside
    )
    (tmp_path / "pdtray_probe_kept.py").write_text("VALUE = 3\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        module = __import__("pdtray_probe_kept")
        assert module.__file__ in linecache.cache
    finally:
        sys.modules.pop("pdtray_probe_kept", None)
        feature.pyside_feature_dict.pop("pdtray_probe_kept", None)
