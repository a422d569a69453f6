"""What a person does from the tray or the command line besides looking: acknowledge or resolve an incident, page
the on-call for a service, take a shift. Shared by both, so that they behave and fail alike.

Each function is one intent: it sends the fewest requests that carry it out and turns PagerDuty's answer (or
refusal) into a domain object or a PagerDutyError whose message says what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pdtray.app.queries import invalid_answer
from pdtray.oncall import DecodeError, Ref, Timeline, User
from pdtray.oncall.decode import decode_ref
from pdtray.oncall.incidents import Incident, decode_incident
from pdtray.oncall.take_shift import TAKE_OVER, ShiftToTake
from pdtray.oncall.timestamps import parse_timestamp
from pdtray.pagerduty.errors import BadRequestError, InvalidResponseError

if TYPE_CHECKING:
    from pdtray.pagerduty.client import PagerDutyClient

SEVERITIES = ("critical", "error", "warning", "info")


def urgency_of(severity: str) -> str:
    """An Events API severity as a REST incident's urgency: critical and error page now, the others wait."""
    return "high" if severity in ("critical", "error") else "low"


async def set_incident_status(
    client: PagerDutyClient, incident_id: str, status: str, *, from_email: str | None
) -> Incident:
    """Acknowledge or resolve. ``from_email`` goes in the From header, which account-level tokens must send.

    Both are idempotent in effect, so the client may retry them; a retry whose first try did go through meets
    "Incident Already Resolved", and so does a resolve someone else did first: either way the incident is in the
    state asked for, which is success, not an error to roll back."""
    try:
        raw = await client.update_incident(incident_id, status=status, from_email=from_email)
    except BadRequestError as exc:
        if status != "resolved" or "already resolved" not in str(exc).lower():
            raise
        raw = await client.incident(incident_id)
        if raw.get("status") != "resolved":
            raise
    try:
        return decode_incident(raw)
    except DecodeError as exc:
        raise invalid_answer(f"incident {incident_id}", exc) from None


async def services(client: PagerDutyClient, *, query: str | None = None) -> list[Ref]:
    try:
        return [decode_ref(s, "service") for s in await client.services(query=query)]
    except DecodeError as exc:
        raise invalid_answer("services", exc) from None


def new_dedup_key() -> str:
    """A key for one "page" intent, made once when the person confirms and reused for every try of it."""
    import uuid

    return f"pdtray-{uuid.uuid4()}"


@dataclass(frozen=True)
class PageResult:
    #: "events" (Events API v2, with the service's routing key) or "rest" (POST /incidents, with the token)
    via: str
    incident: Incident | None = None
    dedup_key: str | None = None
    #: PagerDuty already had this page (same dedup key): an earlier try reached it
    already: bool = False


async def page_on_call(
    client: PagerDutyClient,
    *,
    service_id: str,
    summary: str,
    severity: str = "critical",
    routing_key: str | None = None,
    from_email: str | None = None,
    dedup_key: str | None = None,
) -> PageResult:
    """Triggers an incident on the service, which pages whoever its escalation policy reaches first.

    With the service's integration (routing) key this goes through Events API v2, which any token may use; without
    one it is a REST POST /incidents, which needs a token allowed to write and the acting user's email.

    ``dedup_key`` names this one intent (see :func:`new_dedup_key`): the Events API folds every event sent with it
    into one alert, so a retry, or the person pressing "Page" again after an uncertain answer, pages once. A REST
    POST has no such key, so the client never repeats it once it may have arrived."""
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}")
    if not summary.strip():
        raise ValueError("say what is wrong: the summary is what the on-call reads first")
    if routing_key:
        import platform

        try:
            answer = await client.send_event(
                routing_key=routing_key,
                action="trigger",
                summary=summary.strip(),
                severity=severity,
                source=f"pdtray on {platform.node() or 'this computer'}",
                dedup_key=dedup_key or new_dedup_key(),
            )
        except BadRequestError as exc:
            raise BadRequestError(
                f"{exc} Check the integration key saved for this service: it is the Events API v2 key on the "
                "service's Integrations tab in PagerDuty.",
                status=exc.status,
                code=exc.code,
            ) from None
        return PageResult("events", dedup_key=str(answer.get("dedup_key") or "") or None)
    urgency = urgency_of(severity)
    raw = await client.create_incident(
        service_id=service_id, title=summary.strip(), urgency=urgency, from_email=from_email
    )
    try:
        return PageResult("rest", incident=decode_incident(raw))
    except DecodeError as exc:
        raise invalid_answer("the new incident", exc) from None


DUPLICATE_PAGE = "Open incident with matching dedup key already exists on this service"


async def page_directly(
    client: PagerDutyClient,
    *,
    service_id: str,
    summary: str,
    urgency: str = "high",
    user_id: str | None = None,
    escalation_policy_id: str | None = None,
    from_email: str | None = None,
    dedup_key: str,
) -> PageResult:
    """Pages one person (an incident assigned to ``user_id``) or one escalation policy, on ``service_id`` (every
    incident belongs to a service). REST only: it needs a token allowed to write and the acting user's email.

    ``dedup_key`` (made once per intent, see :func:`new_dedup_key`) goes out as the incident_key: PagerDuty then
    refuses a second open incident with it, so pressing "Page" again after an uncertain answer cannot page twice;
    that refusal is read as "already paged"."""
    if (user_id is None) == (escalation_policy_id is None):
        raise ValueError("page either a person or an escalation policy")
    if not summary.strip():
        raise ValueError("say what is wrong: the summary is what they read first")
    if urgency not in ("high", "low"):
        raise ValueError("urgency must be high or low")
    try:
        raw = await client.create_incident(
            service_id=service_id,
            title=summary.strip(),
            urgency=urgency,
            from_email=from_email,
            assignee_ids=[user_id] if user_id else (),
            escalation_policy_id=escalation_policy_id,
            incident_key=dedup_key,
        )
    except BadRequestError as exc:
        if DUPLICATE_PAGE in str(exc):
            return PageResult("rest", dedup_key=dedup_key, already=True)
        raise
    try:
        return PageResult("rest", incident=decode_incident(raw), dedup_key=dedup_key)
    except DecodeError as exc:
        raise invalid_answer("the new incident", exc) from None


@dataclass(frozen=True)
class TakenShift:
    #: the override's ID, or the custom shift's (shift-based schedules: ``how`` says which)
    override_id: str
    schedule: Ref
    start: datetime
    end: datetime
    user: User
    from_user: User | None
    how: str = TAKE_OVER


async def take_shift(client: PagerDutyClient, timeline: Timeline, me: User, shift: ShiftToTake) -> TakenShift:
    """Puts ``me`` on ``timeline``'s schedule for ``shift``: an override on a layer-based schedule; on a
    shift-based one an override of the replaced member's rotation or custom shift, or a custom shift to cover a
    gap or add a responder (see take_shift.shift_to_take)."""
    if timeline.schedule.shift_based:
        return await _take_shift_based(client, timeline, me, shift)
    schedule = timeline.schedule
    answer = await client.create_override(
        schedule.id, user_id=me.id, start=shift.start, end=shift.end, time_zone=schedule.time_zone
    )
    if len(answer) != 1 or not isinstance(answer[0], dict):
        raise InvalidResponseError(f"PagerDuty's answer for the override on {schedule.name} was not one result.")
    result = answer[0]
    status = result.get("status")
    if not isinstance(status, int) or not 200 <= status < 300:
        errors = result.get("errors")
        reason = "; ".join(errors) if isinstance(errors, list) else str(errors or "no reason given")
        raise BadRequestError(f"PagerDuty did not create the override on {schedule.name}: {reason}", status=status)
    return _taken(result.get("override") or {}, ("start", "end"), schedule.ref, me, shift)


def _taken(answer: Any, keys: tuple[str, str], schedule: Ref, me: User, shift: ShiftToTake) -> TakenShift:
    """The change PagerDuty made, from its answer: ``keys`` name the start and end fields (v2 ``start``/``end``,
    v3 ``start_time``/``end_time``)."""
    try:
        return TakenShift(
            override_id=str(answer["id"]),
            schedule=schedule,
            start=parse_timestamp(answer[keys[0]]),
            end=parse_timestamp(answer[keys[1]]),
            user=me,
            from_user=shift.from_user,
            how=shift.how,
        )
    except (KeyError, TypeError, ValueError):
        raise InvalidResponseError(
            f"PagerDuty's answer for the change on {schedule.name} lacked its id, {keys[0]} or {keys[1]}."
        ) from None


async def _take_shift_based(client: PagerDutyClient, timeline: Timeline, me: User, shift: ShiftToTake) -> TakenShift:
    schedule = timeline.schedule
    if shift.how == TAKE_OVER:
        if shift.from_user is None or shift.source is None or not shift.source.overridable:
            raise ValueError("an override on a shift-based schedule needs the member and the source it replaces")
        custom = shift.source.rotation_id is None
        answer = await client.create_shift_override(
            schedule.id,
            start=shift.start,
            end=shift.end,
            overridden_user_id=shift.from_user.id,
            overriding_user_id=me.id,
            rotation_id=None if custom else shift.source.rotation_id,
            custom_shift_id=shift.source.shift_id if custom else None,
        )
    else:
        answer = await client.create_custom_shift(schedule.id, start=shift.start, end=shift.end, user_id=me.id)
    return _taken(answer, ("start_time", "end_time"), schedule.ref, me, shift)
