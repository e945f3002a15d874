"""The Live3D-LT teacher: ``streamfx weights import-live3d`` on a synthetic checkpoint in the
official key names (built from the tiny preset), strict errors, and the reconstructor's outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from streamfx.cli.main import main
from streamfx.editor import PortraitEditor
from streamfx.editor.encoder.resnet import unused_resnet_keys
from streamfx.editor.live3d_lt import (
    FORMAT_NAME,
    KEY_MAP,
    Live3DReconstructor,
    map_official,
    unmap_official,
)
from streamfx.errors import CheckpointError, ModelFileError
from streamfx.geometry.camera import camera_from_angles

torch.set_num_threads(2)


@pytest.fixture(scope="module")
def official(tmp_path_factory):
    """(reference 3DPE editor, official LT dicts, checkpoint path): the Live3D-LT dicts are the
    3DPE encoder's official keys without Ref_encoder.* (PAPER.md 1.3, 4.2), plus the unused
    ResNet layer3/4 tensors and the extra entries of a training checkpoint."""
    torch.manual_seed(3)
    full = PortraitEditor("tiny")
    enc = {k: v for k, v in full.encoder.state_dict().items() if not k.startswith("Ref_encoder.")}
    g = torch.Generator().manual_seed(4)
    for k, shape in unused_resnet_keys(full.config.encoder.resnet_widths).items():
        enc[k] = torch.randn(shape, generator=g)
    ren = dict(full.renderer.state_dict())
    ref = PortraitEditor.from_official(
        {**full.encoder.state_dict(), **enc}, ren, "tiny"
    )  # the same weights, loaded the official way (eval, styles folded)
    path = tmp_path_factory.mktemp("lt") / "encoder_render_LT_90000.pt"
    torch.save({"encoder_state_dict": enc, "renderer_state_dict": ren, "step": 90000}, path)
    return ref, enc, ren, path


def _reference(ref: PortraitEditor, image: torch.Tensor) -> torch.Tensor:
    """Official EG3DInvEncoder (LT) forward on the 3DPE modules: E_t(cat[E_high, E_low])."""
    e = ref.encoder
    x5 = e.with_coords(image)
    return e.Final_encoder(torch.cat([e.EHigh_encoder(x5), e.e_low(x5)], dim=1))


def test_import_load_outputs_equal(official, tmp_path: Path, capsys) -> None:
    ref, _, _, path = official
    out = tmp_path / "live3d"
    argv = ["weights", "import-live3d", str(path), "-o", str(out), "--preset", "tiny"]
    assert main(argv) == 0, capsys.readouterr().err
    assert json.loads((out / "config.json").read_text())["format"] == FORMAT_NAME
    teacher = Live3DReconstructor.from_pretrained(out)
    assert not teacher.training and not any("Ref_encoder" in k for k in teacher.state_dict())
    torch.manual_seed(0)
    image = torch.rand(2, 3, 512, 512) * 2 - 1
    cam = torch.as_tensor(camera_from_angles(0.3, -0.1), dtype=torch.float32)
    with torch.no_grad():
        want = _reference(ref, image)
        got = teacher(image, cam)
        want_render = ref.render(want, cam)
    assert got["triplane"].shape == (2, 96, 256, 256)
    assert torch.equal(got["triplane"], want)
    for key in ("image", "image_raw", "image_depth"):
        assert torch.equal(got[key], want_render[key]), key


def test_key_map_round_trip(official) -> None:
    _, enc, ren, _ = official
    used = {k: v for k, v in enc.items() if ".layer3." not in k and ".layer4." not in k}
    ours = map_official({"encoder_state_dict": used, "renderer_state_dict": ren})
    assert all(k.startswith(("encoder.", "renderer.")) for k in ours)
    assert "encoder.Final_encoder.pathembed.proj.weight" in ours and "renderer.const" in ours
    back = unmap_official(ours)
    assert back["encoder_state_dict"].keys() == used.keys()
    assert back["renderer_state_dict"].keys() == ren.keys()
    assert {row[0] for row in KEY_MAP} == {"encoder_state_dict", "renderer_state_dict"}


def _save(path: Path, enc: dict, ren: dict) -> Path:
    torch.save({"encoder_state_dict": enc, "renderer_state_dict": ren}, path)
    return path


def test_unknown_and_missing_keys_are_listed(official, tmp_path: Path, capsys) -> None:
    _, enc, ren, _ = official
    bad = dict(enc)
    bad["Extra_head.weight"] = torch.zeros(3)
    dropped = "Final_encoder.output_net.9.bias"
    del bad[dropped]
    src = _save(tmp_path / "bad.pt", bad, ren)
    out = tmp_path / "out"
    argv = ["weights", "import-live3d", str(src), "-o", str(out), "--preset", "tiny"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Extra_head.weight" in err and dropped in err and "missing" in err
    assert not out.exists()


def test_a_3dpe_checkpoint_is_named_as_such(official, tmp_path: Path) -> None:
    ref, enc, ren, _ = official
    with_prompt = {**enc, **{k: v for k, v in ref.encoder.state_dict().items()
                             if k.startswith("Ref_encoder.")}}  # fmt: skip
    with pytest.raises(CheckpointError, match="streamfx weights import`"):
        Live3DReconstructor.from_official(with_prompt, ren, "tiny")


def test_missing_file_and_folder_name_what_to_get(tmp_path: Path, capsys) -> None:
    argv = ["weights", "import-live3d", str(tmp_path / "nope.pt"), "-o", str(tmp_path / "o")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "nope.pt not found" in err and "encoder_render_LT_90000.pt" in err
    from streamfx.training.teachers import load_reconstructor

    with pytest.raises(ModelFileError, match="import-live3d") as exc:
        load_reconstructor(tmp_path / "models" / "live3d-lt")
    assert str(tmp_path / "models" / "live3d-lt") in str(exc.value)


def test_existing_output_and_a_3dpe_folder_are_refused(official, tmp_path: Path, capsys) -> None:
    _, _, _, path = official
    editor_dir = PortraitEditor("tiny").save_pretrained(tmp_path / "w")
    before = (editor_dir / "model.safetensors").read_bytes()
    argv = ["weights", "import-live3d", str(path), "-o", str(editor_dir), "--preset", "tiny"]
    assert main(argv) == 2 and "already holds" in capsys.readouterr().err
    assert (editor_dir / "model.safetensors").read_bytes() == before
    with pytest.raises(CheckpointError, match="not a Live3D-LT teacher"):
        Live3DReconstructor.from_pretrained(editor_dir)
    from streamfx.training.teachers import is_live3d_folder

    assert not is_live3d_folder(editor_dir)
