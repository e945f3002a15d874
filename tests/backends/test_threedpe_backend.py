"""The 3DPE editor backend on a real tracked face, with a tiny model saved in our format."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from streamfx.backends.select import choose_backend
from streamfx.backends.threedpe import ThreeDPEBackend
from streamfx.editor import PortraitEditor
from streamfx.editor.camera import camera_from_angles
from streamfx.errors import ConfigError, InputError, ModelFileError


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    d = tmp_path_factory.mktemp("tiny3dpe")
    PortraitEditor("tiny").eval().save_pretrained(d)
    return d


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    from skimage import data

    p = tmp_path_factory.mktemp("ref") / "ref.png"
    Image.fromarray(data.chelsea()[:, 75:375]).resize((512, 512)).save(p)
    return p


@pytest.fixture(scope="module")
def face_and_frame():
    from skimage import data

    from streamfx.face import FaceTracker

    frame = data.astronaut()
    with FaceTracker() as tracker:
        faces = tracker.detect(frame)
    assert len(faces) == 1
    return faces[0], frame


def test_edit_returns_crop_space_edit(tiny_weights, reference, face_and_frame) -> None:
    face, frame = face_and_frame
    backend = ThreeDPEBackend(reference, weights=tiny_weights, smoothing=None)
    a = backend.edit(frame, face)
    b = backend.edit(frame, face)
    assert a.image.shape == (512, 512, 3) and a.image.dtype == np.uint8
    assert a.alpha is not None and 0.0 <= a.alpha.min() and a.alpha.max() <= 1.0
    assert a.backend == "3dpe"
    np.testing.assert_array_equal(a.image, b.image)  # deterministic rendering by default
    turned = backend.edit(frame, face, camera_from_angles(0.5, 0.0))  # pose correction path
    assert turned.image.shape == (512, 512, 3)
    assert a.image.std() > 1.0  # a real render, not a blank tile


def test_style_switch_changes_the_prompt(tiny_weights, reference, face_and_frame, tmp_path) -> None:
    face, frame = face_and_frame
    backend = ThreeDPEBackend(reference, weights=tiny_weights, smoothing=None)
    before = backend._tokens.clone()
    other = tmp_path / "other.png"
    Image.fromarray(np.full((512, 512, 3), 200, np.uint8)).save(other)
    backend.set_style(other)
    assert not torch.equal(before, backend._tokens)


def test_auto_picks_3dpe_when_weights_exist(tiny_weights, reference) -> None:
    choice = choose_backend("auto", str(reference), weights=tiny_weights)
    assert choice.backend.name == "3dpe"
    assert str(tiny_weights) in choice.reason


def test_missing_weights_and_bad_reference_are_clear(tmp_path, reference, tiny_weights) -> None:
    with pytest.raises(ModelFileError, match="weights fetch 3dpe"):
        ThreeDPEBackend(reference, weights=tmp_path / "nowhere")
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    with pytest.raises(InputError, match="not a readable image"):
        ThreeDPEBackend(bad, weights=tiny_weights)
    with pytest.raises(ConfigError, match="mesh"):
        ThreeDPEBackend("cartoon", weights=tiny_weights)  # a mesh style has no reference


def test_auto_with_weights_but_no_prompt_stays_on_mesh_and_says_why(tiny_weights) -> None:
    choice = choose_backend("auto", None, weights=tiny_weights)
    assert choice.backend.name == "mesh"
    assert "no 3dpe prompt" in choice.reason and str(tiny_weights) in choice.reason


@pytest.mark.parametrize(
    "device", ["nosuchdevice", "cuda:7" if torch.cuda.is_available() else "cuda"]
)
def test_unusable_device_is_a_clear_error(tiny_weights, reference, device) -> None:
    with pytest.raises(ConfigError, match="--device"):
        ThreeDPEBackend(reference, weights=tiny_weights, device=device)


def test_corrupt_weight_folder_is_a_checkpoint_error(tiny_weights, reference, tmp_path) -> None:
    import shutil

    from streamfx.errors import CheckpointError

    bad = tmp_path / "bad"
    shutil.copytree(tiny_weights, bad)
    (bad / "model.safetensors").write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(CheckpointError, match="safetensors"):
        ThreeDPEBackend(reference, weights=bad)
    shutil.copy(tiny_weights / "model.safetensors", bad / "model.safetensors")
    (bad / "config.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="config.json"):
        ThreeDPEBackend(reference, weights=bad)


def test_a_3dpe_style_folder_is_a_prompt(tiny_weights, reference, tmp_path, monkeypatch) -> None:
    import shutil

    folder = tmp_path / "styles" / "catref"
    folder.mkdir(parents=True)
    shutil.copy(reference, folder / "ref.png")
    (folder / "style.toml").write_text(
        'name = "catref"\neditor = "3dpe"\ndescription = "a cat as the prompt"\n'
        'reference = "ref.png"\n'
    )
    monkeypatch.setenv("STREAMFX_STYLES", str(tmp_path / "styles"))
    choice = choose_backend("auto", "catref", weights=tiny_weights)
    assert choice.backend.name == "3dpe" and "3dpe prompt" in choice.reason
