"""One start of the tray app as a person's ``pdtray`` makes it, timed from the parent's timestamp (BENCH_T0) to the
first tooltip with data; run by tray_app.py in a fresh process each time.

A script of its own, importing nothing the app would not: the bare tray it is compared with pays for no
benchmark modules either."""

import os
import sys
import time

t0 = float(os.environ["BENCH_T0"])
# what run_tray does first (here the tray module is imported before run_tray, to be timed)
from pdtray.ui.pyside_feature_scan import scan_sources_cheaply  # noqa: E402

scan_sources_cheaply()
from pdtray.ui import tray as tray_module  # noqa: E402

original = tray_module.Tray.render


def render(self: tray_module.Tray, look: object) -> None:
    original(self, look)  # type: ignore[arg-type]
    if "pdated" in look.tooltip:  # "Updated 14:24" or, from the cache, "Last updated 14:20 (...)"  # type: ignore[attr-defined]
        from PySide6.QtWidgets import QApplication

        QApplication.processEvents()  # as the bare tray does: the icon is drawn and handed to the panel
        print("READY", time.time() - t0, flush=True)
        os._exit(0)


tray_module.Tray.render = render  # type: ignore[method-assign]
from pdtray.cli.main import main  # noqa: E402

sys.exit(main([]))
