"""``pdtray [options] [COMMAND]``: the entry point of both the tray app (no command) and the command line.

The tray's command line is read by a parser of the top-level options alone, so that its icon and cached state
go up before the commands' modules (and with them asyncio, httpx and TLS, some 70 ms) are imported; anything
else, a command, ``--help`` or a mistake, goes to the whole parser in :mod:`pdtray.cli.commands`, which says
what is wrong as before.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn


class _NotTheTray(Exception):
    """The quick parser gives up: the whole parser reads the line (and reports its mistakes)."""


class _TrayParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _NotTheTray(message)


#: ``pdtray`` alone: every top-level option at its default (tests/test_start_order.py holds it to the parser's)
PLAIN_START = {
    "log_level": None,
    "json": False,
    "demo": False,
    "api_url": None,
    "region": None,
    "account": None,
    "command": None,
}


def tray_arguments(argv: Sequence[str] | None) -> argparse.Namespace | None:
    """The options of a command line that starts the tray app, or None for any other line.

    ``pdtray`` alone (a login item, the menu entry: nearly every start) builds no parser: argparse looks its
    messages' translations up on disk as a parser is built, a few milliseconds of the start."""
    words = sys.argv[1:] if argv is None else list(argv)
    if not words:
        return argparse.Namespace(**PLAIN_START)
    return _parsed(words)


def _parsed(words: list[str]) -> argparse.Namespace | None:
    from pdtray.cli.options import add_top_level

    parser = _TrayParser(prog="pdtray", add_help=False)
    add_top_level(parser)
    parser.add_argument("command", nargs="?")
    try:
        args, unknown = parser.parse_known_args(words)
    except _NotTheTray:
        return None
    if args.command is not None or unknown or args.json:
        return None
    return args


def main(argv: Sequence[str] | None = None) -> int:
    from pdtray.cli.terminal import never_fail_to_print

    never_fail_to_print()
    tray = tray_arguments(argv)
    if tray is None:
        from pdtray.app.no_core_dumps import disable_core_dumps

        disable_core_dumps()  # before a command reads a token (the tray does it before its first refresh)
        from pdtray.cli.commands import run

        return run(argv)
    return start_tray(tray)


def start_tray(args: argparse.Namespace) -> int:
    """The tray app, logging to its file, with the top-level options of either parser."""
    from pdtray.app import log

    log.setup(args.log_level, to_file=True, hold=True)  # the file opens once the icon is up
    from pdtray.ui.main import run_tray

    try:
        return run_tray(demo=args.demo)
    finally:
        log.open_file()  # a start that ended before its icon (another pdtray answered) is logged too


if __name__ == "__main__":
    raise SystemExit(main())
