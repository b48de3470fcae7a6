"""A memory ceiling for one piece of work in a worker process: the address-space limit (RLIMIT_AS)
lowered to what the process uses now plus a budget, and put back afterwards.

The limits of ``registry.imports.limits`` keep a participant file's check far below its budget; the
ceiling is the second line, for what they did not foresee: an allocation beyond it raises
``MemoryError`` in the check (recorded on the import as a Russian refusal) instead of the kernel's OOM
killer taking the worker, or the machine, down. Only the soft limit moves, so it can be raised back.

Used only in a Celery worker process, never in a web process (its other threads would share the
ceiling) nor where tasks run eagerly. Where the platform has no RLIMIT_AS (or no /proc), nothing is
limited.
"""

from __future__ import annotations

import contextlib
import logging
import os

try:
    import resource
except ImportError:  # not on this platform
    resource = None

logger = logging.getLogger(__name__)

MB = 1024 * 1024


def address_space() -> int | None:
    """The process's virtual memory size now, in bytes (None when the platform does not say)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


@contextlib.contextmanager
def budget(megabytes: int):
    """Within the block the process may grow by ``megabytes`` more; beyond that ``MemoryError``."""
    used = address_space()
    if resource is None or not hasattr(resource, "RLIMIT_AS") or used is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    ceiling = used + megabytes * MB
    if hard != resource.RLIM_INFINITY:
        ceiling = min(ceiling, hard)
    if soft != resource.RLIM_INFINITY and soft <= ceiling:
        yield  # already stricter
        return
    try:
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))
    except (ValueError, OSError):
        logger.warning("Could not lower the address-space limit to %s bytes", ceiling, exc_info=True)
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
