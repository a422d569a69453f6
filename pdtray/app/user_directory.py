"""People by ID, for the session: a shift-based schedule's timeline names its people by ``user_id`` only.

Most of them are already known from the account-wide /oncalls answer (``include[]=users`` brings whole users),
so the refresh teaches the directory what it saw; the rest are asked for once each (``GET /users/{id}``) and
kept. A user PagerDuty no longer has (deleted) stays on the timeline as a deleted user instead of failing it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pdtray.oncall import DecodeError, User, decode_user
from pdtray.pagerduty.errors import AccessDeniedError, NotFoundError

if TYPE_CHECKING:
    from pdtray.pagerduty.client import PagerDutyClient

log = logging.getLogger(__name__)


class UserDirectory:
    def __init__(self) -> None:
        self._users: dict[str, User] = {}
        #: users fetched over the wire (for tests and benchmarks: each is asked for once)
        self.fetched = 0

    def learn(self, users: Iterable[User]) -> None:
        for user in users:
            # a whole user (with an email) beats a bare reference seen earlier
            if user.id not in self._users or (user.email and not self._users[user.id].email):
                self._users[user.id] = user

    def known(self, user_id: str) -> User | None:
        return self._users.get(user_id)

    async def resolve(self, client: PagerDutyClient, user_ids: Iterable[str]) -> dict[str, User]:
        """Every ID in ``user_ids`` mapped to a user; one request per user never seen before."""
        found: dict[str, User] = {}
        for user_id in dict.fromkeys(user_ids):
            user = self._users.get(user_id)
            if user is None:
                user = await self._fetch(client, user_id)
                self._users[user_id] = user
            found[user_id] = user
        return found

    async def _fetch(self, client: PagerDutyClient, user_id: str) -> User:
        self.fetched += 1
        try:
            return decode_user(await client.user(user_id))
        except NotFoundError:
            return User(id=user_id, name="Deleted user", deleted=True)
        except AccessDeniedError:
            return User(id=user_id, name=f"User {user_id}")
        except DecodeError as exc:
            log.warning("user %s could not be read: %s", user_id, exc)
            return User(id=user_id, name=f"User {user_id}")
