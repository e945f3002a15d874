"""Signals held back while a file is in a state that must not be cut (an encoded packet not
yet muxed, the encoder's flush, the trailer): SIGINT and SIGTERM that arrive inside
``deferred_signals()`` are delivered when it ends, so Ctrl-C can never leave a packet out."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator

SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold SIGINT/SIGTERM until the block ends (main thread only; elsewhere Python delivers
    no signal anyway, so it does nothing)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    old = {}
    for sig in SIGNALS:
        try:
            old[sig] = signal.signal(sig, lambda signum, _frame: caught.append(signum))
        except (ValueError, OSError):  # e.g. an embedded interpreter
            pass
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        for signum in dict.fromkeys(caught):  # each signal once, in arrival order
            handler = old.get(signum)
            if callable(handler):
                handler(signum, None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), signum)
