"""End to end on real media: the ``carphone`` talking face, the in-process edit, the bench."""

from __future__ import annotations

import json

import pytest
from conftest import paste

from streamfx.eval.frames import source_frames
from streamfx.eval.report import write_report
from streamfx.eval.runner import EvalOptions, evaluate


def test_carphone_cartoon_end_to_end(carphone, face_model, write_clip, tmp_path):
    from streamfx.backends.mesh.editor import MeshEditor
    from streamfx.face import FaceTracker

    editor = MeshEditor("cartoon")
    edited = []
    with FaceTracker(model_path=face_model) as tracker:
        for i, img in enumerate(source_frames(str(carphone), 10)):
            out = img
            for face in tracker.track(img, i * 1000.0 / 30.0):
                out = paste(out, face, editor.edit(img, face))
            edited.append(out)
    opts = EvalOptions(max_frames=10, identity_every=2, face_model=str(face_model))
    result = evaluate(str(carphone), write_clip(edited, "cartoon"), opts)
    s = result.summary
    assert s["frames"] == 10 and s["face_frames"] == 10
    assert s["edit_face_found"] >= 0.8
    assert 0.05 < s["identity_distance"] < 0.9  # restyled, still nearer itself than a stranger
    assert s["edit_strength"] > 5.0
    assert s["containment"] > 0.99 and s["background_change"] < 2.0
    assert s["pose_error_deg"] < 10.0
    page = write_report(result, tmp_path / "report")
    assert page.is_file() and (tmp_path / "report" / "worst_frames.png").is_file()


def test_eval_with_style_runs_the_edit(carphone, tmp_path, face_model):
    from streamfx.eval.cli import EvalCommand, run

    report = tmp_path / "report"
    cmd = EvalCommand(
        original=str(carphone), style="cartoon", editor="mesh", max_frames=6,
        report=str(report), identity_every=3, quiet=True,
    )  # fmt: skip
    assert run(cmd) == 0
    data = json.loads((report / "metrics.json").read_text())
    assert data["meta"]["style"] == "cartoon" and data["summary"]["frames"] == 6
    assert data["summary"]["edit_strength"] > 5.0
    assert (report / "edited-cartoon.mp4").is_file() and (report / "report.html").is_file()
    assert len(list((report / "original").glob("*.png"))) == 6


def test_bench_quality_table(tmp_path, capsys):
    from streamfx.bench.quality import QualityBench, run

    out = tmp_path / "quality.json"
    cfg = QualityBench(styles=("identity", "bronze"), clips=("talking",), frames=4,
                       width=320, height=240, json=str(out))  # fmt: skip
    assert run(cfg) == 0
    printed = capsys.readouterr().out
    assert "identity" in printed and "bronze" in printed and "seam" in printed
    rows = {r["style"]: r for r in json.loads(out.read_text())["rows"]}
    # the re-render without a look is the floor: the restyle changes more and looks less alike
    assert rows["identity"]["edit_strength"] < rows["bronze"]["edit_strength"]
    assert rows["identity"]["identity_distance"] < rows["bronze"]["identity_distance"]
    with pytest.raises(ValueError, match="unknown style"):
        run(QualityBench(styles=("nope",), frames=4))
