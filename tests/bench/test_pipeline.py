"""``streamfx bench pipeline``: the demo clip through the configured pipeline, offline and live."""

from __future__ import annotations

import json

from streamfx.bench.pipeline import Command, run
from streamfx.cli.main import main
from streamfx.config import EditingConfig


def test_bench_pipeline_offline_mesh_times_every_stage(face_model, capsys, tmp_path) -> None:
    out_json = tmp_path / "pipeline.json"
    argv = ["--seconds", "1", "--clip-fps", "10", "--editor", "mesh", "--json", str(out_json)]
    assert main(["bench", "pipeline", *argv]) == 0
    out = capsys.readouterr().out
    assert "(offline): demo 1s @ 10 fps" in out and "editor mesh" in out
    assert "edit (mesh)" in out and "  render" in out  # sub-stages indented under edit
    data = json.loads(out_json.read_text())
    stats = data["stats"]
    assert data["bench"] == "pipeline" and data["mode"] == "offline"
    assert stats["processed"] == stats["sent"] == 10 and stats["dropped"] == 0
    assert stats["tracked"] == 10 and stats["no_face"] == 0 and stats["edit_errors"] == 0
    for stage in ("track", "edit", "edit/render", "compose"):
        assert stats["stages"][stage]["count"] == 10 and stats["stages"][stage]["mean_ms"] > 0
    assert data["settings"]["seconds"] == 1.0 and data["settings"]["editor"]["editor"] == "mesh"


def test_bench_pipeline_live_serial_passthrough(capsys) -> None:
    cmd = Command(seconds=0.4, clip_fps=10, live=True, serial=True)
    cmd.editor = EditingConfig(editor="none")
    assert run(cmd) == 0
    out = capsys.readouterr().out
    assert "(live, serial): demo 0.4s @ 10 fps" in out and "pass-through" in out
    assert "latency capture->output" in out


def test_bench_pipeline_bad_clip_is_exit_2(capsys) -> None:
    assert main(["bench", "pipeline", "--seconds", "0"]) == 2
    assert "seconds" in capsys.readouterr().err
