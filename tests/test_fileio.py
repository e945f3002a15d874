"""Atomic small-file writes."""

from __future__ import annotations

from streamfx.fileio import atomic_write


def test_atomic_write_replaces_whole_files(tmp_path):
    target = tmp_path / "tensorrt" / "x.engine"
    atomic_write(target, b"first")
    atomic_write(target, b"second")
    assert target.read_bytes() == b"second"
    assert [p.name for p in target.parent.iterdir()] == ["x.engine"]  # no temporary left
