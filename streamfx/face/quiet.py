"""Route MediaPipe/TFLite's native (C++) log lines away from the terminal.

MediaPipe prints glog and TFLite lines straight to file descriptor 2 when a graph is created and
on its first frames ("Created TensorFlow Lite XNNPACK delegate", "Feedback manager requires a
model with a single signature", ...). They break the progress bar and say nothing a user can act
on. ``quiet_native_stderr`` points fd 2 at a temporary file for the duration of a block; lines
that look like native log lines go to ``logging`` at DEBUG (shown with ``-v``), anything else
(e.g. a Python warning from another thread) is written back to stderr.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator

log = logging.getLogger("streamfx.mediapipe")
NATIVE_LINE = re.compile(
    r"^([IWEF]\d{4} |INFO: |(WARNING|ERROR): \[\w+\.cc:\d+\] |"
    r"WARNING: All log messages before absl|"
    r"WARNING: Logging before InitGoogle|W0000 |I0000 |E0000 |"
    r".*(TensorFlow Lite|XNNPACK|inference_feedback_manager|"
    r"landmark_projection_calculator|gl_context|absl::InitializeLog))"
)
_LOCK = threading.Lock()


def native_logs_visible() -> bool:
    """True when native lines should stay on the terminal (``STREAMFX_NATIVE_LOGS=1``)."""
    return os.environ.get("STREAMFX_NATIVE_LOGS", "") not in ("", "0")


def silence_glog_env() -> None:
    """Ask glog/TF to print warnings and errors only (before mediapipe is imported)."""
    if not native_logs_visible():
        os.environ.setdefault("GLOG_minloglevel", "2")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Capture fd 2 during the block; native log lines -> logging (DEBUG), the rest -> stderr."""
    if native_logs_visible():
        yield
        return
    with _LOCK:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError):  # no usable fd 2 (embedded interpreter)
            yield
            return
        with tempfile.TemporaryFile() as tmp:
            os.dup2(tmp.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
                os.close(saved)
                tmp.seek(0)
                _replay(tmp.read().decode("utf-8", "replace"))


def _replay(text: str) -> None:
    other = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if NATIVE_LINE.match(line):
            log.debug("%s", line)
        else:
            other.append(line)
    if other:
        print("\n".join(other), file=sys.stderr)
