"""``streamfx bench mesh``: a row per size x style with every stage, fps and the JSON."""

from __future__ import annotations

import json

import pytest

from streamfx.bench.mesh import STAGES, Command, parse_sizes, run
from streamfx.cli.main import main
from streamfx.errors import ConfigError


def test_bench_mesh_prints_stages_and_fps(capsys, tmp_path) -> None:
    out_json = tmp_path / "mesh.json"
    argv = ["--styles", "cartoon,sketch", "--sizes", "320x240", "--frames", "2", "--warmup", "1"]
    assert main(["bench", "mesh", *argv, "--json", str(out_json)]) == 0
    out = capsys.readouterr().out
    assert all(s in out for s in STAGES) and "fps" in out
    assert len([line for line in out.splitlines() if "320x240" in line]) == 2
    rows = json.loads(out_json.read_text())["rows"]
    assert [(r["frame"], r["style"]) for r in rows] == [
        ("320x240", "cartoon"),
        ("320x240", "sketch"),
    ]
    for r in rows:
        assert all(r[f"{s}_ms"] > 0 for s in STAGES) and r["work"] >= 32
        assert r["total_ms"] == pytest.approx(sum(r[f"{s}_ms"] for s in STAGES))
        assert r["fps"] == pytest.approx(1000.0 / r["total_ms"])
        assert r["best_fps"] >= r["fps"] * 0.99  # the fastest frame is at least as fast


def test_bench_mesh_paste_and_pose_correction(capsys) -> None:
    cmd = Command(styles="bronze", sizes="256x256", frames=1, warmup=0, compositor="paste")
    cmd.pose_yaw, cmd.work_size = 20.0, 64
    assert run(cmd) == 0
    out = capsys.readouterr().out
    assert "compositor: mesh paste" in out and "yaw 20 degrees" in out
    row = [line.split() for line in out.splitlines() if line.startswith("256x256")]
    assert len(row) == 1 and row[0][1:3] == ["bronze", "64"]


def test_sizes_parse_and_fail_clearly() -> None:
    assert parse_sizes("640x480,1280x720") == [(640, 480), (1280, 720)]
    with pytest.raises(ConfigError, match="640x480"):
        parse_sizes("640by480")
    with pytest.raises(ConfigError, match="64x64"):
        Command(sizes="10x10")
    assert main(["bench", "mesh", "--sizes", "10x10"]) == 2
