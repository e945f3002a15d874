"""Strict official import, checkpoint file handling, import_official and inspect_checkpoint."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
import torch

from streamfx.editor import PortraitEditor  # noqa: E402
from streamfx.editor.convert import (  # noqa: E402
    _match_line,
    expected_shapes,
    import_official,
    inspect_checkpoint,
)
from streamfx.editor.encoder.resnet import unused_resnet_keys  # noqa: E402
from streamfx.errors import CheckpointError, ModelFileError  # noqa: E402

torch.set_num_threads(2)


@pytest.fixture(scope="module")
def official_tiny():
    """Official-format dicts for the tiny preset, including the unused layer3/4 tensors."""
    torch.manual_seed(1)
    src = PortraitEditor("tiny")
    enc = dict(src.encoder.state_dict())
    g = torch.Generator().manual_seed(2)
    for k, shape in unused_resnet_keys(src.config.encoder.resnet_widths).items():
        enc[k] = torch.randn(shape, generator=g)
    return src, enc, dict(src.renderer.state_dict())


def test_strict_load_accepts_and_drops_unused(official_tiny):
    src, enc, ren = official_tiny
    model = PortraitEditor.from_official(enc, ren, "tiny")
    assert not model.training
    assert not any(".layer3." in k or ".layer4." in k for k in model.state_dict())
    a, b = src.state_dict(), model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    # the unused tensors are optional
    slim = {k: v for k, v in enc.items() if ".layer3." not in k and ".layer4." not in k}
    PortraitEditor.from_official(slim, ren, "tiny")


def test_missing_key_is_named_with_its_shape(official_tiny):
    _, enc, ren = official_tiny
    enc = dict(enc)
    enc.pop("Final_encoder.pathembed.norm.weight")
    with pytest.raises(CheckpointError) as exc:
        PortraitEditor.from_official(enc, ren, "tiny")
    msg = str(exc.value)
    assert "1 missing" in msg and "Final_encoder.pathembed.norm.weight [32]" in msg
    assert "encoder_state_dict" in msg


def test_extra_key_is_named(official_tiny):
    _, enc, ren = official_tiny
    ren = dict(ren, **{"decoder.net.4.weight": torch.zeros(3)})
    with pytest.raises(
        CheckpointError, match=r"renderer_state_dict.*\n.*unexpected.*net\.4\.weight"
    ):
        PortraitEditor.from_official(enc, ren, "tiny")


def test_wrong_shape_is_named_with_both_shapes(official_tiny):
    _, enc, ren = official_tiny
    enc = dict(enc, **{"Ref_encoder.proj_tail.weight": torch.zeros(64, 9, 1, 1)})
    with pytest.raises(CheckpointError) as exc:
        PortraitEditor.from_official(enc, ren, "tiny")
    msg = str(exc.value)
    assert "1 wrong shape" in msg
    assert "Ref_encoder.proj_tail.weight expected [64, 8, 1, 1] got [64, 9, 1, 1]" in msg


def test_wrong_shape_in_unused_resnet_tensor(official_tiny):
    _, enc, ren = official_tiny
    enc = dict(enc, **{"encoder.layer4.2.conv2.weight": torch.zeros(1)})
    with pytest.raises(
        CheckpointError, match=r"encoder\.layer4\.2\.conv2\.weight expected \[64, 64"
    ):
        PortraitEditor.from_official(enc, ren, "tiny")


def test_checkpoint_files(official_tiny, tmp_path):
    src, enc, ren = official_tiny
    with pytest.raises(ModelFileError, match="streamfx weights fetch 3dpe"):
        PortraitEditor.from_official_checkpoint(tmp_path / "3dpe.pt", "tiny")
    good = tmp_path / "good.pt"
    torch.save({"encoder_state_dict": enc, "renderer_state_dict": ren}, good)
    model = PortraitEditor.from_official_checkpoint(good, "tiny")
    assert torch.equal(model.renderer.state_dict()["const"], ren["const"])
    evil = tmp_path / "evil.pt"
    torch.save({"encoder_state_dict": enc, "renderer_state_dict": ren,
                "opts": argparse.Namespace(lr=1e-4)}, evil)  # fmt: skip
    with pytest.raises(CheckpointError, match="weights_only"):
        PortraitEditor.from_official_checkpoint(evil, "tiny")
    wrong = tmp_path / "wrong.pt"
    torch.save({"state_dict": enc}, wrong)
    with pytest.raises(CheckpointError, match="encoder_state_dict"):
        PortraitEditor.from_official_checkpoint(wrong, "tiny")
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="not a readable"):
        PortraitEditor.from_official_checkpoint(junk, "tiny")


def test_import_official_and_inspect(official_tiny, tmp_path):
    src, enc, ren = official_tiny
    pt = tmp_path / "3dpe.pt"
    torch.save({"encoder_state_dict": enc, "renderer_state_dict": ren}, pt)
    out = import_official(pt, tmp_path / "out", config="tiny")
    back = PortraitEditor.from_pretrained(out)
    a, b = src.state_dict(), back.state_dict()
    assert list(a) == list(b) and all(torch.equal(a[k], b[k]) for k in a)
    report = inspect_checkpoint(pt)
    assert "official" in report and f"tensors: {len(enc) + len(ren)}" in report
    assert "matches the 3dpe preset: no" in report
    report = inspect_checkpoint(out)
    assert "streamfx-3dpe-editor" in report and "preset: tiny" in report
    assert f"tensors: {len(a)}" in report
    with pytest.raises(ModelFileError):
        inspect_checkpoint(tmp_path / "missing")


def test_3dpe_shapes_match_line():
    shapes = expected_shapes("3dpe", official=True)
    assert len([k for k in shapes if k.startswith("encoder.")]) == 327
    assert _match_line(shapes, official=True) == "matches the 3dpe preset: yes"
    shapes.pop("renderer.const")
    assert "1 missing (e.g. renderer.const [1, 1, 512])" in _match_line(shapes, official=True)


def test_cli_import_and_inspect(official_tiny, tmp_path, capsys):
    from streamfx.cli.main import main

    _, enc, ren = official_tiny
    pt = tmp_path / "small.pt"
    torch.save({"encoder_state_dict": enc, "renderer_state_dict": ren}, pt)
    assert main(["weights", "inspect", str(pt)]) == 0
    assert "matches the 3dpe preset: no" in capsys.readouterr().out
    # the CLI converts to the 3dpe network: a tiny checkpoint is one clear error, no traceback
    assert main(["weights", "import", str(pt), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "missing key(s)" in err and "wrong shape(s)" in err and "Traceback" not in err
    assert str(pt) in err and "streamfx weights fetch 3dpe.pt" in err
    assert not (tmp_path / "out").exists()
    assert main(["weights", "import", str(tmp_path / "nope.pt"), "-o", str(tmp_path / "o")]) == 2
    assert "streamfx weights fetch 3dpe.pt" in capsys.readouterr().err


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_bytes_are_a_clear_error_in_the_cli(tmp_path, capsys, seed):
    from streamfx.cli.main import main

    junk = tmp_path / "random.pt"
    junk.write_bytes(np.random.default_rng(seed).bytes(20000))
    for argv in (["weights", "inspect", str(junk)], ["weights", "import", str(junk), "-o", "x"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "not a readable" in err and "Traceback" not in err
