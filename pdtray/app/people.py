"""The person card's facts, fetched when a card opens: the user, their contact methods, their shifts.

Contact methods are asked for on demand and kept in memory for a few minutes (a card opened again, or the next
name in the same chain, costs nothing), never on disk: the refresh cache does not hold them and nothing logs them.
A token whose role may not read them gets 403, which the card shows as "not visible with this token" rather than
as an error.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from pdtray.app.queries import decoded_oncalls, invalid_answer
from pdtray.oncall import DecodeError, decode_user, my_shifts, shifts_window
from pdtray.oncall.models import MyShifts, User
from pdtray.oncall.people import ContactMethod, decode_contact_methods
from pdtray.pagerduty.errors import AccessDeniedError

if TYPE_CHECKING:
    from pdtray.pagerduty.client import PagerDutyClient

#: how long contact methods read for a card are reused
CONTACTS_TTL = 300.0
HIDDEN_NOTE = "Contact methods are not visible with this token."


@dataclass(frozen=True)
class PersonCard:
    user: User
    #: None when the token may not read them (see ``contacts_note``)
    contacts: tuple[ContactMethod, ...] | None
    contacts_note: str | None
    shifts: MyShifts
    #: the shifts are those on the watched schedules only
    watched_only: bool = False

    @property
    def email(self) -> str | None:
        listed = next((c.address for c in self.contacts or () if c.kind == "email"), None)
        return self.user.email or listed

    @property
    def phone(self) -> str | None:
        return next((c.address for c in self.contacts or () if c.kind == "phone"), None)


class ContactBook:
    """Contact methods by user ID for :data:`CONTACTS_TTL` seconds, in this process's memory only."""

    def __init__(self, ttl: float = CONTACTS_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._known: dict[str, tuple[float, tuple[ContactMethod, ...] | None]] = {}

    def __repr__(self) -> str:  # never the addresses, even in a debugger's or a traceback's locals
        return f"<ContactBook of {len(self._known)} people>"

    async def contacts(self, client: PagerDutyClient, user_id: str) -> tuple[ContactMethod, ...] | None:
        """The user's methods, or None when the token may not see them."""
        now = self._clock()
        known = self._known.get(user_id)
        if known is not None and now - known[0] < self._ttl:
            return known[1]
        try:
            found: tuple[ContactMethod, ...] | None = tuple(
                decode_contact_methods(await client.contact_methods(user_id))
            )
        except AccessDeniedError:
            found = None
        self._known[user_id] = (now, found)
        return found

    def forget(self) -> None:
        self._known.clear()


async def person_card(
    client: PagerDutyClient,
    user_id: str,
    now: datetime,
    book: ContactBook,
    *,
    schedule_ids: Iterable[str] = (),
) -> PersonCard:
    """Three requests at once: the user, their contact methods (unless known), and their shifts in the next 7 days
    (on ``schedule_ids`` when given: the watched schedules)."""
    since, until = shifts_window(now)
    schedules = list(schedule_ids)
    pages = client.oncall_pages(
        since=since, until=until, user_ids=[user_id], schedule_ids=schedules, include_users=True
    )
    raw_user, contacts, rows = await asyncio.gather(
        client.user(user_id), book.contacts(client, user_id), decoded_oncalls(pages, "their on-call entries")
    )
    try:
        user = decode_user(raw_user)
    except DecodeError as exc:
        raise invalid_answer(f"user {user_id}", exc) from None
    note = HIDDEN_NOTE if contacts is None else None
    return PersonCard(user, contacts, note, my_shifts(user, rows, now), watched_only=bool(schedules))
