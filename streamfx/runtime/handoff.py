"""A bounded latest-wins hand-off between two threads (depth 1).

``put`` never blocks: a new item replaces one the consumer has not taken yet, and the replaced
item is counted. ``get`` waits up to a timeout. Memory is bounded by construction.
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class LatestSlot(Generic[T]):
    """Holds at most one item; ``put`` overwrites, ``get`` takes."""

    def __init__(self) -> None:
        self._item: T | None = None
        self._cond = threading.Condition()
        self.replaced = 0  # items overwritten before anyone took them
        self.closed = False

    def put(self, item: T) -> bool:
        """Store ``item``; True when it replaced an untaken one (a drop). Never blocks."""
        with self._cond:
            dropped = self._item is not None
            if dropped:
                self.replaced += 1
            self._item = item
            self._cond.notify()
            return dropped

    def get(self, timeout: float | None = None) -> T | None:
        """Take the item, waiting up to ``timeout`` seconds; None when nothing came (or closed)."""
        with self._cond:
            if self._item is None and not self.closed:
                self._cond.wait(timeout)
            item, self._item = self._item, None
            self._cond.notify_all()  # wake a producer waiting in wait_empty
            return item

    def take_nowait(self) -> T | None:
        """Take the item if there is one."""
        with self._cond:
            item, self._item = self._item, None
            self._cond.notify_all()
            return item

    def wait_empty(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds until the consumer took the item; True when empty.

        A producer that already did expensive work on its item calls this before ``put`` so
        the item is not thrown away just because the consumer was a moment late.
        """
        with self._cond:
            return self._cond.wait_for(lambda: self._item is None or self.closed, timeout)

    def close(self) -> None:
        """Wake any waiter; later ``get`` calls return at once."""
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    def __len__(self) -> int:
        return 0 if self._item is None else 1
