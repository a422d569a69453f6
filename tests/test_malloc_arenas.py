"""The tray limits glibc's malloc arenas, so that worker threads share a few heaps: measured in a fresh process
through glibc's own report (malloc_info), with real threads allocating at the same time."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pdtray.app.malloc_arenas import ARENAS, limit_malloc_arenas

COUNT_HEAPS = """
import ctypes, sys, tempfile, threading
from pdtray.app.malloc_arenas import limit_malloc_arenas
took = limit_malloc_arenas() if sys.argv[1] == "limit" else False
together = threading.Barrier(6)
held = []
def work():
    held.append([bytes(4096) for _ in range(64)])  # over 512 bytes: glibc's malloc, from this thread's arena
    together.wait()  # all six alive at once, so none can take over an arena another one left
threads = [threading.Thread(target=work) for _ in range(6)]
for t in threads: t.start()
for t in threads: t.join()
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
with tempfile.NamedTemporaryFile(suffix=".xml") as report:
    fp = libc.fopen(report.name.encode(), b"w")
    libc.malloc_info(0, ctypes.c_void_p(fp))
    libc.fclose(ctypes.c_void_p(fp))
    print(took, open(report.name).read().count("<heap nr="))
"""


def _heaps(mode: str) -> tuple[str, int]:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    done = subprocess.run(
        [sys.executable, "-c", COUNT_HEAPS, mode], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    took, heaps = done.stdout.split()
    return took, int(heaps)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's arenas: Linux")
def test_worker_threads_share_two_heaps_instead_of_one_each():
    took, heaps = _heaps("limit")
    assert took == "True"
    assert heaps <= ARENAS == 2
    _, unlimited = _heaps("default")
    assert unlimited >= 4  # the main heap and one for each thread that needed one, up to eight per core


def test_elsewhere_or_when_chosen_in_the_environment_nothing_is_set():
    assert limit_malloc_arenas(platform="darwin", environ={}) is False
    assert limit_malloc_arenas(platform="win32", environ={}) is False
    assert limit_malloc_arenas(platform="linux", environ={"MALLOC_ARENA_MAX": "8"}) is False
