"""``streamfx dataset build`` on the generated demo clip (a real face) and on photos."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

import streamfx.training.dataset as ds
from streamfx.cli.main import main


def _labels(out: Path) -> list:
    return json.loads((out / "dataset.json").read_text())["labels"]


def test_demo_clip_gives_crops_and_labels(tmp_path: Path, face_model, capsys) -> None:
    out = tmp_path / "ds"
    argv = ["dataset", "build", "demo", "-o", str(out), "--max-frames", "30", "--no-progress"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    labels = _labels(out)
    assert len(labels) >= 5 and "duplicate" in text  # a slow head: neighbours are near-copies
    for i, (name, label) in enumerate(labels):
        assert name == f"00000/img{i:08d}.png" and "_" not in Path(name).name
        assert len(label) == 25 and label[16] == pytest.approx(4.264, abs=0.01)  # fx
        assert abs(ds.head_angles(np.array(label))[0]) < 30
    crop = np.asarray(Image.open(out / labels[0][0]))
    assert crop.shape == (512, 512, 3) and crop.std() > 10
    # rerunning a finished build adds nothing
    assert main(argv) == 0 and len(_labels(out)) == len(labels)


def test_photos_report_rejected_faces(tmp_path: Path, face_model, capsys) -> None:
    from skimage import data

    photos = tmp_path / "photos"
    photos.mkdir()
    img = data.astronaut()
    Image.fromarray(img).save(photos / "sharp.png")
    Image.fromarray(cv2.GaussianBlur(img, (0, 0), 5)).save(photos / "blurred.png")
    Image.fromarray(cv2.resize(img, (160, 160))).save(photos / "small.png")
    Image.fromarray(np.full((200, 200, 3), 90, np.uint8)).save(photos / "wall.png")
    report = ds.build_dataset([str(photos)], tmp_path / "ds", progress=False)
    assert report.kept == 1
    assert report.rejected["blurred"] == 1 and report.rejected["no_face"] >= 1
    assert report.rejected["too_small"] + report.rejected["no_face"] >= 2


def test_interrupted_build_resumes(tmp_path: Path, face_model, monkeypatch) -> None:
    out = tmp_path / "ds"
    opts = ds.BuildOptions(max_frames=24, checkpoint_every=2)
    real = ds._frames
    seen: list[int] = []

    def interrupted(spec, o, start):
        for item in real(spec, o, start):
            seen.append(item[0])
            if len(seen) == 14:
                raise KeyboardInterrupt
            yield item

    monkeypatch.setattr(ds, "_frames", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ds.build_dataset(["demo"], out, opts, progress=False)
    state = json.loads((out / ds.STATE).read_text())
    part = _labels(out)
    assert state["frames"] > 0 and len(part) == state["count"] > 0
    before = {name: (out / name).read_bytes() for name, _ in part}
    monkeypatch.setattr(ds, "_frames", real)
    starts: list[int] = []

    def resumed(spec, o, start):
        starts.append(start)
        yield from real(spec, o, start)

    monkeypatch.setattr(ds, "_frames", resumed)
    report = ds.build_dataset(["demo"], out, opts, progress=False)
    assert report.resumed and starts == [state["frames"]]  # read frames are not read again
    labels = _labels(out)
    assert len(labels) > len(part) and labels[: len(part)] == part
    assert all((out / n).read_bytes() == b for n, b in before.items())
    assert [n for n, _ in labels] == [f"00000/img{i:08d}.png" for i in range(len(labels))]
