"""The renderer reproduces the official renders of the 3DPE parity fixture (README §3, §8)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from fixture_weights import build_renderer_state_dict

from streamfx.editor.render import RenderConfig, TriplaneRenderer
from streamfx.editor.render.importance import importance_depths, stratified_depths
from streamfx.editor.render.marcher import march
from streamfx.editor.render.rays import sample_rays, split_camera

CAMERAS = ("frontal", "yaw30")
#: (our output key, fixture key)
OUTPUTS = (
    ("image_raw", "image_raw"),
    ("image_depth", "image_depth"),
    ("feature_image", "feature_image"),
    ("alpha", "opacity"),
    ("sr_block0_rgb", "sr_block0_rgb"),
    ("image", "image"),
)
ATOL = 1e-4


@pytest.fixture(scope="module")
def renderer(parity_dir: Path) -> TriplaneRenderer:
    torch.set_num_threads(2)
    r = TriplaneRenderer(RenderConfig()).eval()
    r.load_state_dict(build_renderer_state_dict(parity_dir), strict=True)
    return r


@pytest.fixture(scope="module")
def triplane(parity_dir: Path) -> torch.Tensor:
    with np.load(parity_dir / "triplane.npz") as z:
        return torch.from_numpy(z["triplane"].astype(np.float32))


def _camera(parity_dir: Path, name: str) -> torch.Tensor:
    with np.load(parity_dir / "cameras.npz") as z:
        return torch.from_numpy(z[f"{name}_label25"])


def _reference(parity_dir: Path, name: str) -> dict[str, np.ndarray]:
    with np.load(parity_dir / f"render_{name}.npz") as z:
        return {k: z[k] for k in z.files}


def test_state_dict_keys_match_official(parity_dir: Path) -> None:
    entries = json.loads((parity_dir / "keys.json").read_text())["renderer"]
    sd = TriplaneRenderer(RenderConfig()).state_dict()
    assert list(sd) == [e["key"] for e in entries]
    assert [list(t.shape) for t in sd.values()] == [e["shape"] for e in entries]


def test_fixture_weight_builder_fails_loudly_on_a_wrong_hash(
    parity_dir: Path, tmp_path: Path
) -> None:
    keys = json.loads((parity_dir / "keys.json").read_text())
    keys["renderer"][3]["sha256_f32le"] = "0" * 64
    (tmp_path / "keys.json").write_text(json.dumps(keys))
    (tmp_path / "kept_official_tensors.npz").symlink_to(parity_dir / "kept_official_tensors.npz")
    with pytest.raises(AssertionError, match="renderer/decoder.net.2.weight: sha256 mismatch"):
        build_renderer_state_dict(tmp_path)


@pytest.mark.parametrize("name", CAMERAS)
def test_rays_match_fixture(parity_dir: Path, name: str) -> None:
    ref = _reference(parity_dir, name)
    origins, dirs = sample_rays(*split_camera(_camera(parity_dir, name)), 128)
    np.testing.assert_allclose(
        dirs.reshape(1, 128, 128, 3).numpy(), ref["ray_directions"], atol=1e-6
    )
    np.testing.assert_allclose(origins[:, 0].numpy(), ref["ray_origin"], atol=1e-7)


@pytest.mark.parametrize("name", CAMERAS)
def test_importance_depths_match_fixture(
    parity_dir: Path, name: str, renderer: TriplaneRenderer, triplane: torch.Tensor
) -> None:
    """The 48 fine depths of the rays at rows/cols 0, 8, ..., 120 (``depths_fine_sub8``)."""
    ref = _reference(parity_dir, name)
    origins, dirs = sample_rays(*split_camera(_camera(parity_dir, name)), 128)
    sub = (torch.arange(0, 128, 8)[:, None] * 128 + torch.arange(0, 128, 8)[None, :]).reshape(-1)
    origins, dirs = origins[:, sub], dirs[:, sub]
    coarse = stratified_depths(1, sub.numel(), 2.25, 3.3, 48)
    np.testing.assert_array_equal(coarse[0, 0, :, 0].numpy(), ref["depths_coarse"])
    planes = triplane.reshape(1, 3, 32, 256, 256)
    with torch.no_grad():
        colors, sigmas = renderer.decode_samples(planes, origins, dirs, coarse)
        _, _, weights = march(colors, sigmas, coarse)
        fine = importance_depths(coarse, weights, 48)
    err = np.abs(fine.reshape(16, 16, 48).numpy() - ref["depths_fine_sub8"]).max()
    print(f"{name}: depths_fine_sub8 max error {err:.2e}")
    assert err <= ATOL, f"depths_fine_sub8 max error {err:.3e}"


@pytest.mark.slow
@pytest.mark.parametrize("name", CAMERAS)
def test_render_matches_fixture_folded_and_unfolded(
    parity_dir: Path, name: str, renderer: TriplaneRenderer, triplane: torch.Tensor
) -> None:
    ref = _reference(parity_dir, name)
    renderer.unfold_styles()
    with torch.no_grad():
        out = renderer(triplane, _camera(parity_dir, name), return_sr_stages=True)
    errors = {k: float(np.abs(out[k].numpy() - ref[rk]).max()) for k, rk in OUTPUTS}
    # Folded SR on the same volume render (the volume part does not depend on folding).
    renderer.fold_styles()
    try:
        with torch.no_grad():
            images = renderer.superresolution(out["image_raw"], out["feature_image"], None)
    finally:
        renderer.unfold_styles()
    errors["folded sr_block0_rgb"] = float(np.abs(images[0].numpy() - ref["sr_block0_rgb"]).max())
    errors["folded image"] = float(np.abs(images[1].numpy() - ref["image"]).max())
    errors["folded vs unfolded"] = float((images[1] - out["image"]).abs().max())
    print(f"{name}: " + ", ".join(f"{k} {v:.2e}" for k, v in errors.items()))
    bad = {k: v for k, v in errors.items() if not v <= ATOL}
    assert not bad, f"{name}: outputs off by more than {ATOL}: {bad}"
