"""How many threads torch runs one operation on (its intra-op pool) when mtdetect runs the encoder.

Left alone, torch sizes its pool from the machine's cores, which can exceed the CPUs this process
may use (a pinned process, a shared box, several scoring processes side by side); oversubscribed
threads then slow every process down. The count is chosen, in order:

1. an explicit count: `mtdetect score|report --threads N`, or `apply_threads(n)` from Python;
2. OMP_NUM_THREADS when it is set (its first level: "4,2" means 4), as OpenMP programs read it;
3. the CPUs this process may run on (`os.sched_getaffinity`; `os.cpu_count()` where it is missing).

Nothing here imports torch: `apply_threads` sets the count at once only when torch is already
imported, and otherwise leaves it for `set_torch_threads`, which the encoder calls as it loads, so
the feature-only (`--fast`) mode stays free of torch. The explicit count is kept in one module-level
value because torch's thread pool is itself one per process.
"""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger(__name__)

_chosen: int | None = None  # the count given to apply_threads, for an encoder loaded later


def resolve_threads(requested: int | None = None) -> int:
    """The intra-op thread count: `requested`, else OMP_NUM_THREADS, else the CPUs available.

    Raises ValueError when `requested` is below 1.

    >>> resolve_threads(3)
    3
    """
    if requested is not None:
        if requested < 1:
            raise ValueError(f"the thread count must be at least 1, not {requested}")
        return requested
    from_env = omp_threads(os.environ.get("OMP_NUM_THREADS"))
    return from_env if from_env is not None else available_cpus()


def omp_threads(value: str | None) -> int | None:
    """The first level of an OMP_NUM_THREADS value; None when it is unset, empty or unusable.

    >>> omp_threads("4"), omp_threads(" 4,2 "), omp_threads(""), omp_threads(None)
    (4, 4, None, None)
    """
    if value is None or not value.strip():
        return None
    first = value.split(",", 1)[0].strip()
    if first.isascii() and first.isdigit() and int(first) >= 1:
        return int(first)
    log.warning("ignoring OMP_NUM_THREADS=%r: not a whole number of threads, at least 1", value)
    return None


def available_cpus() -> int:
    """The number of CPUs this process may run on (its affinity mask, which taskset and cpusets set)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # no affinity call on macOS and Windows
        return os.cpu_count() or 1


def apply_threads(n: int) -> None:
    """Run torch on `n` intra-op threads: at once if torch is imported, else when the encoder loads.

    Raises ValueError when `n` is below 1. Never imports torch.
    """
    global _chosen
    _chosen = resolve_threads(n)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(n)
        log.debug("torch intra-op threads: %d", n)


def set_torch_threads() -> int:
    """Set torch's intra-op threads to the count given to `apply_threads`, else `resolve_threads()`.

    For code that is about to run torch (the encoder's load); imports torch. Returns the count.
    """
    import torch

    n = _chosen if _chosen is not None else resolve_threads()
    torch.set_num_threads(n)
    log.debug("torch intra-op threads: %d", n)
    return n
