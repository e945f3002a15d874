"""``streamfx dataset teach``: a tiny InstructPix2Pix pipeline (built here from config with random
weights, no download) edits every crop of a dataset built from the demo clip into
``<chunk>_<style>/``; cached, resumable, seeded per crop."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import streamfx.styles_text as styles_text
import streamfx.training.teachers as teachers
from streamfx.cli.main import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from test_cli_styles_text import build_tiny_ip2p  # noqa: E402

FAST = ["--steps", "2", "--size", "32", "--no-progress"]


@pytest.fixture(scope="module")
def teacher(tmp_path_factory) -> Path:
    return build_tiny_ip2p(tmp_path_factory.mktemp("ip2p") / "teacher")


@pytest.fixture(scope="module")
def built(tmp_path_factory, face_model) -> Path:
    """A dataset built from the generated demo clip (a real face): a few aligned crops."""
    out = tmp_path_factory.mktemp("built") / "ds"
    argv = ["dataset", "build", "demo", "-o", str(out), "--max-frames", "8", "--no-progress"]
    assert main(argv) == 0
    return out


@pytest.fixture(scope="module")
def pipe(teacher: Path):
    return styles_text.load_teacher(teacher)


def _copy(built: Path, dest: Path) -> Path:
    shutil.copytree(built, dest)
    return dest


def _names(root: Path) -> list[str]:
    return [Path(rel).name for rel, _ in json.loads((root / "dataset.json").read_text())["labels"]]


def _edits(root: Path, style: str = "gold") -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / f"00000_{style}").iterdir())}


def test_teach_fills_style_folders_and_a_rerun_does_no_work(
    built: Path, teacher: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    ds = _copy(built, tmp_path / "ds")
    names = _names(ds)
    assert len(names) >= 2
    argv = ["dataset", "teach", str(ds), "--style", "gold", "--text", "make it gold"]
    argv += ["--teacher", str(teacher), "--batch", "2", "--seed", "3", *FAST]
    assert main(argv) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert f"{len(names)} crop(s) edited, 0 already there" in out and "00000_gold/" in out
    edits = _edits(ds)
    assert sorted(edits) == sorted(names)  # the same file names as the crops
    for name in names:
        with Image.open(ds / "00000_gold" / name) as im, Image.open(ds / "00000" / name) as crop:
            assert im.mode == "RGB" and im.size == crop.size == (512, 512)
            assert np.abs(np.asarray(im, int) - np.asarray(crop, int)).mean() > 1.0
    record = json.loads((ds / "teach.json").read_text())["styles"]["gold"]
    assert (record["text"], record["seed"], record["size"]) == ("make it gold", 3, 32)
    assert record["pipeline"] == "StableDiffusionInstructPix2PixPipeline"

    def no_load(*args, **kwargs):
        raise AssertionError("the teacher was loaded although every edit is there")

    monkeypatch.setattr(styles_text, "load_teacher", no_load)
    assert main(argv) == 0
    assert f"0 crop(s) edited, {len(names)} already there" in capsys.readouterr().out
    assert _edits(ds) == edits
    # the edits are training data: train.py's dataset reads them as a style of the chunk
    from streamfx.training.train import EditDataset

    assert EditDataset(ds).styles["00000"] == ["gold"] and len(EditDataset(ds)) == len(names)


def test_batch_size_and_resume_point_give_the_same_edits(
    built: Path, teacher: Path, pipe, tmp_path: Path, monkeypatch
) -> None:
    opts = dict(style="gold", text="make it gold", teacher=str(teacher), steps=2, size=32)
    two = _copy(built, tmp_path / "two")
    teachers.teach_dataset(two, teachers.TeachOptions(batch=2, **opts), False, pipe=pipe)
    one = _copy(built, tmp_path / "one")
    report = teachers.teach_dataset(one, teachers.TeachOptions(batch=1, **opts), False, pipe)
    assert report.edited == len(_names(one)) and report.cached == 0
    a, b = _edits(two), _edits(one)
    assert sorted(a) == sorted(b)
    for name in a:  # each crop has its own seeded generator: the same edit in any batch ...
        x = np.asarray(Image.open(two / "00000_gold" / name), int)
        y = np.asarray(Image.open(one / "00000_gold" / name), int)
        assert x.shape == y.shape == (512, 512, 3)
        # ... up to the rounding of batched CPU kernels (GroupNorm, small GEMMs): measured at
        # most one grey level on a small share of the values
        assert np.abs(x - y).max() <= 2 and (x == y).mean() > 0.99

    # an interrupted pass resumes where it stopped and ends with the same bytes
    real, calls = teachers.edit_batch, []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    part = _copy(built, tmp_path / "part")
    monkeypatch.setattr(teachers, "edit_batch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        teachers.teach_dataset(part, teachers.TeachOptions(batch=2, **opts), False, pipe=pipe)
    assert len(_edits(part)) == 2  # the first batch, whole files only
    monkeypatch.setattr(teachers, "edit_batch", real)
    report = teachers.teach_dataset(part, teachers.TeachOptions(batch=2, **opts), False, pipe)
    assert (report.cached, report.edited) == (2, len(a) - 2)
    assert _edits(part) == a


def test_other_settings_and_unrecorded_edits_are_refused(
    built: Path, teacher: Path, pipe, tmp_path: Path, tiny_dataset_maker, capsys
) -> None:
    ds = _copy(built, tmp_path / "ds")
    opts = dict(style="gold", text="make it gold", teacher=str(teacher), steps=2, size=32)
    teachers.teach_dataset(ds, teachers.TeachOptions(**opts), False, pipe=pipe)
    before = _edits(ds)
    argv = ["dataset", "teach", str(ds), "--style", "gold", "--text", "make it silver"]
    argv += ["--teacher", str(teacher), *FAST]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "other settings" in err and "make it silver" in err
    assert _edits(ds) == before

    hand = tiny_dataset_maker(tmp_path / "hand", n=2, size=64)  # 00000_gold/ made by hand
    argv = ["dataset", "teach", str(hand), "--style", "gold", "--text", "x", "--teacher"]
    assert main([*argv, str(teacher), *FAST]) == 2
    assert "did not record" in capsys.readouterr().err


def test_missing_teacher_or_dataset_is_one_clear_message(
    built: Path, tmp_path: Path, capsys
) -> None:
    ds = _copy(built, tmp_path / "ds")
    argv = ["dataset", "teach", str(ds), "--style", "gold", "--text", "make it gold"]
    assert main([*argv, "--teacher", str(tmp_path / "nothing"), *FAST]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "nothing") in err and "timbrooks/instruct-pix2pix" in err
    assert not (ds / "00000_gold").exists() and not (ds / "teach.json").exists()
    argv[2] = str(tmp_path / "empty")
    assert main([*argv, *FAST]) == 2
    assert "no dataset.json" in capsys.readouterr().err
