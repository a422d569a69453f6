"""``pdtray [options] [COMMAND]``: the entry point of both the tray app (no command) and the command line.

The tray's command line is read by a parser of the top-level options alone, so that its icon and cached state
go up before the commands' modules (and with them asyncio, httpx and TLS, some 70 ms) are imported; anything
else, a command, ``--help`` or a mistake, goes to the whole parser in :mod:`pdtray.cli.commands`, which says
what is wrong as before.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import NoReturn


class _NotTheTray(Exception):
    """The quick parser gives up: the whole parser reads the line (and reports its mistakes)."""


class _TrayParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _NotTheTray(message)


def tray_arguments(argv: Sequence[str] | None) -> argparse.Namespace | None:
    """The options of a command line that starts the tray app, or None for any other line."""
    from pdtray.cli.options import add_top_level

    parser = _TrayParser(prog="pdtray", add_help=False)
    add_top_level(parser)
    parser.add_argument("command", nargs="?")
    try:
        args, unknown = parser.parse_known_args(argv)
    except _NotTheTray:
        return None
    if args.command is not None or unknown or args.json:
        return None
    return args


def main(argv: Sequence[str] | None = None) -> int:
    from pdtray.app.no_core_dumps import disable_core_dumps
    from pdtray.cli.terminal import never_fail_to_print

    disable_core_dumps()  # before any token is read, by the tray or a command
    never_fail_to_print()
    tray = tray_arguments(argv)
    if tray is None:
        from pdtray.cli.commands import run

        return run(argv)
    return start_tray(tray)


def start_tray(args: argparse.Namespace) -> int:
    """The tray app, logging to its file, with the top-level options of either parser."""
    from pdtray.app import log

    log.setup(args.log_level, to_file=True)
    from pdtray.ui.main import run_tray

    return run_tray(demo=args.demo)


if __name__ == "__main__":
    raise SystemExit(main())
