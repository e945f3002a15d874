"""``streamfx bench face`` runs end to end and prints its three tables."""

from __future__ import annotations

import argparse
import re

import pytest

from streamfx.errors import ModelFileError
from streamfx.face import bench


def test_bench_face_prints_rate_stability_and_timings(capsys) -> None:
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    args = parser.parse_args(["--frames", "3"])
    try:
        assert bench.run(args) == 0
    except ModelFileError as exc:
        pytest.skip(f"face model unavailable: {exc}")
    out = capsys.readouterr().out
    assert re.search(r"detection rate: 5/5 photos", out), out
    assert len(re.findall(r"smoothing (on |off): \d+\.\d+", out)) == 4
    rows = re.findall(r"(640x480|1280x720)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", out)
    assert [r[0] for r in rows] == ["640x480", "1280x720"]
    assert all(float(v) > 0 for r in rows for v in r[1:])
    small = re.search(r"small faces in 1280x720.*\n.*\n\s+off(.*)\n\s+on(.*)\n", out)
    assert small, out
    assert small.group(2).count("yes") == 4  # the zoomed fallback finds 60-160 px faces
    assert re.search(r"track, 90 px face, fallback on: [\d.]+ ms per frame .* found 3/3", out)
