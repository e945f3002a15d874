"""The 3DPE editor backend on a real tracked face, with a tiny model saved in our format."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from streamfx.backends.select import choose_backend
from streamfx.backends.threedpe import ThreeDPEBackend
from streamfx.config import EditingConfig
from streamfx.errors import ConfigError, InputError, ModelFileError
from streamfx.geometry.camera import camera_from_angles


@pytest.fixture(scope="module", autouse=True)
def engine_cache(tmp_path_factory):
    """Exports of this module go to a temporary engine cache, not the user's."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STREAMFX_ENGINE_CACHE", str(tmp_path_factory.mktemp("engines")))
        yield


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
    assert backend.wait_style(30) and not backend.style_pending
    assert not torch.equal(before, backend._tokens) and backend.style == str(other)
    backend.close()
    backend.close()  # twice is fine
    assert not backend._worker.is_alive()


def test_auto_picks_3dpe_when_weights_exist(tiny_weights, reference) -> None:
    choice = choose_backend(EditingConfig(style=str(reference), weights=str(tiny_weights)))
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
    choice = choose_backend(EditingConfig(style=None, weights=str(tiny_weights)))
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
    choice = choose_backend(EditingConfig(style="catref", weights=str(tiny_weights)))
    assert choice.backend.name == "3dpe" and "3dpe prompt" in choice.reason


def _three_faces(face):
    """The same face as three tracks, each with its own crop (flipped / darker) and camera."""
    import dataclasses

    crops = [face.crop, face.crop[:, ::-1].copy(), (face.crop * 0.7).astype(np.uint8)]
    faces = [dataclasses.replace(face, track_id=i, crop=c) for i, c in enumerate(crops)]
    cams = [None, camera_from_angles(0.3, 0.0), camera_from_angles(-0.2, 0.1)]
    return faces, cams


def test_all_faces_go_through_one_batch_and_match_single_edits(
    tiny_weights, reference, face_and_frame
) -> None:
    face, frame = face_and_frame
    backend = ThreeDPEBackend(reference, weights=tiny_weights, engine="onnxruntime")
    faces, cams = _three_faces(face)
    calls = []
    encode = backend.engine.encode
    backend.engine.encode = lambda images, tokens: (
        calls.append(len(images)) or encode(images, tokens)
    )
    batch = backend.edit_faces(frame, faces, cams)
    assert calls == [3]  # one encode call for the whole frame
    for f, c, edit in zip(faces, cams, batch, strict=True):
        single = backend.edit(frame, f, c)
        assert np.abs(single.image.astype(int) - edit.image.astype(int)).max() <= 1
        np.testing.assert_allclose(single.alpha, edit.alpha, atol=1e-5)
        assert set(edit.timings) == {"encode", "render", "superres"}
        assert all(v > 0 for v in edit.timings.values())
    assert not np.array_equal(batch[0].image, batch[1].image)
    backend.close()


def test_torch_and_onnxruntime_backends_agree(tiny_weights, reference, face_and_frame) -> None:
    face, frame = face_and_frame
    edits = {}
    for engine in ("torch", "onnxruntime"):
        backend = ThreeDPEBackend(reference, weights=tiny_weights, engine=engine)
        assert backend.engine_name == engine
        edits[engine] = backend.edit(frame, face)
        backend.close()
    a, b = edits["torch"], edits["onnxruntime"]
    assert np.abs(a.image.astype(int) - b.image.astype(int)).max() <= 1
    np.testing.assert_allclose(a.depth, b.depth, rtol=1e-4, atol=1e-4)


def test_auto_engine_on_cpu_is_onnxruntime_and_says_why(tiny_weights, reference) -> None:
    backend = ThreeDPEBackend(reference, weights=tiny_weights, engine="auto")
    if not torch.cuda.is_available():
        assert backend.engine_name == "onnxruntime"
        assert "device cpu requested" in backend.engine_choice
    backend.close()


def test_a_new_style_never_blocks_the_frame_path(
    tiny_weights, reference, face_and_frame, tmp_path
) -> None:
    import threading

    face, frame = face_and_frame
    backend = ThreeDPEBackend(reference, weights=tiny_weights, engine="onnxruntime")
    old = backend.edit(frame, face).image
    gate, started = threading.Event(), threading.Event()
    encode_prompt = backend.engine.encode_prompt

    def slow_prompt(refs):  # a prompt encoder that takes as long as the test wants
        started.set()
        gate.wait(30)
        return encode_prompt(refs)

    backend.engine.encode_prompt = slow_prompt
    other = tmp_path / "other.png"  # a prompt no earlier test encoded (tokens are on disk)
    Image.fromarray(np.full((512, 512, 3), 123, np.uint8)).save(other)
    backend.set_style(other)  # returns while the prompt encoder is still held at the gate
    assert started.wait(10) and not gate.is_set()
    assert backend.style_pending and backend.style == str(reference)
    for _ in range(2):  # frames keep coming with the old style while the prompt is encoded
        np.testing.assert_array_equal(backend.edit(frame, face).image, old)
    assert not backend.wait_style(timeout=0.05)
    gate.set()
    assert backend.wait_style(30) and backend.style == str(other)
    assert not np.array_equal(backend.edit(frame, face).image, old)
    backend.close()
