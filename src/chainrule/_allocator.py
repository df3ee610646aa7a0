"""The C allocator's settings for large arrays, on Linux with glibc.

Every op returns a fresh NumPy array, and a backward pass frees the forward's saved arrays all at once.
glibc serves blocks above its mmap threshold straight from the system, and gives memory at the top of
its heap back to the system when more than its trim threshold is free there; either way the next step
touches new pages and pays a page fault for every 4 KiB (on a million float32 elements, half of a
``tanh``/``exp`` step's time). glibc raises the two thresholds when it frees a large block, but only to
that block's size and twice it, and a graph frees many such blocks at once, more than that, so they go
back to the system anyway. Starting at the ceiling glibc's own rule stops at (32 MiB, and twice it for
the trim threshold) keeps freed blocks for the next ops, as jemalloc or tcmalloc do: the arithmetic and
the results are the same, at the cost of up to 64 MiB of freed memory kept per heap.

Nothing is changed where the user tuned the allocator already (``MALLOC_MMAP_THRESHOLD_``,
``MALLOC_TRIM_THRESHOLD_``, a malloc tunable in ``GLIBC_TUNABLES``), where another allocator is preloaded,
or where ``CHAINRULE_SYSTEM_MALLOC=1`` asks for glibc's defaults.
"""

import ctypes
import os
import sys

__all__ = ["keep_large_blocks"]

_M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's malloc.h
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 2 ** 20  # glibc's own ceiling for the threshold it raises by itself
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # where glibc puts the trim threshold when it raises that one


def _user_tuned():
    environment = os.environ
    return (environment.get("CHAINRULE_SYSTEM_MALLOC", "") not in ("", "0")
            or "MALLOC_MMAP_THRESHOLD_" in environment or "MALLOC_TRIM_THRESHOLD_" in environment
            or "glibc.malloc" in environment.get("GLIBC_TUNABLES", "")
            or "malloc" in environment.get("LD_PRELOAD", ""))


def keep_large_blocks():
    """Set glibc's mmap and trim thresholds to the values it would reach itself; True if they were set."""
    if not sys.platform.startswith("linux") or _user_tuned():
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 - glibc only: musl's mallopt does nothing useful
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
