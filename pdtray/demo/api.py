"""PagerDuty's REST and Events v2 semantics over the demo account, independent of the socket serving them.

JSON shapes, classic pagination (limit <= 100, offset, more, total, the 10,000 cap), repeated ``[]`` filters,
token checks and error bodies follow PagerDuty's, including its irregular ones (a string ``error`` from /users/me
with an account token, a string ``errors`` from override creation, a bare array answer to overrides).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pdtray.demo.account import Account, DemoUser, Incident, pd_id
from pdtray.demo.rendering import DemoSchedule, Override, Span, render_final
from pdtray.demo.shift_schedules import (
    EMPTY,
    Assignment,
    CustomShift,
    ShiftEvent,
    ShiftOverride,
    ShiftSchedule,
    render_assignments,
)
from pdtray.demo.shift_schedules import coverage as shift_coverage
from pdtray.oncall.timestamps import parse_timestamp

Query = dict[str, list[str]]
Json = dict[str, Any]


class TokenKind(StrEnum):
    USER = "user"  # a user token of the demo user: can do everything
    ACCOUNT = "account"  # an account-level key: /users/me answers 400, PUT /incidents needs From
    READ_ONLY = "read-only"  # an account-level read-only key: writes answer 403


DEMO_TOKEN = "demo-user-token"
TOKENS = {
    DEMO_TOKEN: TokenKind.USER,
    "demo-account-token": TokenKind.ACCOUNT,
    "demo-readonly-token": TokenKind.READ_ONLY,
}
MAX_WINDOW = timedelta(days=90)
DEFAULT_SCHEDULE_SPAN = timedelta(days=14)
#: GET /incidents without statuses[] or since: every status, created in the last month
DEFAULT_INCIDENT_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)


class ApiError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _error(status: int, message: str, code: int, errors: list[str] | None = None) -> ApiError:
    payload: Json = {"message": message, "code": code}
    if errors:
        payload["errors"] = errors
    return ApiError(status, {"error": payload})


def _not_found(what: str = "Not Found", code: int = 2100) -> ApiError:
    return _error(404, what, code)


def _invalid(*errors: str) -> ApiError:
    return _error(400, "Invalid Input Provided", 2001, list(errors))


def _ts(value: datetime, zone: ZoneInfo | None = None) -> str:
    return (value.astimezone(zone) if zone else value.astimezone(UTC)).isoformat()


class DemoAPI:
    def __init__(self, account: Account, base_url: str = "", clock: Callable[[], datetime] | None = None) -> None:
        from pdtray.demo.oauth import OAuthServer

        self.account = account
        #: "Sign in with PagerDuty": its access tokens act as the demo user's
        self.oauth = OAuthServer()
        self.base_url = base_url
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()  # the account is shared by the server's threads
        self._oncall_cache: dict[tuple[Any, ...], list[Json]] = {}
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Any]]] = [
            ("GET", re.compile(r"/users/me"), self._get_me),
            ("GET", re.compile(r"/users"), self._list_users),
            ("GET", re.compile(r"/users/(?P<user_id>[^/]+)"), self._get_user),
            ("GET", re.compile(r"/users/(?P<user_id>[^/]+)/contact_methods"), self._list_contact_methods),
            ("GET", re.compile(r"/escalation_policies"), self._list_policies),
            ("GET", re.compile(r"/escalation_policies/(?P<policy_id>[^/]+)"), self._get_policy),
            ("GET", re.compile(r"/services/(?P<service_id>[^/]+)"), self._get_service),
            ("GET", re.compile(r"/services/(?P<service_id>[^/]+)/change_events"), self._list_change_events),
            ("GET", re.compile(r"/v3/schedules"), self._list_shift_schedules),
            ("GET", re.compile(r"/v3/schedules/(?P<schedule_id>[^/]+)"), self._get_shift_schedule),
            ("POST", re.compile(r"/v3/schedules/(?P<schedule_id>[^/]+)/overrides"), self._create_shift_overrides),
            ("POST", re.compile(r"/v3/schedules/(?P<schedule_id>[^/]+)/custom_shifts"), self._create_custom_shifts),
            ("GET", re.compile(r"/schedules"), self._list_schedules),
            ("GET", re.compile(r"/schedules/(?P<schedule_id>[^/]+)"), self._get_schedule),
            ("POST", re.compile(r"/schedules/(?P<schedule_id>[^/]+)/overrides"), self._create_overrides),
            ("GET", re.compile(r"/oncalls"), self._list_oncalls),
            ("GET", re.compile(r"/incidents"), self._list_incidents),
            ("POST", re.compile(r"/incidents"), self._create_incident),
            ("GET", re.compile(r"/services"), self._list_services),
            ("GET", re.compile(r"/incidents/(?P<incident_id>[^/]+)"), self._get_incident),
            ("PUT", re.compile(r"/incidents/(?P<incident_id>[^/]+)"), self._update_incident),
        ]
        #: Events API dedup keys of alerts still open, as PagerDuty folds a repeated trigger into the open alert
        self._open_alerts: dict[str, str] = {}

    # -- entry point ---------------------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: Query, headers: dict[str, str], body: bytes) -> Reply:
        try:
            if path == "/v2/enqueue" and method == "POST":
                status, payload = self._enqueue(body)
                return self._reply(status, payload)
            if path == "/oauth/authorize" and method == "GET":
                return Reply(*self.oauth.authorize(query))
            if path == "/oauth/token" and method == "POST":
                return Reply(*self.oauth.token(body))
            if path == "/oauth/revoke" and method == "POST":
                return Reply(*self.oauth.revoke(body))
            kind = self._authenticate(headers.get("authorization", ""))
            for route_method, pattern, handler in self._routes:
                match = pattern.fullmatch(path)
                if match and route_method == method:
                    with self._lock:
                        return self._reply(
                            *handler(kind=kind, query=query, headers=headers, body=body, **match.groupdict())
                        )
            if any(pattern.fullmatch(path) for _, pattern, _ in self._routes):
                raise _error(405, "Method Not Allowed", 2000)
            raise _not_found()
        except ApiError as exc:
            return self._reply(exc.status, exc.body)

    @staticmethod
    def _reply(status: int, payload: Any) -> Reply:
        return Reply(status, json.dumps(payload).encode())

    def _authenticate(self, header: str) -> TokenKind:
        token = None
        if header.startswith("Token token="):
            token = header[len("Token token=") :]
        elif header.startswith("Bearer "):
            token = header[len("Bearer ") :]
        kind = TOKENS.get(token or "")
        if kind is None and header.startswith("Bearer ") and self.oauth.valid_access(token or ""):
            kind = TokenKind.USER  # an OAuth token of the signed-in demo user
        if kind is None:
            raise _error(401, "Authentication failed", 2006)
        return kind

    # -- helpers ------------------------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self._clock()

    @staticmethod
    def _one(query: Query, key: str) -> str | None:
        values = query.get(key)
        return values[-1] if values else None

    def _time(self, query: Query, key: str, default: datetime) -> datetime:
        raw = self._one(query, key)
        if raw is None:
            return default
        try:
            return parse_timestamp(raw)
        except ValueError:
            raise _invalid(f"{key} is not a valid date") from None

    @staticmethod
    def _zone(query: Query, fallback: str | None) -> ZoneInfo | None:
        raw = DemoAPI._one(query, "time_zone") or fallback
        if raw is None:
            return None
        try:
            return ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError):
            raise _invalid("Time zone is invalid") from None

    def _paginate(self, query: Query, key: str, items: list[Json]) -> tuple[int, Json]:
        try:
            limit = int(self._one(query, "limit") or 25)
            offset = int(self._one(query, "offset") or 0)
        except ValueError:
            raise _invalid("limit and offset must be integers") from None
        if limit < 1 or offset < 0:
            raise _invalid("limit must be at least 1 and offset at least 0")
        limit = min(limit, 100)
        if offset + limit > 10_000:
            raise _error(400, "Offset must be less than 10000", 2001, ["Offset must be less than 10000"])
        page = items[offset : offset + limit]
        total = len(items) if self._one(query, "total") == "true" else None
        return 200, {
            key: page,
            "limit": limit,
            "offset": offset,
            "more": offset + len(page) < len(items),
            "total": total,
        }

    def _user_json(self, user: DemoUser, full: bool = True) -> Json:
        ref: Json = {
            "id": user.id,
            "type": "user_reference" if not full else "user",
            "summary": user.name,
            "self": f"{self.base_url}/users/{user.id}",
            "html_url": f"{self.base_url}/web/users/{user.id}",
        }
        if user.deleted_at:
            ref["deleted_at"] = user.deleted_at
        if full:
            ref.update(
                name=user.name,
                email=user.email,
                time_zone=user.time_zone,
                color=user.color,
                role=user.role,
                avatar_url=f"https://secure.gravatar.com/avatar/{pd_id('avatar', user.id).lower()}.png?d=mm&r=PG",
                contact_methods=[
                    self._ref("contact_method", c.id, c.label, type_=f"{c.type}_reference", path=f"users/{user.id}")
                    for c in user.contact_methods
                ],
            )
        return ref

    def _ref(self, kind: str, obj_id: str, summary: str, *, type_: str | None = None, path: str = "") -> Json:
        plural = {
            "schedule": "schedules",
            "escalation_policy": "escalation_policies",
            "service": "services",
            "user": "users",
            "contact_method": "contact_methods",
        }[kind]
        where = f"{path}/{plural}" if path else plural
        return {
            "id": obj_id,
            "type": type_ or f"{kind}_reference",
            "summary": summary,
            "self": f"{self.base_url}/{where}/{obj_id}",
            "html_url": None if path else f"{self.base_url}/web/{plural}/{obj_id}",
        }

    def _schedule_summary(self, s: DemoSchedule) -> Json:
        policies = [
            p
            for p in self.account.policies.values()
            if any(t.kind == "schedule" and t.id == s.id for lvl in p.levels for t in lvl)
        ]
        members = sorted({u for layer in s.layers for u in layer.users})
        return {
            "id": s.id,
            "type": "schedule",
            "summary": s.name,
            "self": f"{self.base_url}/schedules/{s.id}",
            "html_url": f"{self.base_url}/web/schedules/{s.id}",
            "http_cal_url": f"{self.base_url}/web/schedules/{s.id}.ics",
            "web_cal_url": f"{self.base_url.replace('http://', 'webcal://', 1)}/web/schedules/{s.id}.ics",
            "name": s.name,
            "time_zone": s.time_zone,
            "description": s.description,
            "escalation_policies": [self._ref("escalation_policy", p.id, p.name) for p in policies],
            "users": [self._user_json(self.account.users[u], full=False) for u in members],
            "teams": [],
        }

    def _schedule(self, schedule_id: str) -> DemoSchedule:
        schedule = self.account.schedules.get(schedule_id)
        if schedule is None:
            if schedule_id in self.account.shift_schedules:
                raise _invalid("This schedule is shift-based; read it at /v3/schedules/{id}")
            raise _not_found("Schedule Not Found", 3004)
        return schedule

    # -- users --------------------------------------------------------------------------------------------------

    def _get_me(self, *, kind: TokenKind, **_: Any) -> tuple[int, Any]:
        if kind is not TokenKind.USER:
            raise ApiError(
                400,
                {
                    "error": "Because this request was made using an account-level access token, we were unable to "
                    "determine the user's identity. Please use a user-level token."
                },
            )
        return 200, {"user": self._user_json(self.account.users[self.account.me])}

    def _get_user(self, *, user_id: str, **_: Any) -> tuple[int, Any]:
        user = self.account.users.get(user_id)
        if user is None:
            raise _not_found()
        return 200, {"user": self._user_json(user)}

    def _list_users(self, *, query: Query, **_: Any) -> tuple[int, Any]:
        text = (self._one(query, "query") or "").casefold()
        found = sorted(
            (u for u in self.account.users.values() if not u.deleted_at and text in f"{u.name} {u.email}".casefold()),
            key=lambda u: u.name.casefold(),
        )
        return self._paginate(query, "users", [self._user_json(u) for u in found])

    def _list_contact_methods(self, *, user_id: str, **_: Any) -> tuple[int, Any]:
        user = self.account.users.get(user_id)
        if user is None:
            raise _not_found()
        if user.contacts_hidden:
            raise _error(403, "Access Denied", 2010, ["You are not authorized to view this user's contact methods."])
        methods = []
        for c in user.contact_methods:
            method: Json = {
                **self._ref("contact_method", c.id, c.label, type_=c.type, path=f"users/{user.id}"),
                "label": c.label,
                "address": c.address,
            }
            if c.type == "email_contact_method":
                method["send_short_email"] = False
            else:
                method.update(country_code=c.country_code, blacklisted=False)
                if c.type == "sms_contact_method":
                    method["enabled"] = True
            methods.append(method)
        return 200, {"contact_methods": methods}

    # -- escalation policies and services -------------------------------------------------------------------------

    def _policy_json(self, policy: Any) -> Json:
        def target(t: Any) -> Json:
            if t.kind == "user":
                return self._ref("user", t.id, self.account.users[t.id].name)
            schedule = self.account.schedules.get(t.id) or self.account.shift_schedules[t.id]
            return self._schedule_ref(schedule)

        return {
            **self._ref("escalation_policy", policy.id, policy.name),
            "type": "escalation_policy",
            "name": policy.name,
            "escalation_rules": [
                {
                    "id": pd_id("rule", policy.id, str(n)),
                    "escalation_delay_in_minutes": 30,
                    "targets": [target(t) for t in targets],
                }
                for n, targets in enumerate(policy.levels, start=1)
            ],
            "services": [
                self._ref("service", s.id, s.name)
                for s in self.account.services.values()
                if s.escalation_policy == policy.id
            ],
            "num_loops": 0,
            "on_call_handoff_notifications": "if_has_services",
            "teams": [],
            "description": "",
        }

    def _list_policies(self, *, query: Query, **_: Any) -> tuple[int, Any]:
        text = (self._one(query, "query") or "").casefold()
        found = sorted(
            (p for p in self.account.policies.values() if text in p.name.casefold()), key=lambda p: p.name.casefold()
        )
        return self._paginate(query, "escalation_policies", [self._policy_json(p) for p in found])

    def _get_policy(self, *, policy_id: str, **_: Any) -> tuple[int, Any]:
        policy = self.account.policies.get(policy_id)
        if policy is None:
            raise _not_found("Escalation Policy Not Found", 2100)
        return 200, {"escalation_policy": self._policy_json(policy)}

    def _service_json(self, service: Any) -> Json:
        policy = self.account.policies[service.escalation_policy]
        return {
            **self._ref("service", service.id, service.name),
            "type": "service",
            "name": service.name,
            "description": None,
            "status": "active",
            "escalation_policy": self._ref("escalation_policy", policy.id, policy.name),
        }

    def _get_service(self, *, service_id: str, **_: Any) -> tuple[int, Any]:
        service = self.account.services.get(service_id)
        if service is None:
            raise _not_found("Service Not Found", 2100)
        return 200, {"service": self._service_json(service)}

    def _list_change_events(self, *, service_id: str, query: Query, **_: Any) -> tuple[int, Any]:
        service = self.account.services.get(service_id)
        if service is None:
            raise _not_found("Service Not Found", 2100)
        since = self._time(query, "since", datetime.min.replace(tzinfo=UTC))
        until = self._time(query, "until", self.now())
        found = sorted(
            (e for e in self.account.change_events if e.service == service.id and since <= e.timestamp <= until),
            key=lambda e: e.timestamp,
            reverse=True,
        )
        events = [
            {
                "id": e.id,
                "type": "change_event",
                "summary": e.summary,
                "timestamp": _ts(e.timestamp),
                "source": e.source,
                "services": [self._ref("service", service.id, service.name)],
                "links": [{"href": e.link, "text": "Run"}],
                "custom_details": {},
            }
            for e in found
        ]
        return self._paginate(query, "change_events", events)

    # -- schedules ----------------------------------------------------------------------------------------------

    def _list_schedules(self, *, query: Query, **_: Any) -> tuple[int, Any]:
        text = (self._one(query, "query") or "").casefold()
        found = sorted(
            (s for s in self.account.schedules.values() if text in s.name.casefold()),
            key=lambda s: s.name.casefold(),
        )
        return self._paginate(query, "schedules", [self._schedule_summary(s) for s in found])

    def _get_schedule(self, *, schedule_id: str, query: Query, **_: Any) -> tuple[int, Any]:
        s = self._schedule(schedule_id)
        zone = self._zone(query, s.time_zone)
        body = self._schedule_summary(s)
        since_raw, until_raw = self._one(query, "since"), self._one(query, "until")
        entries: list[Json] = []
        coverage = None
        if since_raw or until_raw:
            # PagerDuty defaults a missing bound to two weeks from the given one
            if since_raw:
                since = self._time(query, "since", self.now())
                until = self._time(query, "until", since + DEFAULT_SCHEDULE_SPAN)
            else:
                until = self._time(query, "until", self.now())
                since = until - DEFAULT_SCHEDULE_SPAN
            if until <= since:
                raise _invalid("until must be after since")
            overflow = self._one(query, "overflow") == "true"
            spans = render_final(s, since, until, overflow=overflow)
            entries = [self._entry(span, zone) for span in spans]
            covered = sum((min(sp.end, until) - max(sp.start, since)).total_seconds() for sp in spans)
            coverage = round(100 * covered / (until - since).total_seconds(), 2)
        body.update(
            schedule_layers=[
                {
                    "id": f"{s.id}-L{i + 1}",
                    "name": layer.name,
                    "start": _ts(layer.start, zone),
                    "end": _ts(layer.end, zone) if layer.end else None,
                    "rotation_virtual_start": _ts(layer.rotation_virtual_start, zone),
                    "rotation_turn_length_seconds": int(layer.turn.total_seconds()),
                    "users": [{"user": self._user_json(self.account.users[u], full=False)} for u in layer.users],
                    "restrictions": [
                        {
                            "type": "weekly_restriction" if r.weekdays else "daily_restriction",
                            "start_time_of_day": r.start.strftime("%H:%M:%S"),
                            "duration_seconds": int(r.duration.total_seconds()),
                            **({"start_day_of_week": min(r.weekdays)} if r.weekdays else {}),
                        }
                        for r in layer.restrictions
                    ],
                }
                for i, layer in enumerate(s.layers)
            ],
            overrides_subschedule={"name": "Overrides", "rendered_schedule_entries": []},
            final_schedule={
                "name": "Final Schedule",
                "rendered_schedule_entries": entries,
                "rendered_coverage_percentage": coverage,
            },
        )
        return 200, {"schedule": body}

    def _entry(self, span: Span, zone: ZoneInfo | None) -> Json:
        return {
            "start": _ts(span.start, zone),
            "end": _ts(span.end, zone),
            "user": self._user_json(self.account.users[span.user], full=False),
        }

    def _create_overrides(self, *, kind: TokenKind, schedule_id: str, body: bytes, **_: Any) -> tuple[int, Any]:
        if kind is TokenKind.READ_ONLY:
            raise _error(403, "Access Denied", 2010, ["This API key is read-only."])
        schedule = self._schedule(schedule_id)
        try:
            wanted = json.loads(body or b"{}")["overrides"]
            assert isinstance(wanted, list) and wanted
        except (ValueError, KeyError, TypeError, AssertionError):
            raise _invalid("overrides must be a non-empty list") from None
        answer = []
        for item in wanted:
            try:
                start, end = parse_timestamp(item["start"]), parse_timestamp(item["end"])
                user_id = item["user"]["id"]
            except (KeyError, TypeError, ValueError):
                raise _invalid("Override is missing start, end or user") from None
            problem = None
            if user_id not in self.account.users or self.account.users[user_id].deleted_at:
                problem = "User not found"
            elif end <= start:
                problem = "Override end must be after its start"
            elif end <= self.now():
                problem = "Overrides cannot be created in the past"
            if problem:
                raise _invalid(problem)
            override = Override(f"PO{len(schedule.overrides) + 1:05d}", user_id, start, end)
            schedule.overrides.append(override)
            self._oncall_cache.clear()
            answer.append(
                {
                    "status": 201,
                    "override": {
                        "id": override.id,
                        "start": _ts(start, schedule.zone),
                        "end": _ts(end, schedule.zone),
                        "user": self._user_json(self.account.users[user_id], full=False),
                    },
                }
            )
        return 201, answer

    # -- shift-based (v3) schedules -----------------------------------------------------------------------------

    def _shift_schedule(self, schedule_id: str) -> ShiftSchedule:
        schedule = self.account.shift_schedules.get(schedule_id)
        if schedule is None:
            if schedule_id in self.account.schedules:
                # as PagerDuty: a layer-based schedule's ID answers 400 here, and the client falls back to v2
                raise _invalid("Schedule is not a shift-based schedule")
            raise _not_found("Schedule Not Found", 3004)
        return schedule

    def _shift_ref(self, s: ShiftSchedule) -> Json:
        return {
            "id": s.id,
            "type": "schedule_v3_reference",
            "summary": s.name,
            "self": f"{self.base_url}/v3/schedules/{s.id}",
            "html_url": f"{self.base_url}/web/schedules/{s.id}",
        }

    def _list_shift_schedules(self, *, query: Query, **_: Any) -> tuple[int, Any]:
        """References only, limit up to 1000 (default 100), and no ``total``: v3's list, not v2's."""
        text = (self._one(query, "query") or "").casefold()
        found = sorted(
            (s for s in self.account.shift_schedules.values() if text in s.name.casefold()),
            key=lambda s: s.name.casefold(),
        )
        try:
            limit = int(self._one(query, "limit") or 100)
            offset = int(self._one(query, "offset") or 0)
        except ValueError:
            raise _invalid("limit and offset must be integers") from None
        if not 1 <= limit <= 1000 or offset < 0:
            raise _invalid("limit must be from 1 to 1000 and offset at least 0")
        page = found[offset : offset + limit]
        return 200, {
            "schedules": [self._shift_ref(s) for s in page],
            "limit": limit,
            "offset": offset,
            "more": offset + len(page) < len(found),
        }

    def _get_shift_schedule(self, *, schedule_id: str, query: Query, **_: Any) -> tuple[int, Any]:
        s = self._shift_schedule(schedule_id)
        zone = self._zone(query, s.time_zone)
        policies = [
            self._ref("escalation_policy", p.id, p.name)
            for p in self.account.policies.values()
            if any(t.kind == "schedule" and t.id == s.id for lvl in p.levels for t in lvl)
        ]
        body: Json = {
            **self._shift_ref(s),
            "type": "schedule_v3",
            "name": s.name,
            "description": s.description,
            "time_zone": s.time_zone,
            "escalation_policies": policies,
            "teams": [],
            "http_cal_url": f"{self.base_url}/web/schedules/{s.id}.ics",
            "web_cal_url": f"{self.base_url.replace('http://', 'webcal://', 1)}/web/schedules/{s.id}.ics",
            "rotations": [
                {"id": r.id, "type": "schedule_rotation", "events": [self._event_json(e) for e in r.events]}
                for r in s.rotations
            ],
        }
        if "final_schedule" in query.get("include[]", []):
            since = self._time(query, "since", self.now())
            until = self._time(query, "until", since + timedelta(days=1))
            if until <= since:
                raise _invalid("until must be after since")
            assignments = render_assignments(s, since, until)
            body["final_schedule"] = {
                "type": "final_schedule",
                "rendered_coverage_percentage": shift_coverage(assignments, since, until),
                "computed_shift_assignments": [self._assignment_json(a, zone) for a in assignments],
            }
        return 200, {"schedule": body}

    @staticmethod
    def _member_json(user_id: str) -> Json:
        return {"type": "empty_member"} if user_id == EMPTY else {"type": "user_member", "user_id": user_id}

    def _event_json(self, e: ShiftEvent) -> Json:
        zone = ZoneInfo(e.time_zone)
        strategy: Json = {"type": e.strategy, "members": [self._member_json(m) for m in e.members]}
        if e.strategy == "rotating_member_assignment_strategy":
            strategy["shifts_per_member"] = e.shifts_per_member
        return {
            "id": e.id,
            "type": "schedule_event",
            "name": e.name,
            "start_time": {"date_time": _ts(e.first_start, zone), "time_zone": e.time_zone},
            "end_time": {"date_time": _ts(e.first_end, zone), "time_zone": e.time_zone},
            "effective_since": _ts(e.effective_since),
            "effective_until": _ts(e.effective_until) if e.effective_until else None,
            "recurrence": list(e.recurrence),
            "assignment_strategy": strategy,
        }

    def _assignment_json(self, a: Assignment, zone: ZoneInfo | None) -> Json:
        source: Json = {"type": a.source}
        if a.rotation_id:
            source["rotation_id"] = a.rotation_id
        if a.shift_id:
            source["shift_id"] = a.shift_id
        if a.override_id:
            source["override_id"] = a.override_id
        return {
            "type": "computed_shift_assignment",
            "start_time": _ts(a.start, zone),
            "end_time": _ts(a.end, zone),
            "member": self._member_json(a.user),
            "source": source,
        }

    def _writable_shift_schedule(self, kind: TokenKind, schedule_id: str) -> ShiftSchedule:
        if kind is TokenKind.READ_ONLY:
            raise _error(403, "Access Denied", 2010, ["This API key is read-only."])
        return self._shift_schedule(schedule_id)

    def _window(self, item: Any) -> tuple[datetime, datetime]:
        try:
            start, end = parse_timestamp(item["start_time"]), parse_timestamp(item["end_time"])
        except (KeyError, TypeError, ValueError):
            raise _invalid("start_time and end_time are required") from None
        if end <= start:
            raise _invalid("end_time must be after start_time")
        if end <= self.now():
            raise _invalid("Shifts cannot be created in the past")
        return start, end

    def _member_user(self, member: Any, what: str) -> str:
        if not isinstance(member, dict) or member.get("type") != "user_member":
            raise _invalid(f"{what} must be a user_member")
        user = self.account.users.get(str(member.get("user_id")))
        if user is None or user.deleted_at:
            raise _invalid(f"{what}: user not found")
        return user.id

    @staticmethod
    def _items(body: bytes, key: str) -> list[Any]:
        try:
            items = json.loads(body or b"{}")[key]
            assert isinstance(items, list) and items
        except (ValueError, KeyError, TypeError, AssertionError):
            raise _invalid(f"{key} must be a non-empty list") from None
        return items

    def _create_shift_overrides(self, *, kind: TokenKind, schedule_id: str, body: bytes, **_: Any) -> tuple[int, Any]:
        schedule = self._writable_shift_schedule(kind, schedule_id)
        created = []
        for item in self._items(body, "overrides"):
            if not isinstance(item, dict) or item.get("type") != "override_shift":
                raise _invalid("type must be override_shift")
            rotation_id, shift_id = item.get("rotation_id"), item.get("custom_shift_id")
            if (rotation_id is None) == (shift_id is None):
                raise _invalid("Exactly one of rotation_id and custom_shift_id must be set")
            if rotation_id is not None and rotation_id not in {r.id for r in schedule.rotations}:
                raise _invalid("rotation_id does not name a rotation of this schedule")
            if shift_id is not None and shift_id not in {c.id for c in schedule.custom_shifts}:
                raise _invalid("custom_shift_id does not name a custom shift of this schedule")
            start, end = self._window(item)
            overridden = self._member_user(item.get("overridden_member"), "overridden_member")
            overriding = self._member_user(item.get("overriding_member"), "overriding_member")
            override = ShiftOverride(
                pd_id("override", schedule.id, str(len(schedule.overrides))), start, end, overridden, overriding,
                rotation_id, shift_id,
            )  # fmt: skip
            schedule.overrides.append(override)
            created.append(
                {
                    "id": override.id,
                    "type": "override_shift",
                    **({"rotation_id": rotation_id} if rotation_id else {"custom_shift_id": shift_id}),
                    "start_time": _ts(start),
                    "end_time": _ts(end),
                    "overridden_member": self._member_json(overridden),
                    "overriding_member": self._member_json(overriding),
                }
            )
        self._oncall_cache.clear()
        return 201, {"overrides": created}

    def _create_custom_shifts(self, *, kind: TokenKind, schedule_id: str, body: bytes, **_: Any) -> tuple[int, Any]:
        schedule = self._writable_shift_schedule(kind, schedule_id)
        created = []
        for item in self._items(body, "custom_shifts"):
            if not isinstance(item, dict) or item.get("type") != "custom_shift":
                raise _invalid("type must be custom_shift")
            assignments = item.get("assignments")
            if not isinstance(assignments, list) or len(assignments) != 1:
                raise _invalid("A custom shift takes exactly one assignment")
            start, end = self._window(item)
            user = self._member_user((assignments[0] or {}).get("member"), "assignments[0].member")
            shift = CustomShift(pd_id("custom shift", schedule.id, str(len(schedule.custom_shifts))), user, start, end)
            schedule.custom_shifts.append(shift)
            created.append(
                {
                    "id": shift.id,
                    "type": "custom_shift",
                    "start_time": _ts(start),
                    "end_time": _ts(end),
                    "assignments": [{"type": "shift_assignment", "member": self._member_json(user)}],
                }
            )
        self._oncall_cache.clear()
        return 201, {"custom_shifts": created}

    # -- on-calls -----------------------------------------------------------------------------------------------

    def _list_oncalls(self, *, query: Query, **_: Any) -> tuple[int, Any]:
        now = self.now()
        since = self._time(query, "since", now)
        until = self._time(query, "until", since)
        if until < since:
            raise _invalid("until must not be before since")
        if until - since > MAX_WINDOW:
            raise _invalid("The maximum time window is 90 days")
        zone = self._zone(query, None)
        users_full = "users" in query.get("include[]", [])
        key = (
            since,
            until,
            str(zone),
            users_full,
            self._one(query, "earliest"),
            tuple(sorted(query.get("user_ids[]", []))),
            tuple(sorted(query.get("schedule_ids[]", []))),
            tuple(sorted(query.get("escalation_policy_ids[]", []))),
        )
        rows = self._oncall_cache.get(key)
        if rows is None:
            rows = self._oncall_rows(query, since, until, zone, users_full)
            if len(self._oncall_cache) > 64:
                self._oncall_cache.clear()
            self._oncall_cache[key] = rows
        return self._paginate(query, "oncalls", rows)

    def _oncall_rows(
        self, query: Query, since: datetime, until: datetime, zone: ZoneInfo | None, users_full: bool
    ) -> list[Json]:
        user_ids = set(query.get("user_ids[]", []))
        schedule_ids = set(query.get("schedule_ids[]", []))
        policy_ids = set(query.get("escalation_policy_ids[]", []))
        earliest = self._one(query, "earliest") == "true"
        rendered: dict[str, list[Span]] = {}
        rows: list[tuple[tuple[Any, ...], Json]] = []
        for policy in sorted(self.account.policies.values(), key=lambda p: p.name):
            if policy_ids and policy.id not in policy_ids:
                continue
            for level, targets in enumerate(policy.levels, start=1):
                for target in targets:
                    if target.kind == "user":
                        if schedule_ids:
                            continue
                        spans = [Span(target.id, datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC))]
                        schedule = None
                    else:
                        if schedule_ids and target.id not in schedule_ids:
                            continue
                        schedule = self.account.schedules.get(target.id) or self.account.shift_schedules[target.id]
                        if target.id not in rendered:
                            rendered[target.id] = self._spans(
                                target.id, since, max(until, since + timedelta(seconds=1))
                            )
                        spans = rendered[target.id]
                    seen_users: set[str] = set()
                    for span in spans:
                        if user_ids and span.user not in user_ids:
                            continue
                        if earliest and span.user in seen_users:
                            continue
                        seen_users.add(span.user)
                        permanent = schedule is None
                        row = {
                            "escalation_policy": self._ref("escalation_policy", policy.id, policy.name),
                            "escalation_level": level,
                            "schedule": self._schedule_ref(schedule) if schedule else None,
                            "user": self._user_json(self.account.users[span.user], full=users_full),
                            "start": None if permanent else _ts(span.start, zone),
                            "end": None if permanent else _ts(span.end, zone),
                        }
                        rows.append(((policy.name, level, span.start), row))
        rows.sort(key=lambda item: item[0])
        return [row for _, row in rows]

    def _schedule_ref(self, schedule: DemoSchedule | ShiftSchedule) -> Json:
        if isinstance(schedule, ShiftSchedule):
            return self._shift_ref(schedule)
        return self._ref("schedule", schedule.id, schedule.name)

    def _spans(self, schedule_id: str, since: datetime, until: datetime) -> list[Span]:
        """Who is on call on either kind of schedule, each shift with its true bounds (not cut to the window);
        on a shift-based schedule several spans may overlap."""
        layered = self.account.schedules.get(schedule_id)
        if layered is not None:
            return render_final(layered, since, until, overflow=True)
        margin = timedelta(days=2)  # longer than any demo shift, so that each keeps its real start and end
        assignments = render_assignments(self.account.shift_schedules[schedule_id], since - margin, until + margin)
        return [
            Span(a.user, a.start, a.end) for a in assignments if a.user != EMPTY and a.end > since and a.start < until
        ]

    # -- incidents ----------------------------------------------------------------------------------------------

    def _incident_json(self, incident: Incident) -> Json:
        service = self.account.services[incident.service]
        policy = self.account.policies[incident.escalation_policy or service.escalation_policy]
        return {
            "id": incident.id,
            "type": "incident",
            "summary": f"[#{incident.number}] {incident.title}",
            "incident_number": incident.number,
            "title": incident.title,
            "status": incident.status,
            "urgency": incident.urgency,
            "created_at": _ts(incident.created_at),
            "html_url": f"{self.base_url}/web/incidents/{incident.id}",
            "service": self._ref("service", service.id, service.name),
            # PagerDuty empties the assignments of a resolved incident
            "assignments": []
            if incident.status == "resolved"
            else [
                {"at": _ts(incident.created_at), "assignee": self._user_json(self.account.users[a], full=False)}
                for a in incident.assignees
            ],
            "escalation_policy": self._ref("escalation_policy", policy.id, policy.name),
        }

    def _list_incidents(self, *, query: Query, **_: Any) -> tuple[int, Any]:
        statuses = set(query.get("statuses[]", [])) or {"triggered", "acknowledged", "resolved"}
        since = self._time(query, "since", self.now() - DEFAULT_INCIDENT_WINDOW)
        user_ids = set(query.get("user_ids[]", []))
        urgencies = set(query.get("urgencies[]", []))
        found = [
            i
            for i in sorted(self.account.incidents.values(), key=lambda i: i.created_at, reverse=True)
            if i.status in statuses
            and (query.get("statuses[]") or i.created_at >= since)
            and (not user_ids or user_ids & set(i.assignees))
            and (not urgencies or i.urgency in urgencies)
        ]
        return self._paginate(query, "incidents", [self._incident_json(i) for i in found])

    def _get_incident(self, *, incident_id: str, **_: Any) -> tuple[int, Any]:
        incident = self.account.incidents.get(incident_id)
        if incident is None:
            raise _not_found("Incident Not Found", 5001)
        return 200, {"incident": self._incident_json(incident)}

    def _update_incident(
        self, *, kind: TokenKind, incident_id: str, headers: dict[str, str], body: bytes, **_: Any
    ) -> tuple[int, Any]:
        if kind is TokenKind.READ_ONLY:
            raise _error(403, "Access Denied", 2010, ["This API key is read-only."])
        incident = self.account.incidents.get(incident_id)
        if incident is None:
            raise _not_found("Incident Not Found", 5001)
        if kind is TokenKind.ACCOUNT and not headers.get("from"):
            raise _error(
                400,
                "Invalid Input Provided",
                2016,
                ["A valid user email address is required in the From header."],
            )
        try:
            status = json.loads(body or b"{}")["incident"]["status"]
        except (ValueError, KeyError, TypeError):
            raise _invalid("incident.status is required") from None
        if status not in {"acknowledged", "resolved"}:
            raise _invalid("Status must be acknowledged or resolved")
        if incident.status == "resolved":
            raise _invalid("Incident Already Resolved")
        incident.status = status
        return 200, {"incident": self._incident_json(incident)}

    def _create_incident(self, *, kind: TokenKind, headers: dict[str, str], body: bytes, **_: Any) -> tuple[int, Any]:
        if kind is TokenKind.READ_ONLY:
            raise _error(403, "Access Denied", 2010, ["This API key is read-only."])
        sender = headers.get("from", "")
        if not sender:
            raise _error(
                400, "Invalid Input Provided", 2016, ["A valid user email address is required in the From header."]
            )
        acting = next((u for u in self.account.users.values() if u.email == sender and not u.deleted_at), None)
        if acting is None:
            raise _error(400, "Invalid Input Provided", 2016, [f"No user has the email address {sender}."])
        try:
            wanted = json.loads(body or b"{}")["incident"]
            title = str(wanted["title"]).strip()
            service_id = wanted["service"]["id"]
        except (ValueError, KeyError, TypeError):
            raise _invalid("incident.title and incident.service are required") from None
        if not title:
            raise _invalid("Incident title cannot be empty")
        service = self.account.services.get(service_id)
        if service is None:
            raise _invalid("Service not found")
        urgency = wanted.get("urgency", "high")
        if urgency not in ("high", "low"):
            raise _invalid("Urgency must be high or low")
        assignees, policy_id = self._incident_targets(wanted)
        key = str(wanted.get("incident_key") or "")
        if key and any(
            i.incident_key == key and i.service == service.id and i.status != "resolved"
            for i in self.account.incidents.values()
        ):
            raise _error(
                400,
                "Arguments Caused Error",
                2002,
                ["Open incident with matching dedup key already exists on this service"],
            )
        incident = self._open_incident(service, title, urgency, assignees=assignees, policy_id=policy_id, key=key)
        return 201, {"incident": self._incident_json(incident)}

    def _incident_targets(self, wanted: Json) -> tuple[list[str] | None, str]:
        """Who a new incident goes to: the users of ``assignments``, or the first level of ``escalation_policy``
        (either, not both, as PagerDuty has it), else the service's own policy."""
        assignments, policy_ref = wanted.get("assignments"), wanted.get("escalation_policy")
        if assignments and policy_ref:
            raise _invalid("Incident cannot have both assignments and an escalation policy")
        if assignments:
            try:
                ids = [str(a["assignee"]["id"]) for a in assignments]
            except (KeyError, TypeError):
                raise _invalid("Each assignment needs an assignee with an id") from None
            for user_id in ids:
                user = self.account.users.get(user_id)
                if user is None or user.deleted_at:
                    raise _invalid(f"Assignee {user_id} not found")
            return ids, ""
        if policy_ref:
            policy_id = str((policy_ref or {}).get("id", "")) if isinstance(policy_ref, dict) else ""
            if policy_id not in self.account.policies:
                raise _invalid("Escalation policy not found")
            return None, policy_id
        return None, ""

    def _open_incident(
        self,
        service: Any,
        title: str,
        urgency: str,
        *,
        assignees: list[str] | None = None,
        policy_id: str = "",
        key: str = "",
    ) -> Incident:
        """A new triggered incident on ``service``, assigned to ``assignees`` or to whoever the escalation policy
        (``policy_id``, else the service's) reaches first."""
        number = max((i.number for i in self.account.incidents.values()), default=100) + 1
        if assignees is None:
            policy = self.account.policies[policy_id or service.escalation_policy]
            first = self._first_responder(policy.levels[0]) if policy.levels else None
            assignees = [first] if first else []
        incident = Incident(
            f"PI{number:05d}",
            number,
            title,
            "triggered",
            urgency,
            service.id,
            assignees,
            self.now(),
            escalation_policy=policy_id,
            incident_key=key,
        )
        self.account.incidents[incident.id] = incident
        return incident

    def _list_services(self, *, query: Query, **_: Any) -> tuple[int, Any]:
        wanted = (self._one(query, "query") or "").lower()
        found = [
            self._service_json(s)
            for s in sorted(self.account.services.values(), key=lambda s: s.name)
            if wanted in s.name.lower()
        ]
        return self._paginate(query, "services", found)

    # -- Events API v2 ------------------------------------------------------------------------------------------

    def _enqueue(self, body: bytes) -> tuple[int, Any]:
        try:
            event = json.loads(body or b"{}")
            assert isinstance(event, dict)
        except (ValueError, AssertionError):
            return 400, {
                "status": "invalid event",
                "message": "Event object is invalid",
                "errors": ["Invalid JSON"],
            }
        key = str(event.get("routing_key", ""))
        errors = []
        if len(key) != 32:
            errors.append("Length of 'routing_key' is incorrect (should be 32 characters)")
        action = event.get("event_action")
        if action not in {"trigger", "acknowledge", "resolve"}:
            errors.append("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)")
        payload = event.get("payload") or {}
        if action == "trigger":
            if not payload.get("summary"):
                errors.append("'payload.summary' is missing or blank")
            if payload.get("severity") not in {"critical", "error", "warning", "info"}:
                errors.append("'payload.severity' is invalid (must be one of: critical, error, warning, info)")
        with self._lock:
            service = next((s for s in self.account.services.values() if s.routing_key == key), None)
            if not errors and service is None:
                errors.append("The routing key does not match an integration")
            if errors:
                return 400, {
                    "status": "invalid event",
                    "message": "Event object is invalid",
                    "errors": errors,
                }
            dedup = str(event.get("dedup_key") or f"pdtray-{len(self.account.incidents) + 1}")
            open_incident = self.account.incidents.get(self._open_alerts.get(dedup, ""))
            if action == "trigger" and (open_incident is None or open_incident.status == "resolved"):
                urgency = "high" if payload["severity"] in {"critical", "error"} else "low"
                self._open_alerts[dedup] = self._open_incident(service, str(payload["summary"]), urgency).id
        return 202, {"status": "success", "message": "Event processed", "dedup_key": dedup}

    def _first_responder(self, targets: list[Any]) -> str | None:
        now = self.now()
        for target in targets:
            if target.kind == "user":
                return target.id
            spans = self._spans(target.id, now, now + timedelta(seconds=1))
            if spans:
                return spans[0].user
        return None
