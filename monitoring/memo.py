"""A small bounded store of derived values kept in the process between requests.

Only for values addressed by what they were computed from (a summary's random token, the very rows a
page was folded from): such an entry can never be wrong, only unused, so nothing has to clear it and
it needs no sharing between processes. Least recently used entries go first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

MISSING = object()


class Memo:
    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, default=None):
        with self._lock:
            value = self._entries.get(key, MISSING)
            if value is MISSING:
                return default
            self._entries.move_to_end(key)
            return value

    def get_many(self, keys) -> list:
        """``get`` of each key (None for a missing one), under one lock."""
        with self._lock:
            found = []
            for key in keys:
                value = self._entries.get(key, MISSING)
                if value is MISSING:
                    value = None
                else:
                    self._entries.move_to_end(key)
                found.append(value)
            return found

    def put(self, key, value) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
