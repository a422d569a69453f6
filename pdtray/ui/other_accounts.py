"""The accounts after the first, in the same tray: each refreshes on its own (its own session, token, cache and
backoff, so one account's outage or 429 never delays another's), is shown in the tooltip and menu under its name,
and has its own shift reminders, each naming the account, recorded in a notifications file of its own. The popup
and the actions (acknowledge, page, take a shift) are the first account's for now, so another account's notices
carry no Acknowledge or Snooze button.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import QObject, Signal

from pdtray.app import cache
from pdtray.app.accounts import Account, settings_for
from pdtray.app.connection import Connection, resolve_connection
from pdtray.app.notification_state import state_path
from pdtray.app.refresh import RefreshService
from pdtray.app.refresh_state import RefreshState
from pdtray.app.reminders import OutgoingNotice, ReminderScheduler
from pdtray.app.session import Session
from pdtray.app.settings import Settings
from pdtray.oncall.current import OnCallAt
from pdtray.oncall.models import User
from pdtray.oncall.notice_text import Message
from pdtray.oncall.reminders import MyShift
from pdtray.ui.tray_status import TrayLook, tray_look, watched_refs


class OtherAccount(QObject):
    changed = Signal()
    #: a notice of this account, its title naming the account
    notify = Signal(object)

    def __init__(
        self,
        account: Account,
        settings: Settings,
        tz: Callable[[], tzinfo | None] = lambda: None,
        parent: QObject | None = None,
        *,
        looking: Callable[[OtherAccount], bool] = lambda _: False,
    ) -> None:
        """``looking``: whether the popup shows this account's schedules (each refresh then reads them all)."""
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
            looking=lambda: looking(self),
            parent=self,
        )
        self.refresh.changed.connect(self._on_refresh)
        self._on_call_at = OnCallAt()
        digest = hashlib.sha256(where.encode()).hexdigest()[:12]
        self.reminders = ReminderScheduler(
            self.settings,
            state_file=state_path().with_name(f"notifications-{digest}.json"),
            tz=tz,
            handover=self._handover,
            parent=self,
        )
        self.reminders.notify.connect(self._named)
        self._last_snapshot_at: datetime | None = None

    def _on_refresh(self, state: RefreshState) -> None:
        snapshot = state.snapshot
        if snapshot is not None and not state.from_cache and snapshot.taken_at != self._last_snapshot_at:
            self._last_snapshot_at = snapshot.taken_at
            self.reminders.update(snapshot)
        self.changed.emit()

    def _named(self, notice: OutgoingNotice) -> None:
        """The notice with the account in its title; no Acknowledge or Snooze, which act on the first account."""
        title = f"{notice.message.title} ({self.account.name})"
        self.notify.emit(
            replace(
                notice,
                key=f"{self.account.name}:{notice.key}",
                message=Message(title, notice.message.body),
                schedule_id=None,
                reminder=None,
                incident=None,
            )
        )

    async def _handover(self, shift: MyShift) -> User | None:
        me = self.refresh.state.snapshot.mine.user.id if self.refresh.state.snapshot else None
        return await self.session.handover(shift, me)

    def _connect(self) -> Connection:
        return resolve_connection(self.settings, keyring_prefix=self.account.keyring_prefix)

    def on_call(self, rows: tuple, now: datetime) -> dict:  # type: ignore[type-arg]
        return self._on_call_at(rows, now)

    def attach(self, controllers: AccountControllers) -> None:
        """The popup's controllers for this account (its timelines, actions and people), made by the app."""
        self.controllers = controllers

    def look(self, now: datetime, tz: tzinfo | None) -> TrayLook:
        state = self.refresh.state
        on_call = self._on_call_at(state.snapshot.rows_known, now) if state.snapshot else {}
        return tray_look(state, self.settings, now, tz, on_call=on_call)


@dataclass
class AccountControllers:
    """What the popup works through for one account: its timelines, its actions, its people and services."""

    timelines: Any
    actions: Any
    people: Any


@dataclass
class AccountView:
    """One account as the popup shows it (the first account's is made of the app's own objects)."""

    name: str
    settings: Settings
    refresh: RefreshService
    controllers: AccountControllers
    on_call: Callable[[Any, datetime], Any]


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
    return first._replace(icon=icon, tooltip=tooltip, menu_lines=tuple(lines))
