"""The demo account: people, schedules, escalation policies and incidents laid out around the start time.

Everything is placed relative to ``start`` so the demo tells the same story whenever it runs: the demo user goes on
call ten minutes after start (so the 15-minute reminder fires at once), one schedule has nobody on call right now,
one lives in a half-hour-offset zone (Asia/Kolkata, +05:30), one rotation still lists a deactivated user, and a
few incidents are open. ``schedules`` grows the account to that many schedules for load tests (300 schedules give
~900 on-call rows).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pdtray.demo.rendering import DemoSchedule, Layer, Override, Restriction, layer_turns
from pdtray.demo.shift_schedules import EMPTY, CustomShift, Rotation, ShiftEvent, ShiftSchedule, occurrences

DEMO_USER_EMAIL = "demo@pdtray.example"
#: When the demo user's first shift starts, counted from the demo's start.
DEMO_SHIFT_LEAD = timedelta(minutes=10)
DEMO_SHIFT_LENGTH = timedelta(hours=12)


def pd_id(*parts: str) -> str:
    """A PagerDuty-looking ID (P + 6 upper-case characters), the same for the same name on every run."""
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return "P" + base64.b32encode(digest).decode()[:6]


@dataclass(frozen=True)
class ContactMethod:
    id: str
    #: PagerDuty's types: email_contact_method, phone_contact_method, sms_contact_method
    type: str
    label: str
    address: str
    country_code: int | None = None


@dataclass
class DemoUser:
    id: str
    name: str
    email: str
    time_zone: str
    color: str = "purple"
    role: str = "user"
    deleted_at: str | None = None
    contact_methods: list[ContactMethod] = field(default_factory=list)
    #: this user's contact methods answer 403, as for a token whose role may not read them
    contacts_hidden: bool = False


@dataclass
class Target:
    kind: str  # "schedule" or "user"
    id: str


@dataclass
class EscalationPolicy:
    id: str
    name: str
    #: one list of targets per escalation level, level 1 first
    levels: list[list[Target]]


@dataclass
class Service:
    id: str
    name: str
    escalation_policy: str
    routing_key: str


@dataclass(frozen=True)
class ChangeEvent:
    id: str
    service: str
    summary: str
    timestamp: datetime
    source: str
    link: str


@dataclass
class Incident:
    id: str
    number: int
    title: str
    status: str
    urgency: str
    service: str
    assignees: list[str]
    created_at: datetime
    #: the policy the incident escalates through; "" for the service's own
    escalation_policy: str = ""
    #: POST /incidents' incident_key: a second open incident with the same key on the service is refused
    incident_key: str = ""


@dataclass
class Account:
    start: datetime
    users: dict[str, DemoUser] = field(default_factory=dict)
    schedules: dict[str, DemoSchedule] = field(default_factory=dict)
    #: shift-based (v3) schedules: listed at /v3/schedules only, as PagerDuty does
    shift_schedules: dict[str, ShiftSchedule] = field(default_factory=dict)
    policies: dict[str, EscalationPolicy] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    incidents: dict[str, Incident] = field(default_factory=dict)
    change_events: list[ChangeEvent] = field(default_factory=list)
    me: str = ""

    def user_by_name(self, name: str) -> DemoUser:
        return next(u for u in self.users.values() if u.name == name)

    def schedule_by_name(self, name: str) -> DemoSchedule:
        return next(s for s in self.schedules.values() if s.name == name)

    def shift_schedule_by_name(self, name: str) -> ShiftSchedule:
        return next(s for s in self.shift_schedules.values() if s.name == name)


_PEOPLE = [
    ("Demo User", "Europe/Berlin"),
    ("Alice Nguyen", "America/New_York"),
    ("Bob Okafor", "America/New_York"),
    ("Carmen Díaz", "Europe/Madrid"),
    ("Deepak Iyer", "Asia/Kolkata"),
    ("Emma Schulz", "Europe/Berlin"),
    ("Farid Haddad", "Europe/London"),
    ("Grace Kim", "America/Los_Angeles"),
    ("Hiro Tanaka", "Asia/Tokyo"),
    ("Ines Moreau", "Europe/Paris"),
    ("Jonas Berg", "Europe/Stockholm"),
    ("Kavya Rao", "Asia/Kolkata"),
    ("Liam O'Brien", "Australia/Sydney"),
    ("Mei Chen", "Australia/Sydney"),
    ("Noah Levi", "America/Chicago"),
    ("Olga Petrova", "Europe/London"),
    ("Priya Nair", "Asia/Kolkata"),
    ("Quentin Roy", "America/Los_Angeles"),
    ("Sam Rivera", "America/Chicago"),  # deactivated below
]


def _contacts(name: str, number: int) -> list[ContactMethod]:
    """Work email, a mobile for calls and one for SMS: fake numbers from the 555-01xx range set aside for fiction."""
    mobile = f"55501{number:02d}"
    return [
        ContactMethod(pd_id("contact", name, "email"), "email_contact_method", "Work", _email(name)),
        ContactMethod(pd_id("contact", name, "phone"), "phone_contact_method", "Mobile", f"212{mobile}", 1),
        ContactMethod(pd_id("contact", name, "sms"), "sms_contact_method", "Mobile", f"212{mobile}", 1),
    ]


def _email(name: str) -> str:
    if name == "Demo User":
        return DEMO_USER_EMAIL
    first, *rest = name.lower().replace("'", "").replace("í", "i").split()
    return f"{first}.{rest[-1]}@example.com" if rest else f"{first}@example.com"


def _at_local(start: datetime, zone: str, clock: time, days_back: int = 0) -> datetime:
    """``clock`` on the local date of ``start`` in ``zone``, ``days_back`` days earlier: a rotation anchor."""
    tz = ZoneInfo(zone)
    day = start.astimezone(tz).date() - timedelta(days=days_back)
    return datetime.combine(day, clock, tzinfo=tz)


def _rotation(
    start: datetime,
    zone: str,
    order: list[str],
    anchor: datetime,
    turn: timedelta,
    name: str = "Layer 1",
    **kw: object,
) -> Layer:
    """A layer whose turn running at ``start`` belongs to ``order[0]``, then ``order[1]``, and so on.

    PagerDuty assigns turn k to users[k % n]; the list is rotated so the story is the same whatever the date.
    """
    probe = Layer(name, tuple(order), anchor, turn, anchor - timedelta(days=30))
    running = next(t for t in layer_turns(probe, ZoneInfo(zone), start, start + timedelta(seconds=1)))
    index = round((running.start - anchor).total_seconds() / turn.total_seconds())
    shift = index % len(order)
    users = tuple(order[-shift:] + order[:-shift]) if shift else tuple(order)
    return Layer(name, users, anchor, turn, anchor - timedelta(days=30), **kw)  # type: ignore[arg-type]


def build_account(start: datetime | None = None, *, schedules: int | None = None) -> Account:
    """The demo account around ``start`` (now, rounded down to the minute, if not given)."""
    start = (start or datetime.now(UTC)).astimezone(UTC).replace(second=0, microsecond=0)
    acct = Account(start=start)
    for number, (name, zone) in enumerate(_PEOPLE):
        user = DemoUser(pd_id("user", name), name, _email(name), zone, contact_methods=_contacts(name, number))
        acct.users[user.id] = user
    acct.user_by_name("Farid Haddad").contact_methods = []  # has set up none
    acct.user_by_name("Jonas Berg").contacts_hidden = True  # not visible to the demo token
    acct.me = acct.user_by_name("Demo User").id
    sam = acct.user_by_name("Sam Rivera")
    sam.deleted_at = (start - timedelta(days=20)).isoformat()

    def uid(*names: str) -> list[str]:
        return [acct.user_by_name(n).id for n in names]

    def add(name: str, zone: str, description: str, *layers: Layer) -> DemoSchedule:
        schedule = DemoSchedule(pd_id("schedule", name), name, description, zone, list(layers))
        acct.schedules[schedule.id] = schedule
        return schedule

    day, week = timedelta(days=1), timedelta(days=7)
    nine = time(9, 0)

    ny = "America/New_York"
    primary = add(
        "Platform Primary",
        ny,
        "First responder for the core platform (API, auth, queues).",
        _rotation(
            start,
            ny,
            uid("Alice Nguyen", "Bob Okafor", "Hiro Tanaka", "Demo User"),
            _at_local(start, ny, nine, 7),
            week,
        ),
    )
    # The demo user takes over from Alice ten minutes after the demo starts: a swap arranged as an override.
    primary.overrides.append(
        Override(
            pd_id("override", "demo"),
            acct.me,
            start + DEMO_SHIFT_LEAD,
            start + DEMO_SHIFT_LEAD + DEMO_SHIFT_LENGTH,
        )
    )
    add(
        "Platform Secondary",
        ny,
        "Backup for Platform Primary.",
        _rotation(start, ny, uid("Grace Kim", "Noah Levi", "Quentin Roy"), _at_local(start, ny, nine, 7), week),
    )
    berlin = "Europe/Berlin"
    add(
        "Payments Primary",
        berlin,
        "Checkout, billing and payment providers.",
        _rotation(
            start,
            berlin,
            uid("Carmen Díaz", "Emma Schulz", "Demo User", "Farid Haddad"),
            _at_local(start, berlin, nine, 1),
            day,
        ),
    )
    add(
        "Payments Secondary",
        berlin,
        "Backup for Payments Primary.",
        _rotation(
            start,
            berlin,
            uid("Jonas Berg", "Ines Moreau", "Olga Petrova"),
            _at_local(start, berlin, nine, 1),
            day,
        ),
    )
    kolkata = "Asia/Kolkata"
    add(
        "Data Pipeline",
        kolkata,
        "Ingestion and batch jobs; handoffs at 09:30 and 21:30 IST.",
        _rotation(
            start,
            kolkata,
            uid("Deepak Iyer", "Kavya Rao", "Priya Nair"),
            _at_local(start, kolkata, time(9, 30), 1),
            timedelta(hours=12),
        ),
    )
    london = "Europe/London"
    add(
        "Database On-Call",
        london,
        "Primary databases and replication. Still lists a deactivated user.",
        _rotation(
            start,
            london,
            uid("Olga Petrova", "Sam Rivera", "Farid Haddad"),
            _at_local(start, london, time(10, 0), 7),
            week,
        ),
    )
    la = "America/Los_Angeles"
    add(
        "Mobile Business Hours",
        la,
        "Mobile apps, covered 09:00-17:00 Pacific on weekdays only.",
        _rotation(
            start,
            la,
            uid("Quentin Roy", "Grace Kim"),
            _at_local(start, la, nine, 7),
            week,
            restrictions=(Restriction(nine, timedelta(hours=8), frozenset({1, 2, 3, 4, 5})),),
        ),
    )
    # Nobody on call right now: coverage resumes on the hour after next, and the gap is back 18 hours later.
    resume = (start + timedelta(hours=2)).replace(minute=0)
    add(
        "Security Triage",
        "UTC",
        "Security reports; 18 h coverage a day, leaving a gap between regions.",
        _rotation(
            start,
            "UTC",
            uid("Ines Moreau", "Jonas Berg"),
            _at_local(start, "UTC", time(0, 0), 7),
            day,
            restrictions=(Restriction(resume.time(), timedelta(hours=18)),),
        ),
    )
    sydney = "Australia/Sydney"
    add(
        "Networking",
        sydney,
        "Edge, DNS and load balancers.",
        _rotation(start, sydney, uid("Liam O'Brien", "Mei Chen"), _at_local(start, sydney, time(8, 0), 7), week),
    )
    chicago = "America/Chicago"
    add(
        "Customer Support Escalations",
        chicago,
        "Weekly rotation with a weekday daytime layer on top.",
        _rotation(
            start,
            chicago,
            uid("Noah Levi", "Sam Rivera", "Alice Nguyen"),
            _at_local(start, chicago, nine, 7),
            week,
        ),
        _rotation(
            start,
            chicago,
            uid("Bob Okafor", "Emma Schulz"),
            _at_local(start, chicago, nine, 7),
            day,
            name="Daytime",
            restrictions=(Restriction(nine, timedelta(hours=9), frozenset({1, 2, 3, 4, 5})),),
        ),
    )
    tokyo = "Asia/Tokyo"
    add(
        "Search Primary",
        tokyo,
        "Search indexing and query serving.",
        _rotation(
            start,
            tokyo,
            uid("Hiro Tanaka", "Mei Chen", "Kavya Rao"),
            _at_local(start, tokyo, time(10, 0), 7),
            week,
        ),
    )
    add(
        "SRE Weekend",
        "UTC",
        "Weekend cover, Saturday and Sunday only.",
        _rotation(
            start,
            "UTC",
            uid("Farid Haddad", "Grace Kim"),
            _at_local(start, "UTC", time(0, 0), 7),
            week,
            restrictions=(Restriction(time(0, 0), day, frozenset({6, 7})),),
        ),
    )
    add("Experimental Service", "UTC", "A new schedule nobody has been added to yet.")
    add(
        "Interview Rotation",
        london,
        "Not used by any escalation policy, so never in /oncalls.",
        _rotation(start, london, uid("Olga Petrova", "Farid Haddad"), _at_local(start, london, nine, 7), week),
    )

    _add_shift_schedules(acct, uid)

    def sched(name: str) -> Target:
        found = [s.id for s in (*acct.schedules.values(), *acct.shift_schedules.values()) if s.name == name]
        return Target("schedule", found[0])

    def person(name: str) -> Target:
        return Target("user", acct.user_by_name(name).id)

    def policy(name: str, *levels: list[Target]) -> None:
        ep = EscalationPolicy(pd_id("policy", name), name, list(levels))
        acct.policies[ep.id] = ep

    policy("Platform", [sched("Platform Primary")], [sched("Platform Secondary")], [person("Grace Kim")])
    policy("Payments", [sched("Payments Primary")], [sched("Payments Secondary")], [sched("Platform Secondary")])
    policy("Data", [sched("Data Pipeline")], [sched("Database On-Call")])
    policy("Databases", [sched("Database On-Call")], [person("Olga Petrova")])
    policy("Mobile", [sched("Mobile Business Hours")], [sched("Platform Primary")])
    policy("Security", [sched("Security Triage")], [sched("SRE Weekend")], [person("Jonas Berg")])
    policy("Support", [sched("Customer Support Escalations")], [sched("Networking")])
    policy("Search", [sched("Search Primary")], [sched("Networking")], [sched("SRE Weekend")])
    policy("Experimental", [sched("Experimental Service")], [sched("SRE Weekend")])
    policy("Platform Shifts", [sched("Platform Shifts")], [sched("Release Captain")])
    policy("Frontend", [sched("Frontend Shifts")], [sched("Platform Secondary")])
    # three levels of three kinds: a shift-based schedule, an empty schedule, a person targeted directly
    policy("Web", [sched("Frontend Shifts")], [sched("Experimental Service")], [person("Jonas Berg")])

    _add_services_and_incidents(acct)
    _add_extra(acct, (schedules or 0) - len(acct.schedules) - len(acct.shift_schedules))
    return acct


def _shift_event(
    name: str,
    zone: str,
    first_start: datetime,
    length: timedelta,
    order: list[str],
    start: datetime,
    *,
    strategy: str = "rotating_member_assignment_strategy",
    rrule: str = "RRULE:FREQ=DAILY",
) -> ShiftEvent:
    """A daily event whose occurrence running at ``start`` (or the next one) goes to ``order[0]``, then
    ``order[1]``..., whatever the date: the members are rotated to fit, as ``_rotation`` does for layers."""
    probe = ShiftEvent(
        pd_id("event", name),
        name,
        first_start,
        first_start + length,
        zone,
        (rrule,),
        first_start,
        None,
        strategy,
        tuple(order),
    )
    running = occurrences(probe, start, start + timedelta(days=2))
    shift = running[0][0] % len(order) if running and strategy.startswith("rotating") else 0
    members = tuple(order[-shift:] + order[:-shift]) if shift else tuple(order)
    return ShiftEvent(
        probe.id, name, first_start, first_start + length, zone, (rrule,), first_start, None, strategy, members
    )


def _add_shift_schedules(acct: Account, uid: Callable[..., list[str]]) -> None:
    """Three shift-based schedules, each showing what layer-based ones cannot:

    - Platform Shifts: two rotations overlap, so two people are on call at once for four hours a day (now among
      them): a 24 h follow-the-sun rotation and an every-member "deploy watch" around the demo's start time;
    - Frontend Shifts: a rotation with an intentionally empty slot (tomorrow, from 09:00), partly covered by a
      custom shift;
    - Release Captain: the demo user captains a release window starting 13-14 hours after the demo does.
    """
    start = acct.start

    def add(name: str, zone: str, description: str, *rotations: Rotation) -> ShiftSchedule:
        schedule = ShiftSchedule(pd_id("schedule", name), name, description, zone, list(rotations))
        acct.shift_schedules[schedule.id] = schedule
        return schedule

    def rotation(name: str, *events: ShiftEvent) -> Rotation:
        return Rotation(pd_id("rotation", name), events)

    ny, berlin = "America/New_York", "Europe/Berlin"
    day = timedelta(days=1)
    watch_start = _at_local(start, ny, (start - timedelta(hours=1)).astimezone(ZoneInfo(ny)).time(), 7)
    add(
        "Platform Shifts",
        ny,
        "Shift-based: a 24 h follow-the-sun rotation, and a deploy watch adding a second responder.",
        rotation(
            "Platform Shifts follow the sun",
            _shift_event(
                "Daily handoff",
                ny,
                _at_local(start, ny, time(8, 0), 7),
                day,
                uid("Alice Nguyen", "Bob Okafor", "Hiro Tanaka"),
                start,
            ),
        ),
        rotation(
            "Platform Shifts deploy watch",
            _shift_event(
                "Deploy watch",
                ny,
                watch_start,
                timedelta(hours=4),
                uid("Carmen Díaz"),
                start,
                strategy="every_member_assignment_strategy",
            ),
        ),
    )
    frontend = add(
        "Frontend Shifts",
        berlin,
        "Shift-based: one day in three is left empty on purpose; a custom shift covers part of it.",
        rotation(
            "Frontend Shifts daily",
            _shift_event(
                "Daily",
                berlin,
                _at_local(start, berlin, time(9, 0), 7),
                day,
                [*uid("Emma Schulz"), EMPTY, *uid("Jonas Berg")],
                start,
            ),
        ),
    )
    # the empty slot is the next turn: from the next 09:00 in Berlin; Grace covers its first six hours
    local = start.astimezone(ZoneInfo(berlin))
    nine = local.replace(hour=9, minute=0, second=0, microsecond=0)
    empty_from = nine if nine > local else nine + day
    frontend.custom_shifts.append(
        CustomShift(pd_id("custom shift", "frontend"), uid("Grace Kim")[0], empty_from, empty_from + timedelta(hours=6))
    )
    # 14 h ahead: beyond the 12 h reminder, so that the demo's start brings only the Platform Primary reminder
    captain_at = (start + timedelta(hours=14)).astimezone(ZoneInfo(berlin)).replace(minute=0, second=0, microsecond=0)
    add(
        "Release Captain",
        berlin,
        "Shift-based: a daily four-hour release window; the demo user captains the next one.",
        rotation(
            "Release Captain window",
            _shift_event(
                "Release window",
                berlin,
                _at_local(captain_at, berlin, captain_at.time(), 7),
                timedelta(hours=4),
                uid("Demo User", "Ines Moreau"),
                start,
            ),
        ),
    )


def _add_services_and_incidents(acct: Account) -> None:
    for name, ep in [("Checkout API", "Payments"), ("Core API", "Platform"), ("Ingest Workers", "Data")]:
        policy_id = next(p.id for p in acct.policies.values() if p.name == ep)
        key = hashlib.sha256(name.encode()).hexdigest()[:32]
        service = Service(pd_id("service", name), name, policy_id, key)
        acct.services[service.id] = service
    checkout, core, ingest = acct.services.values()
    web_key = hashlib.sha256(b"Web Frontend").hexdigest()[:32]
    web = Service(pd_id("service", "Web Frontend"), "Web Frontend", pd_id("policy", "Web"), web_key)
    acct.services[web.id] = web
    for summary, service, age, source in [
        ("Deploy core-api v2.41.0", core, timedelta(hours=2), "GitHub Actions"),
        ("Feature flag checkout.new_tax_engine at 25 %", checkout, timedelta(hours=5), "LaunchDarkly"),
        ("Config change: connection pool 50 -> 80", core, timedelta(hours=9), "Terraform"),
        ("Deploy core-api v2.40.3", core, timedelta(hours=30), "GitHub Actions"),
    ]:
        acct.change_events.append(
            ChangeEvent(
                pd_id("change", summary),
                service.id,
                summary,
                acct.start - age,
                source,
                f"https://ci.example.com/{pd_id('run', summary).lower()}",
            )
        )
    start = acct.start
    me = acct.me
    alice = acct.user_by_name("Alice Nguyen").id
    bob = acct.user_by_name("Bob Okafor").id
    for number, (title, status, urgency, service, who, age) in enumerate(
        [
            ("Checkout latency p99 above 2 s", "triggered", "high", checkout, [me], timedelta(minutes=7)),
            ("Disk 91% full on db-replica-3", "acknowledged", "low", core, [me], timedelta(hours=3)),
            ("Ingest backlog growing", "triggered", "high", ingest, [alice], timedelta(minutes=40)),
            ("Elevated 5xx on /login", "acknowledged", "high", core, [bob], timedelta(hours=1)),
            ("Certificate expires in 7 days", "resolved", "low", core, [alice], timedelta(days=2)),
        ],
        start=101,
    ):
        incident = Incident(pd_id("incident", title), number, title, status, urgency, service.id, who, start - age)
        acct.incidents[incident.id] = incident


def _add_extra(acct: Account, count: int) -> None:
    """Load-test schedules in triples, each used at levels 1-3 of three policies: three on-call rows apiece.

    Every fourth one is shift-based (a daily rotating event in place of a daily layer, the same people), as an
    account part-way through PagerDuty's move to shift-based schedules has both kinds."""
    if count <= 0:
        return
    # Other teams' schedules: the demo user is in none of them, as a person in a 300-schedule account is in a few.
    people = [u.id for u in acct.users.values() if not u.deleted_at and u.id != acct.me]
    zones = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Sydney"]
    made: list[str] = []
    for n in range(count):
        name = f"Service {n + 1:03d} On-Call"
        zone = zones[n % len(zones)]
        order = [people[(n + k) % len(people)] for k in range(3)]
        anchor = _at_local(acct.start, zone, time(9, 0), 7)
        description = f"Synthetic schedule {n + 1} for load tests."
        if n % 4 == 3:
            event = ShiftEvent(
                pd_id("event", name),
                "Daily",
                anchor,
                anchor + timedelta(days=1),
                zone,
                ("RRULE:FREQ=DAILY",),
                anchor,
                None,
                "rotating_member_assignment_strategy",
                tuple(order),
            )
            shifted = ShiftSchedule(pd_id("schedule", name), name, description, zone)
            shifted.rotations.append(Rotation(pd_id("rotation", name), (event,)))
            acct.shift_schedules[shifted.id] = shifted
            made.append(shifted.id)
            continue
        schedule = DemoSchedule(
            pd_id("schedule", name),
            name,
            description,
            zone,
            [Layer("Layer 1", tuple(order), anchor, timedelta(days=1), anchor - timedelta(days=30))],
        )
        acct.schedules[schedule.id] = schedule
        made.append(schedule.id)
    for first in range(0, len(made), 3):
        group = made[first : first + 3]
        for shift in range(len(group)):
            levels = [[Target("schedule", group[(shift + k) % len(group)])] for k in range(len(group))]
            name = f"Service group {first // 3 + 1:03d} policy {shift + 1}"
            acct.policies[pd_id("policy", name)] = EscalationPolicy(pd_id("policy", name), name, levels)
