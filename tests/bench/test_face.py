"""``streamfx bench face``: detection rate, crop stability, timings and small faces, end to end."""

from __future__ import annotations

import json
import math
import sys

from streamfx.bench.face import test_photos
from streamfx.cli.main import main


def test_photos_need_no_scikit_image(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "skimage", None)  # a base install has no scikit-image
    photos = test_photos()
    assert len(photos) == 5 and photos["astronaut"].shape == (512, 512, 3)
    assert photos["astronaut-1280x720"].shape == (720, 1280, 3)


def test_bench_face_prints_and_writes_every_table(face_model, capsys, tmp_path) -> None:
    out_json = tmp_path / "face.json"
    argv = ["--frames", "3", "--model", str(face_model), "--json", str(out_json)]
    assert main(["bench", "face", *argv]) == 0
    out = capsys.readouterr().out
    assert "detection rate: 5/5 photos (100%)" in out, out
    assert "found 3/3" in out
    data = json.loads(out_json.read_text())
    assert all(r["found"] for r in data["detection"]) and len(data["detection"]) == 5
    stability = data["stability"]
    assert [(r["noise"], r["smoothing"]) for r in stability] == [
        (0.0, True), (0.0, False), (3.0, True), (3.0, False)
    ]  # fmt: skip
    assert all(math.isfinite(r["corner_std_px"]) and r["corner_std_px"] < 5 for r in stability)
    timings = data["timings_ms"]
    assert [r["frame"] for r in timings] == ["640x480", "1280x720"]
    keys = ("track", "align_cubic", "align_lanczos", "compose")
    assert all(r[k] > 0 for r in timings for k in keys)
    small = data["small_faces"]
    assert len(small) == 8 and all(r["ms"] > 0 for r in small)
    assert all(r["found"] for r in small if r["fallback"])  # the zoomed fallback finds 60-160 px
    follow = data["small_face_track"]
    assert follow["found"] == follow["frames"] == 3 and follow["ms"] > 0
    for r in timings:  # the printed table holds the same rows
        assert any(line.startswith(r["frame"]) for line in out.splitlines())
