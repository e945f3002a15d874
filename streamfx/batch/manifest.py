"""The batch manifest: one JSON line per event in ``OUT_DIR/streamfx-manifest.jsonl``.

Each line is ``{"input", "output", "key", "state", "t", "result"?}``; the last line of an input
is its state. ``started`` without a later line means the run was interrupted or killed there:
a re-run does that file again (from its start; its unfinished temporary file is removed).
``done``/``degraded`` with the same key (input size + mtime + settings) and the output still
on disk means finished: a re-run skips it. Lines are appended and flushed one at a time, so a
killed batch loses at most the line it was writing (a torn last line is ignored).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

NAME = "streamfx-manifest.jsonl"
FINISHED = ("done", "degraded")


def file_key(path: str, settings: str) -> str:
    """A fingerprint of an input file (size, mtime) and the settings it is edited with."""
    st = os.stat(path)
    text = f"{st.st_size}:{st.st_mtime_ns}:{settings}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Manifest:
    """Reads and appends the manifest of an output folder."""

    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder) / NAME
        self.last: dict[str, dict[str, Any]] = {}
        if self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:  # a line torn by a kill
                    continue
                self.last[entry["input"]] = entry

    def state(self, inp: str) -> str | None:
        entry = self.last.get(inp)
        return entry["state"] if entry else None

    def finished(self, inp: str, output: str, key: str) -> bool:
        """True when ``inp`` was finished with these settings and its output is still there."""
        entry = self.last.get(inp)
        return (
            entry is not None
            and entry["state"] in FINISHED
            and entry.get("key") == key
            and entry.get("output") == output
            and Path(output).is_file()
        )

    def record(self, inp: str, output: str, key: str, state: str, result: dict | None = None):
        entry = {"input": inp, "output": output, "key": key, "state": state, "t": time.time()}
        if result is not None:
            entry["result"] = result
        self.last[inp] = entry
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())


def remove_stale_temps(output: str) -> list[Path]:
    """Remove temporary files a killed run left beside ``output`` (``.STEM.PID.tmpSUFFIX``
    whose process is gone); -> what was removed."""
    out = Path(output)
    removed = []
    for p in out.parent.glob(f".{out.stem}.*.tmp{out.suffix}"):
        pid = p.name[len(out.stem) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (one of another user counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
