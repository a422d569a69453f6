"""The first thing the tray app does: put its icon up with the last known state, before the network stack loads.

Importing asyncio, qasync and httpx takes longer than starting Qt itself; a person looking at the panel should see
pdtray's icon and yesterday's tooltip (marked stale) meanwhile, not nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from pdtray.app import cache
from pdtray.app.refresh_state import RefreshState
from pdtray.app.settings import LoadedSettings, load_settings
from pdtray.ui.icons import palette_is_dark, tray_variant
from pdtray.ui.tray import Tray, TrayMenu
from pdtray.ui.tray_status import tray_look


class EarlyTray(NamedTuple):
    """What the first icon was made with, handed to the controller; a NamedTuple (a dataclass takes five times as
    long to create, on the path to that icon)."""

    menu: TrayMenu
    tray: Tray
    loaded: LoadedSettings
    cache_path: Path
    state: RefreshState


def show_cached_tray(*, demo: bool) -> EarlyTray:
    loaded = load_settings()
    settings = loaded.settings
    path = cache.cache_file(cache.location_of(settings, demo=demo))
    cached = cache.load(path)
    state = RefreshState(refreshing=True)
    if cached is not None:
        state = RefreshState(
            snapshot=cached.snapshot,
            schedules=cached.schedules,
            schedules_at=cached.schedules_at,
            from_cache=cached.snapshot is not None,
            refreshing=True,
        )
    menu = TrayMenu()
    tray = Tray(menu, variant=tray_variant(settings.tray_icons, dark=palette_is_dark()))
    tz = None
    if settings.display_time_zone:  # zoneinfo only then: its import costs 2 ms (see settings._zone)
        from zoneinfo import ZoneInfo

        tz = ZoneInfo(settings.display_time_zone)
    tray.render(tray_look(state, settings, datetime.now(UTC), tz))
    tray.show()
    return EarlyTray(menu, tray, loaded, path, state)
