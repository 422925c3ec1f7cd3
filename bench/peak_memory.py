"""The process's resident memory from Linux's /proc: now, and its peak since a reset.

A bench measures a stage's own peak by resetting the peak just before the stage and
reading it after (`reset_peak_rss`, `peak_rss_gb`), less what the process held when the
stage began (`rss_gb`), once the memory freed before it is given back to the system
(`release_free_memory`: else the stage reuses pages the process already held, and its
own peak reads low). `resource.getrusage`'s ru_maxrss cannot be reset: it keeps the
highest point of everything before, such as a generator's temporaries."""

from __future__ import annotations

import ctypes
import ctypes.util
from pathlib import Path

STATUS = Path("/proc/self/status")


def reset_peak_rss() -> bool:
    """Reset the process's peak resident set (Linux: "5" to /proc/self/clear_refs resets
    VmHWM to the current RSS); False where that cannot be done."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def release_free_memory() -> bool:
    """Give the pages that C's allocator holds free back to the system (glibc's
    `malloc_trim`); False where there is no such call."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None)
    if trim is None:
        return False
    trim(0)
    return True


def peak_rss_gb() -> float | None:
    """VmHWM, the process's peak resident set since the last reset, in GB; None without
    /proc."""
    return _status_gb("VmHWM:")


def rss_gb() -> float | None:
    """VmRSS, the process's resident set now, in GB; None without /proc."""
    return _status_gb("VmRSS:")


def _status_gb(field: str) -> float | None:
    try:
        lines = STATUS.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith(field):
            return int(line.split()[1]) / 2**20
    return None
