"""The tray limits glibc's malloc arenas, so that worker threads share a few heaps: measured in a fresh process
through glibc's own report (malloc_info), with real threads allocating at the same time."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pdtray.app.malloc_arenas import ARENAS, limit_malloc_arenas, release_free_memory

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


FREE_IN_THE_MIDDLE = """
import ctypes, sys
from pdtray.app.malloc_arenas import release_free_memory
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
def rss_mb():
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS")) / 1024
# 48 MB in 16 KB blocks (below glibc's mmap threshold, so from the heap), each written to, so resident
blocks = [libc.malloc(16384) for _ in range(3072)]
for block in blocks:
    ctypes.memset(block, 1, 16384)
pinned = libc.malloc(16384)  # a live block above them: the heap cannot shrink from its top
for block in blocks:
    libc.free(ctypes.c_void_p(block))
before = rss_mb()
gave = release_free_memory()
print(gave, before, rss_mb())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heap: Linux")
def test_free_pages_in_the_middle_of_the_heap_go_back_to_the_system():
    done = subprocess.run([sys.executable, "-c", FREE_IN_THE_MIDDLE], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    gave, before, after = done.stdout.split()
    assert gave == "True"
    # 48 MB were free but held: at least 40 MB of it leaves the process's size (glibc keeps a little per block)
    assert float(before) - float(after) >= 40, (before, after)


def test_memory_is_given_back_only_where_glibc_is():
    assert release_free_memory(platform="darwin") is False
    assert release_free_memory(platform="win32") is False
