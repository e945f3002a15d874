"""Same input and config give the same bytes on any machine: the encoders' thread count is
fixed, so a process limited to one core (a Ray worker's share, a small laptop) writes the same
file as one with every core."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity (Linux)")
@pytest.mark.parametrize("suffix", [".mp4", ".webm"])
def test_bytes_do_not_depend_on_the_number_of_cores(tmp_path: Path, face_model, suffix) -> None:
    def edit(name: str, one_core: bool) -> bytes:
        out = tmp_path / f"{name}{suffix}"
        cmd = [sys.executable, "-m", "streamfx.cli.main", "edit", "demo", "-o", str(out)]
        cmd += ["--max-frames", "6", "--style", "sketch", "--no-progress"]
        pin = (
            (lambda: os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})) if one_core else None
        )
        subprocess.run(cmd, check=True, capture_output=True, preexec_fn=pin, timeout=300)
        return out.read_bytes()

    assert edit("all_cores", False) == edit("one_core", True)
