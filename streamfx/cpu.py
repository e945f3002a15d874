"""The CPU cores this process may use (thread counts, CPU budgets)."""

from __future__ import annotations

import os


def usable_cores() -> int:
    """CPU cores this process may run on (affinity-aware: a container or ``taskset`` may allow
    fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
