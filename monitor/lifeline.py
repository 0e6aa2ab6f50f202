"""Child processes that die with their parent, even when the parent is killed with SIGKILL.

A reader process blocked on a full queue would otherwise wait forever for a parent that is gone, and keep
multiprocessing's resource tracker alive with it. Two guards, since either alone has a gap:

- Linux `prctl(PR_SET_PDEATHSIG, SIGKILL)`: the kernel kills the child the moment its parent dies;
- a watchdog thread that exits the process when its parent pid changes (other systems, and the race where
  the parent died before prctl was called).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import threading

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 0.5


def _set_pdeathsig() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    stop = threading.Event()
    while not stop.wait(WATCH_SECONDS):
        if os.getppid() != parent:
            os._exit(3)  # the parent is gone: nothing this process does can reach anyone any more


def die_with_parent(parent: int) -> None:
    """Call first thing in a child process, with the pid of the parent that started it."""
    _set_pdeathsig()
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(3)
    threading.Thread(target=_watch, args=(parent,), name="lifeline", daemon=True).start()
