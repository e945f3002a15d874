"""Golden parity of the 3DPE encoder (and end to end through the renderer) with the official code.

Weights: the fixture's deterministic fill (hash-checked against keys.json), loaded through
``PortraitEditor.from_official``. Tolerances: fixture README §8. CPU float32, 2 threads.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from fixture_weights import build_official_state_dicts

from streamfx.editor.preprocess import image_to_tensor, reference_to_tensor

pytestmark = pytest.mark.slow

F16_KEYS = [
    "E_low_resnet_layer2",
    "E_low_deeplab_out",
    "E_low_F",
    "E_high",
    "xattn_queries",
    "xattn_out",
    "triplane",
]
#: intermediate name -> (submodule path inside the encoder, output index or None)
HOOKS = {
    "E_low_resnet_layer2": ("encoder", None),
    "E_low_deeplab_out": ("decoder", None),
    "E_low_F": ("F_encoder", None),
    "E_high": ("EHigh_encoder", None),
    "xattn_queries": ("Ref_encoder.patch_emb", 0),
    "xattn_out": ("Ref_encoder", None),
}


def _load_encoder(parity_dir):
    from streamfx.editor import PortraitEditor

    enc_sd, ren_sd = build_official_state_dicts(parity_dir)
    editor = PortraitEditor.from_official(enc_sd, ren_sd)
    return editor, editor.encoder


@pytest.fixture(scope="module")
def run(parity_dir):
    """One pass over the fixture inputs; returns (editor or None, outputs, references)."""
    torch.set_num_threads(2)
    editor, encoder = _load_encoder(parity_dir)
    assert not encoder.training
    inputs = dict(np.load(parity_dir / "inputs.npz"))
    refs = dict(np.load(parity_dir / "intermediates.npz"))
    refs["triplane"] = np.load(parity_dir / "triplane.npz")["triplane"]
    got: dict[str, torch.Tensor] = {}
    handles = []
    for name, (path, idx) in HOOKS.items():
        mod = encoder.get_submodule(path)

        def hook(_m, _i, out, name=name, idx=idx):
            got[name] = (out if idx is None else out[idx]).detach().clone()

        handles.append(mod.register_forward_hook(hook))
    image = torch.from_numpy(inputs["input_image"])
    with torch.inference_mode():
        if editor is not None:
            got["mae_tokens"] = editor.encode_prompt(torch.from_numpy(inputs["ref_mae"]))
            got["triplane"] = editor.encode(image, got["mae_tokens"])
        else:
            got["mae_tokens"] = encoder.encode_prompt(torch.from_numpy(inputs["ref_mae"]))
            got["triplane"] = encoder(image, got["mae_tokens"])
    for h in handles:
        h.remove()
    return editor, got, refs, inputs


def test_reference_preprocessing_is_exact(parity_dir):
    inputs = np.load(parity_dir / "inputs.npz")
    ours = reference_to_tensor(inputs["ref_uint8_hwc"]).numpy()
    assert np.array_equal(ours, inputs["ref_mae"])
    ours_tv014 = reference_to_tensor(inputs["ref_uint8_hwc"], antialias=False).numpy()
    assert np.array_equal(ours_tv014, inputs["ref_mae_antialias_false"])


def test_input_preprocessing_is_exact(parity_dir):
    fed = np.load(parity_dir / "inputs.npz")["input_image"]
    u8 = np.rint((fed[0].transpose(1, 2, 0) + 1) / 2 * 255).astype(np.uint8)
    assert np.array_equal(image_to_tensor(u8).numpy(), fed)


def test_mae_tokens(run):
    _, got, refs, _ = run
    err = (got["mae_tokens"] - torch.from_numpy(refs["mae_tokens"])).abs().max().item()
    print(f"mae_tokens max|err| = {err:.3g}")
    assert got["mae_tokens"].shape == (1, 197, 768)
    assert err <= 1e-4


@pytest.mark.parametrize("name", F16_KEYS)
def test_float16_intermediates(run, name):
    _, got, refs, _ = run
    r = torch.from_numpy(refs[name].astype(np.float32))
    y = got[name].float()
    assert y.shape == r.shape
    err = (y - r).abs()
    ratio = (err / (1e-3 * r.abs() + 1e-4)).max().item()
    print(f"{name}: max|err| = {err.max().item():.3g}, worst err/tol = {ratio:.3f}")
    assert ratio <= 1.0


@pytest.mark.parametrize("view", ["frontal", "yaw30"])
def test_end_to_end_render(run, parity_dir, view):
    editor, got, _, _ = run
    cam = np.load(parity_dir / "cameras.npz")[f"{view}_label25"]
    ref = np.load(parity_dir / f"render_{view}.npz")
    with torch.inference_mode():
        out = editor.render(got["triplane"], torch.from_numpy(cam), deterministic=True)
    tols = {"image_raw": 2e-3, "image_depth": 2e-3, "image": 2e-3, "feature_image": 3e-3}
    for key, tol in tols.items():
        err = (out[key] - torch.from_numpy(ref[key])).abs().max().item()
        print(f"{view} {key}: max|err| = {err:.3g} (tol {tol})")
        assert err <= tol, (view, key, err)
    alpha_err = (out["alpha"] - torch.from_numpy(ref["opacity"])).abs().max().item()
    print(f"{view} alpha vs opacity: max|err| = {alpha_err:.3g}")
    assert alpha_err <= 2e-3
