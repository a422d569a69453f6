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

original_render, original_show = tray_module.Tray.render, tray_module.Tray.show


def ready_when_shown_with_data(tray: tray_module.Tray) -> None:
    """The clock stops once the icon is shown with data in its tooltip ("Updated 14:24" or, from the cache, "Last
    updated 14:20 (...)") and Qt has processed its events, as the bare tray's clock stops after show()."""
    if tray.look is not None and "pdated" in tray.look.tooltip and tray.icon.isVisible():
        from PySide6.QtWidgets import QApplication

        QApplication.processEvents()
        print("READY", time.time() - t0, flush=True)
        os._exit(0)


def render(self: tray_module.Tray, look: object) -> None:
    original_render(self, look)  # type: ignore[arg-type]
    ready_when_shown_with_data(self)


def show(self: tray_module.Tray) -> None:
    original_show(self)
    ready_when_shown_with_data(self)


tray_module.Tray.render = render  # type: ignore[method-assign]
tray_module.Tray.show = show  # type: ignore[method-assign]
from pdtray.cli.main import main  # noqa: E402

sys.exit(main([]))
