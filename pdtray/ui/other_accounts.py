"""The accounts after the first, in the same tray: each refreshes on its own (its own session, token, cache and
backoff, so one account's outage or 429 never delays another's), and is shown in the tooltip and menu under its
name. The popup, reminders and actions are the first account's for now.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from PySide6.QtCore import QObject, Signal

from pdtray.app import cache
from pdtray.app.accounts import Account, settings_for
from pdtray.app.connection import Connection, resolve_connection
from pdtray.app.refresh import RefreshService
from pdtray.app.session import Session
from pdtray.app.settings import Settings
from pdtray.oncall.current import OnCallAt
from pdtray.ui.tray_status import TrayLook, tray_look, watched_refs


class OtherAccount(QObject):
    changed = Signal()

    def __init__(self, account: Account, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.account = account
        self.settings = settings_for(settings, account)
        self.session = Session(self._connect)
        where = f"account:{account.name}:{account.api_url or account.region}"
        self.refresh = RefreshService(
            self.session,
            poll_interval=settings.poll_interval,
            cache_path=cache.cache_file(where),
            watched=lambda: [ref.id for ref in watched_refs(self.refresh.state, self.settings)],
            parent=self,
        )
        self.refresh.changed.connect(lambda _state: self.changed.emit())
        self._on_call_at = OnCallAt()

    def _connect(self) -> Connection:
        return resolve_connection(self.settings, keyring_prefix=self.account.keyring_prefix)

    def look(self, now: datetime, tz: tzinfo | None) -> TrayLook:
        state = self.refresh.state
        on_call = self._on_call_at(state.snapshot.rows_known, now) if state.snapshot else {}
        return tray_look(state, self.settings, now, tz, on_call=on_call)


#: which account's state the one icon shows: being on call anywhere matters most
ICON_RANK = {"on-call": 3, "soon": 2}


def combined(first_name: str, first: TrayLook, others: list[tuple[str, TrayLook]]) -> TrayLook:
    """One tooltip and menu for several accounts, each under its name; the icon says "on call" or "soon" if any
    account does (a problem or "off" is the first account's)."""
    if not others:
        return first
    tooltip = "\n\n".join([f"{first_name}:\n{first.tooltip}", *(f"{name}:\n{look.tooltip}" for name, look in others)])
    lines = list(first.menu_lines)
    for name, look in others:
        # the popup is the first account's: another's entries open it as it is
        lines += [(f"{name} · {text}", ("account", name)) for text, _ in look.menu_lines]
    icon = first.icon
    best = max((look.icon for _, look in others), key=lambda i: ICON_RANK.get(i, 0))
    if ICON_RANK.get(best, 0) > ICON_RANK.get(icon, 0):
        icon = best
    from dataclasses import replace

    return replace(first, icon=icon, tooltip=tooltip, menu_lines=tuple(lines))
