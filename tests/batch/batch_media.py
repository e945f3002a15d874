"""Helpers of the batch tests: single edits and outputs (the clips come from ``face_clips``)."""

from __future__ import annotations

from pathlib import Path


def edit_one_by_one(clips: Path, out: Path, argv: list[str]) -> dict[str, bytes]:
    """Each clip edited on its own, as a user runs it (``streamfx edit IN -o OUT``, a fresh
    process each): relative path -> bytes."""
    import subprocess
    import sys

    got = {}
    for src in sorted(p for p in clips.rglob("*") if p.is_file()):
        rel = src.relative_to(clips)
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "streamfx.cli.main", "edit", str(src), "-o", str(out / rel)]
        subprocess.run([*cmd, *argv], check=True, capture_output=True)
        got[str(rel)] = (out / rel).read_bytes()
    return got


def outputs(folder: Path) -> dict[str, bytes]:
    """Media files under ``folder`` (manifest and hidden files left out): relative -> bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith((".", "streamfx-manifest"))
    }
