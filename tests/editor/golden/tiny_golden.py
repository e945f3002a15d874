"""The in-repo golden slice of the ``tiny`` preset: weights, inputs and the recorded outputs.

Weights and inputs come from NumPy's PCG64 seeded per tensor name (independent of torch's
initialisers and RNG), so the same numbers are rebuilt on any machine. ``tiny_golden.npz``
holds strided slices of every output, recorded from this implementation when it matched the
official code on the parity fixture (``tests/editor/test_render_parity.py``). A clone without
``../shared`` still checks the network against it.

Regenerate (only after a deliberate change of the numerics): ``python
tests/editor/golden/tiny_golden.py``.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import torch

GOLDEN = Path(__file__).with_name("tiny_golden.npz")
STRIDE = 8  # keep every 8th row and column of images and planes


def _numbers(name: str, shape: tuple[int, ...], scale: float) -> torch.Tensor:
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    return torch.from_numpy(np.asarray(rng.standard_normal(shape) * scale, dtype=np.float32))


def tiny_editor():
    """The tiny preset with deterministic weights (fan-in scaled normals, norms near one)."""
    from streamfx.editor.editor import PortraitEditor

    editor = PortraitEditor("tiny")._ready()
    state = {}
    for name, t in editor.state_dict().items():
        if not t.is_floating_point():
            state[name] = t
        elif t.ndim == 1 and name.endswith("weight"):  # norm scales around one
            state[name] = 1.0 + _numbers(name, tuple(t.shape), 0.02)
        elif t.ndim >= 2:
            fan_in = int(np.prod(t.shape[1:]))
            state[name] = _numbers(name, tuple(t.shape), 1.0 / np.sqrt(fan_in))
        else:
            state[name] = _numbers(name, tuple(t.shape), 0.02)
    editor.load_state_dict(state)
    return editor.eval()


def tiny_inputs() -> dict[str, torch.Tensor]:
    """A crop in [-1,1] [1,3,512,512], a reference [1,3,224,224] and a yawed camera [1,25]."""
    from streamfx.geometry.camera import camera_from_angles

    image = torch.tanh(_numbers("input/image", (1, 3, 512, 512), 1.0))
    reference = _numbers("input/reference", (1, 3, 224, 224), 1.0)
    camera = torch.from_numpy(camera_from_angles(0.3, -0.1)).reshape(1, 25)
    return {"image": image, "reference": reference, "camera": camera}


def tiny_outputs() -> dict[str, np.ndarray]:
    """Strided slices of the tokens, triplane and render outputs of the tiny preset."""
    torch.manual_seed(0)
    editor, x = tiny_editor(), tiny_inputs()
    with torch.inference_mode():
        tokens = editor.encode_prompt(x["reference"])
        triplane = editor.encode(x["image"], tokens)
        out = editor.render(triplane, x["camera"], deterministic=True)
    s = STRIDE
    return {
        "tokens": tokens[0, ::7].numpy(),
        "triplane": triplane[0, ::3, ::32, ::32].numpy(),
        "image": out["image"][0, :, ::s, ::s].numpy(),
        "image_raw": out["image_raw"][0, :, ::2, ::2].numpy(),
        "alpha": out["alpha"][0, 0, ::2, ::2].numpy(),
        "depth": out["image_depth"][0, 0, ::2, ::2].numpy(),
    }


if __name__ == "__main__":
    arrays = tiny_outputs()
    np.savez_compressed(GOLDEN, **arrays)
    print(GOLDEN, {k: v.shape for k, v in arrays.items()}, f"{GOLDEN.stat().st_size} bytes")
