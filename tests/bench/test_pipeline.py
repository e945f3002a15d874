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


def test_bench_pipeline_six_face_scene_with_ratio(face_model, capsys, tmp_path) -> None:
    out_json = tmp_path / "six.json"
    argv = ["--scene", "six", "--seconds", "0.3", "--clip-fps", "10", "--editor", "mesh"]
    argv += ["--face.max-faces", "8", "--ratio", "--json", str(out_json)]
    assert main(["bench", "pipeline", *argv]) == 0
    out = capsys.readouterr().out
    assert "(offline): six 0.3s @ 10 fps, 1280x720" in out
    assert "tracking vs bare FaceLandmarker" in out and "cpu ms" in out
    assert "ms per frame of a" in out and "throughput bound by" in out
    data = json.loads(out_json.read_text())
    stats = data["stats"]
    assert stats["processed"] == 3 and stats["no_face"] == 0 and stats["edit_errors"] == 0
    for stage in ("track", "edit", "compose"):  # wall and thread CPU ms per stage
        assert stats["stages"][stage]["cpu_ms"] > 0
    assert stats["cpu"]["budget_ms"] > 0 and stats["cpu"]["bound_by"]["stage"]
    # the whole process (MediaPipe's threads too) uses at least what the stages' threads do
    assert stats["cpu"]["process_ms_per_frame"] >= stats["cpu"]["per_frame_ms"] > 0
    assert "in the whole process" in out
    (head,) = data["headline"]
    assert head["scene"] == "six" and head["size"] == "1280x720" and head["fps_processed"] > 0
    assert head["faces"] == stats["edits_per_frame"] == 6.0  # every face of the group edited
    assert stats["faces_per_frame"] == 6.0
    ratio = data["tracking_vs_bare"]
    assert ratio["faces_track"] == 6 and ratio["faces_bare"] < 6 and ratio["ratio"] > 0


def test_bench_pipeline_unknown_scene_is_exit_2(capsys) -> None:
    assert main(["bench", "pipeline", "--scene", "crowd"]) == 2
    assert "scene" in capsys.readouterr().err
