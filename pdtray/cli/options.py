"""The options of ``pdtray`` itself, shared by the whole parser and the tray's quick one (:mod:`pdtray.cli.main`).

Light on purpose: parsing the tray's command line must not import what the commands need."""

from __future__ import annotations

import argparse
from typing import Any

from pdtray import __version__
from pdtray.app.log import LEVELS


def add_common(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Options accepted before or after the command (defaults only on the top level, so a later one wins)."""

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    parser.add_argument("--json", action="store_true", default=default(False), help="print JSON instead of a table")
    parser.add_argument(
        "--demo",
        action="store_true",
        default=default(False),
        help="use the embedded demo account (no token needed)",
    )
    parser.add_argument(
        "--api-url",
        metavar="URL",
        default=default(None),
        help="custom PagerDuty API base URL (env PAGERDUTY_API_URL)",
    )
    parser.add_argument("--region", choices=["us", "eu"], default=default(None), help="PagerDuty service region")
    parser.add_argument(
        "--account", metavar="NAME", default=default(None), help="one of `pdtray accounts` other than the first"
    )


def add_top_level(parser: argparse.ArgumentParser) -> None:
    """What may come before the command, or alone (the tray app)."""
    parser.add_argument("--version", action="version", version=f"pdtray {__version__}")
    parser.add_argument(
        "--log-level",
        choices=LEVELS,
        default=None,
        help="how much to log. The tray app logs to a file (About shows where) and to stderr, commands only to "
        "stderr. Default: info to the file, warnings to stderr",
    )
    add_common(parser, suppress=False)
