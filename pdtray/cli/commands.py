"""``pdtray [options] COMMAND``: the command line's parser and commands.

Loaded only when a command is given (see :mod:`pdtray.cli.main`): they import the network stack, which the tray
app loads after its icon is up. Exit codes: 0 ok, 2 usage, 3 missing or rejected token or bad configuration, 4 API
or network failure. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from pdtray.app import queries
from pdtray.app.accounts import FIRST_ACCOUNT, Account
from pdtray.app.connection import API_URL_ENV, Connection, demo_connection, resolve_connection
from pdtray.app.settings import Settings, load_settings
from pdtray.cli import output
from pdtray.cli.options import add_common, add_top_level
from pdtray.cli.terminal import speaks_unicode
from pdtray.oncall.display_text import for_terminal
from pdtray.oncall.models import Ref
from pdtray.oncall.summary import CHAT_STYLES
from pdtray.pagerduty import ConfigurationError, CredentialsError, PagerDutyError

EXIT_OK, EXIT_USAGE, EXIT_CONFIG, EXIT_API = 0, 2, 3, 4

DESCRIPTION = "PagerDuty on-call in the desktop tray. With no command, starts the tray app."
EPILOG = """commands:
  help [COMMAND]          this text, or one command's
  schedules               the account's schedules
  oncall [--schedule ID]  who is on call now, every escalation level;
                          --format text|markdown|slack: one line for a chat topic
  timeline SCHEDULE_ID    one schedule's handoffs and gaps for the next --hours (24)
  next                    your shifts now and in the next 7 days
  incidents               your open incidents
  ack|resolve ID...       acknowledge or resolve incidents
  services [--oncall]     the account's services, with who is on call at level 1
  escalation SERVICE      who is on call now and next at every level of a service's
                          (or a policy's) escalation chain [--changes: last 24 h of changes]
  person USER_ID          how to reach someone, their local time and shifts
  page SERVICE_ID --summary TEXT [--severity S]
                          trigger an incident, paging the service's on-call (asks first);
                          --user USER_ID pages one person, --escalation-policy ID a policy
  take SCHEDULE_ID [--at TIME]
                          put yourself on call for the shift running now or at TIME (asks first)
  export-ics FILE         your shifts of the next 7 days as an .ics calendar
  login [--client-id ID]  sign in with PagerDuty in the browser (instead of an API key)
  logout                  revoke and forget that sign-in
  accounts [add|remove|set-key NAME]
                          the PagerDuty accounts pdtray knows; --account NAME on any
                          command uses one other than the first

The token comes from PAGERDUTY_TOKEN, else the OS keyring (set it in the tray app's Settings).
Try it without an account: pdtray --demo oncall"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pdtray",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_top_level(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    helper = sub.add_parser("help", help="show help")
    helper.add_argument("topic", nargs="?", metavar="COMMAND")
    for name, text in [("schedules", "list schedules"), ("next", "my shifts now and in the next 7 days")]:
        add_common(sub.add_parser(name, help=text, description=text), suppress=True)
    oncall = sub.add_parser(
        "oncall", help="who is on call now", description="Who is on call now, every escalation level."
    )
    oncall.add_argument("--schedule", action="append", default=[], metavar="ID", help="only this schedule (repeatable)")
    oncall.add_argument(
        "--format",
        choices=CHAT_STYLES,
        default=None,
        help="who is on call as a line to paste into a chat topic or status page (watched schedules, else all)",
    )
    add_common(oncall, suppress=True)
    timeline = sub.add_parser(
        "timeline", help="one schedule's timeline", description="Handoffs and gaps of one schedule."
    )
    timeline.add_argument("schedule_id", metavar="SCHEDULE_ID")
    timeline.add_argument("--hours", type=_hours, default=24, help="how far ahead, in hours (1-744, default 24)")
    add_common(timeline, suppress=True)
    from pdtray.cli import accounts, actions, people, sign_in

    actions.add_parsers(sub, lambda p: add_common(p, suppress=True))
    people.add_parsers(sub, lambda p: add_common(p, suppress=True))
    sign_in.add_parsers(sub, lambda p: add_common(p, suppress=True))
    accounts.add_parsers(sub, lambda p: add_common(p, suppress=True))
    return parser


def _hours(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of hours") from None
    if not 1 <= value <= 744:
        raise argparse.ArgumentTypeError("must be from 1 to 744 (31 days)")
    return value


class CommandContext:
    """What every command needs: a connection, the clock reading, and the display time zone."""

    def __init__(
        self,
        connection: Connection | None,
        settings: Settings,
        now: datetime,
        api_url: str | None = None,
        *,
        account: Account | None = None,
        all_settings: Settings | None = None,
    ) -> None:
        self._connection = connection
        #: the account's settings (its connection and watched schedules); ``all_settings``: the file's, whole
        self.settings = settings
        self.all_settings = all_settings or settings
        self.account = account or Account(FIRST_ACCOUNT, first=True)
        #: --api-url or PAGERDUTY_API_URL, for the commands that sign in rather than connect
        self.api_url = api_url
        self.now = now
        self.tz: tzinfo | None = ZoneInfo(settings.display_time_zone) if settings.display_time_zone else None
        self.watched: list[str] = list(settings.watched_schedules or [])
        self.schedule_names: dict[str, str] = {}

    @property
    def connection(self) -> Connection:
        assert self._connection is not None
        return self._connection

    @property
    def zone_name(self) -> str:
        if self.tz is not None:
            return str(self.tz)
        return f"local time, {self.now.astimezone().tzname()}"


Result = tuple[Any, str]  # (what --json prints, what a person reads)


async def cmd_schedules(ctx: CommandContext, args: argparse.Namespace) -> Result:
    from pdtray.pagerduty import TruncatedListError

    async with ctx.connection.client() as client:
        try:
            items = await queries.schedules(client)
        except TruncatedListError as exc:
            items = list(exc.partial)  # type: ignore[arg-type]
            print(f"pdtray: warning: {exc} Use `pdtray timeline ID` or the web UI for the others.", file=sys.stderr)
    return [output.schedule_json(s) for s in items], output.schedules_text(items)


async def cmd_oncall(ctx: CommandContext, args: argparse.Namespace) -> Result:
    async with ctx.connection.client() as client:
        if args.schedule:
            await _check_schedules_exist(client, args.schedule, ctx.now)
        rows = await queries.on_call_now(client, ctx.now, schedule_ids=args.schedule)
    if args.format:
        return _chat_line(ctx, args, rows)
    return [output.oncall_json(r) for r in rows], output.oncall_text(rows, ctx.now, ctx.tz)


def _chat_line(ctx: CommandContext, args: argparse.Namespace, rows: list[Any]) -> Result:
    """The schedules asked for, else those watched in Settings, else every schedule someone is on call for."""
    from pdtray.oncall import by_schedule
    from pdtray.oncall.summary import chat_summary

    on_call = by_schedule(rows, ctx.now)
    wanted = args.schedule or ctx.watched or sorted(on_call, key=lambda s: on_call[s].schedule.name.casefold())
    refs = [on_call[s].schedule if s in on_call else Ref(s, ctx.schedule_names.get(s, s)) for s in wanted]
    text = chat_summary(refs, on_call, ctx.now, ctx.tz, args.format)
    return {"format": args.format, "text": text}, text


async def _check_schedules_exist(client: Any, schedule_ids: Sequence[str], now: datetime) -> None:
    """/oncalls silently ignores unknown schedule IDs; a typo should say so instead of "nobody on call"."""
    missing = [s for s in dict.fromkeys(schedule_ids) if not await queries.schedule_exists(client, s)]
    if missing:
        from pdtray.pagerduty import NotFoundError

        raise NotFoundError(f"PagerDuty has no schedule with ID {', '.join(missing)}; `pdtray schedules` lists them.")


async def cmd_timeline(ctx: CommandContext, args: argparse.Namespace) -> Result:
    async with ctx.connection.client() as client:
        result = await queries.timeline(client, args.schedule_id, ctx.now, hours=args.hours)
    return output.timeline_json(result), output.timeline_text(result, ctx.now, ctx.tz, ctx.zone_name)


async def cmd_next(ctx: CommandContext, args: argparse.Namespace) -> Result:
    async with ctx.connection.client() as client:
        user = await queries.me(client)
        mine = await queries.shifts_of(client, user, ctx.now)
    return output.next_json(mine), output.next_text(mine, ctx.now, ctx.tz)


COMMANDS: dict[str, Callable[[CommandContext, argparse.Namespace], Coroutine[Any, Any, Result]]] = {
    "schedules": cmd_schedules,
    "oncall": cmd_oncall,
    "timeline": cmd_timeline,
    "next": cmd_next,
}


def _all_commands() -> dict[str, Callable[[CommandContext, argparse.Namespace], Coroutine[Any, Any, Result]]]:
    from pdtray.cli.accounts import COMMANDS as ACCOUNTS
    from pdtray.cli.actions import COMMANDS as ACTIONS
    from pdtray.cli.people import COMMANDS as PEOPLE
    from pdtray.cli.sign_in import COMMANDS as SIGN_IN

    return {**COMMANDS, **ACTIONS, **PEOPLE, **SIGN_IN, **ACCOUNTS}


def _fail(message: str, code: int) -> int:
    print(f"pdtray: {for_terminal(message)}", file=sys.stderr)
    return code


def run_command(args: argparse.Namespace) -> int:
    loaded = load_settings()
    for warning in loaded.warnings:
        print(f"pdtray: warning: {for_terminal(warning)}", file=sys.stderr)
    connect: AbstractContextManager[Connection | None]
    from pdtray.app.accounts import find, settings_for

    try:
        account = find(loaded.settings, args.account)
    except PagerDutyError as exc:
        return _fail(str(exc), EXIT_CONFIG)
    settings = settings_for(loaded.settings, account)
    # PAGERDUTY_API_URL, like PAGERDUTY_TOKEN, stands for the first account
    env_url = os.environ.get(API_URL_ENV) if account.first else None
    api_url = args.api_url or env_url or settings.api_url or None
    if args.command in ("login", "logout", "accounts"):
        connect = nullcontext(None)  # they make, end or list the credentials rather than use them
    elif args.demo:
        connect = demo_connection()
    else:
        try:
            connect = nullcontext(
                resolve_connection(
                    settings, api_url=args.api_url, region=args.region, keyring_prefix=account.keyring_prefix
                )
            )
        except PagerDutyError as exc:
            return _fail(str(exc), EXIT_CONFIG)
    with connect as connection:
        ctx = CommandContext(
            connection, settings, datetime.now(UTC), api_url=api_url, account=account, all_settings=loaded.settings
        )
        import asyncio  # here, not at the top: the tray app starts without it and shows its cached state first

        from pdtray.cli.actions import UsageError

        try:
            data, text = asyncio.run(_all_commands()[args.command](ctx, args))
        except UsageError as exc:
            return _fail(str(exc), EXIT_USAGE)
        except (CredentialsError, ConfigurationError) as exc:
            return _fail(str(exc), EXIT_CONFIG)
        except PagerDutyError as exc:
            return _fail(str(exc), EXIT_API)
    if data is None and not text:  # the command wrote its own output (export-ics to stdout)
        return EXIT_OK
    if args.json:
        # JSON escapes what the output's encoding cannot hold (a redirected Windows console is cp1252): still valid
        print(json.dumps(data, indent=2, ensure_ascii=not speaks_unicode(sys.stdout)))
    else:
        print(for_terminal(text))  # names are PagerDuty's text: an ESC in one must not drive the terminal
    return EXIT_OK


def run(argv: Sequence[str] | None) -> int:
    """Parses the whole command line and runs its command (or says why not)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "help":
        if args.topic is None:
            parser.print_help()
            return EXIT_OK
        if args.topic not in _all_commands():
            return _fail(f"no command '{args.topic}'; try `pdtray help`", EXIT_USAGE)
        parser.parse_args([args.topic, "--help"])
    from pdtray.app import log

    if args.command is None:
        if args.json:
            return _fail("--json goes with a command; try `pdtray help`", EXIT_USAGE)
        from pdtray.cli.main import start_tray

        return start_tray(args)
    log.setup(args.log_level, to_file=False)
    try:
        return run_command(args)
    except KeyboardInterrupt:
        return 130
