"""Keeps httpx from importing its command-line tool.

httpx's package imports ``httpx._main`` (its ``httpx`` command) whenever click, rich and pygments are installed,
which on a developer's machine or a shared virtualenv they often are: about 250 ms and several MB of start-up that
pdtray never uses. A stand-in module is registered first; calling it says what happened.
"""

from __future__ import annotations

import sys
import types


def _no_cli() -> None:
    raise SystemExit("httpx's command-line tool is not loaded inside pdtray; run `python -m httpx` separately.")


def keep_httpx_lean() -> None:
    if "httpx" in sys.modules or "httpx._main" in sys.modules:
        return  # too late, or someone wants it
    stand_in = types.ModuleType("httpx._main", "httpx's command-line tool, not loaded by pdtray")
    stand_in.main = _no_cli  # type: ignore[attr-defined]
    sys.modules["httpx._main"] = stand_in
