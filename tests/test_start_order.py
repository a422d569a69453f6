"""The tray's icon goes up with its cached state before the network stack loads, from the real entry point.

Run in a child process (a fresh interpreter: what is imported is the point), offscreen, on the demo account."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PROBE = """
import importlib.abc, importlib.util, json, linecache, os, sys

def report(shown):
    def show(*, demo):
        tray = shown(demo=demo)
        heavy = [m for m in ("asyncio", "ssl", "httpx", "qasync", "keyring", "pdtray.cli.commands") if m in sys.modules]
        # nor the timelines' dataclasses and decoders (each frozen dataclass costs about half a millisecond), nor the
        # error types, which a state from the cache does not have
        heavy += [m for m in ("pdtray.oncall.timeline_models", "pdtray.oncall.decode_shifts", "pdtray.oncall.timeline",
                              "pdtray.oncall.shifts", "pdtray.pagerduty.errors") if m in sys.modules]
        kept = [path for path in linecache.cache if "pdtray" in path]
        print("SHOWN", json.dumps({"heavy": heavy, "kept": kept, "tooltip": tray.tray.look.tooltip}), flush=True)
        os._exit(0)
    return show

class Watch(importlib.abc.MetaPathFinder):
    # the early tray is wrapped when the entry point imports it, not imported here first (which would import Qt
    # before the entry point does, and change what is measured)
    def find_spec(self, name, path, target=None):
        if name != "pdtray.ui.early_tray":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        run = spec.loader.exec_module
        def exec_module(module):
            run(module)
            module.show_cached_tray = report(module.show_cached_tray)
        spec.loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, Watch())
from pdtray.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def first_look(*args: str) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], env=env, capture_output=True, text=True, timeout=120)
    line = next((line for line in done.stdout.splitlines() if line.startswith("SHOWN ")), None)
    assert line is not None, done.stderr[-3000:]
    return json.loads(line.split(" ", 1)[1])


def test_the_icon_goes_up_before_asyncio_httpx_and_the_commands_are_imported():
    seen = first_look("--demo", "--log-level", "info")
    assert seen["heavy"] == []
    assert seen["tooltip"]  # the icon is up with its first look ("Loading…" on a first start)
    # nor did PySide6's check of each imported module keep their lines (8.5 MB on a full start), but for the
    # module that stops it, imported before it can
    assert [path for path in seen["kept"] if not path.endswith("pyside_feature_scan.py")] == []


def test_a_command_or_a_mistake_still_goes_to_the_whole_parser(capsys):
    from pdtray.cli.main import main, tray_arguments

    assert tray_arguments(["--demo"]).demo and tray_arguments(["--log-level", "debug"]).log_level == "debug"
    for line in (["oncall"], ["--demo", "next"], ["--help"], ["--json"], ["--region", "xx"], ["--bogus"]):
        assert tray_arguments(line) is None, line
    assert main(["--json"]) == 2
    assert "--json goes with a command" in capsys.readouterr().err


def test_pdtray_alone_starts_the_tray_with_the_parsers_defaults_without_building_it():
    from pdtray.cli.main import _parsed, tray_arguments

    assert vars(tray_arguments([])) == vars(_parsed([]))
    # and that is the plain tray: not the demo, the default log level, no command
    plain = tray_arguments([])
    assert (plain.demo, plain.log_level, plain.command) == (False, None, None)


TOKEN_PROBE = """
import os, sys
import pdtray.app.secrets as secrets
from pdtray.app.no_core_dumps import is_dumpable

def load_token(*args, **kw):
    print("DUMPABLE", is_dumpable(), flush=True)
    os._exit(0)

secrets.load_token = load_token  # before the tray's modules bind it
from pdtray.cli.main import main
sys.exit(main([]))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux")
def test_the_tray_opts_out_of_core_dumps_before_it_reads_a_token(demo, tmp_path):
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PAGERDUTY_API_URL": demo.url,
        "PAGERDUTY_TOKEN": demo.token,
        "PDTRAY_CONFIG_DIR": str(tmp_path / "config"),
        "PDTRAY_CACHE_DIR": str(tmp_path / "cache"),
        "PDTRAY_LOG_DIR": str(tmp_path / "log"),
    }
    done = subprocess.run([sys.executable, "-c", TOKEN_PROBE], env=env, capture_output=True, text=True, timeout=60)
    assert "DUMPABLE False" in done.stdout.splitlines(), done.stderr[-3000:]
    # and its log file, held until the icon was up, was opened by then with what came before
    assert "pdtray 0.1.0, Python" in (tmp_path / "log" / "pdtray.log").read_text().splitlines()[0]


FIRST_ANSWER_PROBE = """
import os, sys
import PySide6.QtCore as QtCore
from pdtray.ui import tray as tray_module

drawn = tray_module.Tray.render

def render(self, look):
    drawn(self, look)
    if "Updated" in look.tooltip:  # the first answer, drawn
        print("QT NAMESPACE BUILT", "Qt" in QtCore.__dict__, flush=True)
        print("QEVENT BUILT", "QEvent" in QtCore.__dict__, flush=True)
        os._exit(0)

tray_module.Tray.render = render
from pdtray.cli.main import main
sys.exit(main(["--demo"]))
"""


def test_a_first_start_draws_its_first_answer_without_building_qts_enum_namespace(tmp_path):
    """Importing ``Qt`` from QtCore builds all of Qt's enums (15 ms here): the notices' precise timer, the toasts
    and the message boxes ask for it when they are first used, after the first answer, not on the way to it. Nor is
    an event handed to Python before then, which would build QEvent's type and its enum of 180 kinds (2 ms)."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PDTRAY_CONFIG_DIR": str(tmp_path / "config"),
        "PDTRAY_CACHE_DIR": str(tmp_path / "cache"),
        "PDTRAY_LOG_DIR": str(tmp_path / "log"),
    }
    done = subprocess.run(
        [sys.executable, "-c", FIRST_ANSWER_PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    lines = done.stdout.splitlines()
    assert "QT NAMESPACE BUILT False" in lines and "QEVENT BUILT False" in lines, (done.stdout, done.stderr[-3000:])
