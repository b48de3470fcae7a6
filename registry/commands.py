"""What the management commands share: argument types, the peak memory and a query counter (the benchmarks
print both next to their times)."""

import resource
import sys


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def non_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


def max_rss_mib() -> float:
    """The process's peak resident memory so far, in MiB (ru_maxrss is kilobytes on Linux, bytes on macOS)."""
    unit = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / unit


class QueryCounter:
    """A ``connection.execute_wrapper`` counting statements without keeping their SQL (CaptureQueriesContext
    would, and skew the memory a benchmark reports)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)
