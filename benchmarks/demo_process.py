"""The demo PagerDuty in a process of its own, at the lowest CPU priority, for the tray app's benchmarks.

PagerDuty's servers do not share the user's CPU. A demo server in the benchmark's own process does: on a machine
with two cores, its rendering of a 2,000-schedule account's pages took the CPU away from the tray app (found by
reading the app's main thread from /proc during its longest stalls: runnable, not running, for 80-170 ms), which
made the stall figure measure the benchmark machine rather than pdtray. Niced to 19, the server gets the CPU only
when the app and the X server leave it. Its fault knobs are turned over HTTP (``/_demo/faults``).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

_SERVE = """
import os, sys
os.nice(19)
from pdtray.demo import DemoServer
server = DemoServer(schedules=int(sys.argv[1]) or None).start()
print(server.url, server.token, flush=True)
sys.stdin.read()  # until the benchmark closes our stdin
server.stop()
"""


@dataclass(frozen=True)
class DemoProcess:
    url: str
    token: str

    def set_latency(self, seconds: float) -> None:
        request = urllib.request.Request(
            self.url + "/_demo/faults", data=json.dumps({"latency": seconds}).encode(), method="POST"
        )
        urllib.request.urlopen(request, timeout=10).close()


@contextlib.contextmanager
def demo_process(schedules: int | None = None) -> Iterator[DemoProcess]:
    child = subprocess.Popen(
        [sys.executable, "-c", _SERVE, str(schedules or 0)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline().split()
        if len(line) != 2:
            raise RuntimeError("the demo server did not start")
        yield DemoProcess(*line)
    finally:
        if child.stdin is not None:
            child.stdin.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
