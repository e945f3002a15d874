"""``streamfx bench mesh`` runs and prints a table with every stage and fps."""

from __future__ import annotations

import pytest

from streamfx.backends.mesh.bench import STAGES, parse_sizes
from streamfx.cli.main import main
from streamfx.errors import ConfigError


def test_bench_mesh_prints_stages_and_fps(capsys) -> None:
    rc = main(
        ["bench", "mesh", "--styles", "cartoon", "--sizes", "320x240", "--frames", "2",
         "--warmup", "1"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert rc == 0
    assert all(s in out for s in STAGES) and "fps" in out
    row = [line for line in out.splitlines() if "cartoon" in line]
    assert len(row) == 1
    cells = row[0].split()
    total, fps, best = float(cells[-3]), float(cells[-2]), float(cells[-1])
    assert total > 0 and fps == pytest.approx(1000.0 / total, rel=0.01)
    assert best >= fps * 0.99  # the fastest frame is at least as fast as the median


def test_sizes_parse_and_fail_clearly() -> None:
    assert parse_sizes("640x480,1280x720") == [(640, 480), (1280, 720)]
    with pytest.raises(ConfigError, match="640x480"):
        parse_sizes("640by480")
    assert main(["bench", "mesh", "--sizes", "10x10"]) == 2
