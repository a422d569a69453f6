"""The tray tooltip's text: who is on call for my watched schedules, my own status, and how fresh that is.

Pure text, so it is tested without Qt; the tray re-renders it every minute to keep "in 10 min" true.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, tzinfo

from pdtray.oncall.current import OnCallPerson, ScheduleOnCall
from pdtray.oncall.human_time import capitalized, clock, format_at, format_relative, format_until
from pdtray.oncall.models import MyShifts, Ref

#: More watched schedules than this collapse into "+N more".
TOOLTIP_SCHEDULES = 5


def schedule_line(ref: Ref, on_call: ScheduleOnCall | None, now: datetime, tz: tzinfo | None) -> str:
    """ "Platform Primary — Alice Nguyen (L1), until 17:00 today". A shift-based schedule may have several people
    on call at once: those at the same levels until the same time read "Alice Nguyen + Bob Okafor (L1), until
    17:00 today", and groups that differ are joined with "; "."""
    if on_call is None or not on_call.people:
        return f"{ref.name} — nobody on call"
    return f"{ref.name} — " + people_summary(on_call, now, tz)


def people_summary(on_call: ScheduleOnCall, now: datetime, tz: tzinfo | None) -> str:
    """ "Alice Nguyen + Bob Okafor (L1), until 17:00 today; Carol Diaz (L2), until tomorrow 09:00"."""
    groups: dict[tuple[tuple[int, ...], datetime | None], list[str]] = {}
    for person in on_call.people:
        groups.setdefault((person.levels, person.until), []).append(person.user.display_name)
    parts = []
    for (levels, until), names in groups.items():
        level_text = ", ".join(f"L{level}" for level in levels)
        parts.append(f"{' + '.join(names)} ({level_text}), {format_until(until, now, tz)}")
    return "; ".join(parts)


def my_status_line(mine: MyShifts, now: datetime, tz: tzinfo | None) -> str:
    # a shift that has started since the last refresh is running now, as the icon already says
    running = [row for row in (*mine.on_call_now, *mine.upcoming) if row.is_active(now)]
    if running:
        ends = [row.end for row in running if row.end is not None]
        if len(ends) < len(running):
            return "You're on call until further notice"
        return f"You're on call {format_until(max(ends), now, tz)}"
    upcoming = [row for row in mine.upcoming if row.start is not None and row.start > now]
    if not upcoming:
        return "No shifts for you in the next 7 days"
    first = upcoming[0]
    return (
        f"Your next shift: {first.source_name}, {format_at(first.start, now, tz)} ({format_relative(first.start, now)})"
    )


def freshness_line(updated_at: datetime | None, now: datetime, tz: tzinfo | None, *, stale: bool) -> str:
    if updated_at is None:
        return "Not refreshed yet"
    age = now - updated_at
    when = clock(updated_at, tz) if age < timedelta(hours=20) else format_at(updated_at, now, tz)
    if stale:
        return f"Last updated {when} ({format_relative(updated_at, now)}) — may be out of date"
    return f"Updated {when}"


def tooltip_text(
    watched: Sequence[Ref],
    on_call: Mapping[str, ScheduleOnCall],
    mine: MyShifts | None,
    now: datetime,
    tz: tzinfo | None = None,
    *,
    updated_at: datetime | None,
    stale: bool = False,
    problem: str | None = None,
    incidents: str | None = None,
    limit: int = TOOLTIP_SCHEDULES,
    max_chars: int | None = None,
) -> str:
    """The tooltip, line by line. ``max_chars`` (Windows cuts tooltips at 127 characters) keeps what matters most
    when it all does not fit: a problem, my own status, my incidents, then the watched schedules in order, then
    the freshness, each line shortened with an ellipsis where that helps, shown in the usual order."""
    schedules = [schedule_line(ref, on_call.get(ref.id), now, tz) for ref in watched[:limit]]
    if len(watched) > limit:
        schedules.append(f"+{len(watched) - limit} more")
    head = ["pdtray"] if not watched and mine is None else []
    me = [my_status_line(mine, now, tz)] if mine is not None else []
    incident_lines = [incidents] if incidents else []
    problems = [capitalized(problem)] if problem else []
    fresh = [freshness_line(updated_at, now, tz, stale=stale)]
    ordered = [*head, *schedules, *me, *incident_lines, *problems, *fresh]
    text = "\n".join(ordered)
    if max_chars is None or len(text) <= max_chars:
        return text
    priority = [*problems, *me, *incident_lines, *schedules, *fresh, *head]
    kept: dict[int, str] = {}
    budget = max_chars
    for line in priority:
        room = budget - (1 if kept else 0)  # a line break before every line but the first
        if room < 12:
            break
        shown = line if len(line) <= room else line[: room - 1].rstrip() + "…"
        kept[ordered.index(line)] = shown
        budget = room - len(shown)
    return "\n".join(kept[i] for i in sorted(kept))


#: the forms "Copy who is on call" and ``pdtray oncall --format`` write
CHAT_STYLES = ("text", "markdown", "slack")


def _until_short(until: datetime | None, now: datetime, tz: tzinfo | None) -> str:
    """ "until 17:00" today (the day goes without saying in a chat topic), "until tomorrow 08:00" otherwise."""
    return format_until(until, now, tz).removesuffix(" today")


def _markdown(text: str) -> str:
    return "".join(f"\\{c}" if c in "\\`*_[]()#+-!|<>" else c for c in text)


def _slack(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def chat_summary(
    schedules: Sequence[Ref],
    on_call: Mapping[str, ScheduleOnCall],
    now: datetime,
    tz: tzinfo | None = None,
    style: str = "text",
) -> str:
    """Who is on call, to paste into a chat topic or a status page, for each schedule (its lowest level):

    - text: "Alice Nguyen is on call for Platform Primary until 17:00, Bob Okafor for Payments Primary until
      tomorrow 08:00" (one line, as a channel topic holds);
    - markdown: "- **Platform Primary**: [Alice Nguyen](profile) until 17:00", a line per schedule;
    - slack: "• *Platform Primary*: <profile|Alice Nguyen> until 17:00", Slack's own mrkdwn.
    Names are escaped for the form, so a name cannot turn into markup."""
    if style not in CHAT_STYLES:
        raise ValueError(f"style must be one of {', '.join(CHAT_STYLES)}")
    clauses = []
    for number, ref in enumerate(schedules):
        entry = on_call.get(ref.id)
        people = [p for p in entry.people if entry.lowest_level in p.levels] if entry and entry.people else []
        if style == "text":
            names = " and ".join(p.user.display_name for p in people) or "nobody"
            verb = ("are on call" if len(people) > 1 else "is on call") if number == 0 else ""
            clause = f"{names} {verb} for {ref.name}".replace("  ", " ")
            if people:
                clause += " " + _until_short(min_until(people), now, tz)
            clauses.append(clause[:1].upper() + clause[1:] if number == 0 else clause)
            continue
        escape = _markdown if style == "markdown" else _slack
        links = []
        for person in people:
            name, url = escape(person.user.display_name), person.user.html_url
            if url and style == "markdown":
                links.append(f"[{name}]({url})")
            elif url:
                links.append(f"<{url}|{name}>")
            else:
                links.append(name)
        who = " + ".join(links) or "nobody on call"
        until = f" {_until_short(min_until(people), now, tz)}" if people else ""
        title = f"**{escape(ref.name)}**" if style == "markdown" else f"*{escape(ref.name)}*"
        clauses.append(f"{'-' if style == 'markdown' else '•'} {title}: {who}{until}")
    if not clauses:
        return "No schedules watched."
    return ", ".join(clauses) if style == "text" else "\n".join(clauses)


def min_until(people: Sequence[OnCallPerson]) -> datetime | None:
    """When the first of them hands over: the schedule's next change (None: nobody's shift ends)."""
    ends = [p.until for p in people if p.until is not None]
    return min(ends) if ends else None
