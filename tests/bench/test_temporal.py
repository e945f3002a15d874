"""``streamfx bench temporal``: flicker (still, noisy) and lag (moving) rows, smoothing off/on.

The target (on halves flicker, lag under 3 frames) is measured by the bench, not here: a few
frames only show that every row is filled and the JSON carries the table.
"""

from __future__ import annotations

import json
import math

import numpy as np

from streamfx.bench.temporal import ROWS, content_lag, fit_lag
from streamfx.cli.main import main


def test_bench_temporal_prints_off_landmarks_on_rows(face_model, capsys, tmp_path) -> None:
    out_json = tmp_path / "temporal.json"
    argv = ["--still-frames", "3", "--moving-frames", "5", "--warmup", "2", "--editor", "mesh"]
    argv += ["--width", "320", "--height", "240", "--json", str(out_json)]
    assert main(["bench", "temporal", *argv]) == 0
    out = capsys.readouterr().out
    assert "noise sigma 3.5" in out and "target (on:" in out
    data = json.loads(out_json.read_text())
    rows = data["rows"]
    assert [r["smoothing"] for r in rows] == list(ROWS)
    assert [r["landmarks"] for r in rows] == [False, True, True]
    assert rows[0]["edit_smoothing"] == rows[1]["edit_smoothing"] == 0.0
    assert rows[2]["edit_smoothing"] > 0  # the camera command's edit smoothing
    for r in rows:
        for key in ("flicker", "flicker_hull", "lag_frames", "track_px"):
            assert math.isfinite(r[key]), (r["smoothing"], key)
    assert rows[0]["flicker_ratio"] == 1.0
    assert math.isfinite(rows[2]["content_lag"]) and "content_lag" not in rows[0]
    assert data["input_flicker"] > 0 and isinstance(data["target_met"], bool)


def test_fit_lag_finds_a_known_delay_despite_offsets() -> None:
    def truth(t: float) -> np.ndarray:
        return np.array([[100 + 30 * math.sin(2 * t), 50 + 10 * math.cos(3 * t)]])

    times = np.arange(60) / 25.0
    measured = [truth(t - 2.0 / 25.0) + (5.0, -3.0) for t in times]  # 2 frames late, offset
    lag, rms = fit_lag(times, measured, truth, 25.0)
    assert abs(lag - 2.0) < 1e-6 and rms < 1e-6


def test_content_lag_reads_an_exponential_average_as_its_delay() -> None:
    rng = np.random.default_rng(0)
    ref = [rng.uniform(0, 255, (8, 8, 3)) for _ in range(30)]
    keep = 0.5
    out = [ref[0]]
    for r in ref[1:]:
        out.append(keep * out[-1] + (1 - keep) * r)
    masks = [np.ones((8, 8), bool)] * 30
    assert content_lag(ref, ref, masks) == 0.0
    assert 0.3 < content_lag(out, ref, masks) < 0.7  # an EMA holding half of the last frame
