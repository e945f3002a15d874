"""The README's main job: ``streamfx demo`` on the embedded default, end to end."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from streamfx.cli.main import main


@pytest.mark.slow
def test_demo_writes_video_sheet_and_timings(tmp_path: Path, capsys) -> None:
    out = tmp_path / "demo"
    rc = main(["demo", "--seconds", "1", "--fps", "10", "--out", str(out), "--no-progress"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "editor mesh" in text  # auto picks mesh without 3dpe weights, and says why
    for stage in ("track", "edit (mesh)", "compose"):
        assert stage in text, f"timing table lacks {stage!r}:\n{text}"

    with av.open(str(out / "demo.mp4")) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(frames) == 10

    sheet = cv2.imread(str(out / "contact_sheet.png"))
    assert sheet is not None
    rows = sheet.shape[0] // 256
    assert rows >= 3, "originals plus at least two styles"
    original, edited = sheet[:256].astype(np.float32), sheet[256:512].astype(np.float32)
    # the face (centre of each close-up) must visibly differ from the original ...
    centre = np.s_[80:176]
    face_diff = np.abs(original[centre] - edited[centre]).reshape(96, -1, 256, 3)[:, :, 80:176]
    assert face_diff.mean() > 4.0, f"edited face looks unedited ({face_diff.mean():.2f})"
    # ... while the corners (background) stay nearly as they were
    corner = np.abs(original[30:60, :40] - edited[30:60, :40]).mean()
    assert corner < face_diff.mean() / 2
