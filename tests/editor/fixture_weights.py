"""Rebuild the 3DPE parity fixture's deterministic weights (fixture README §2), hash-checked.

Test helper (not a test module). Usage from any test under ``tests/editor``::

    from fixture_weights import build_official_state_dicts
    encoder_sd, renderer_sd = build_official_state_dicts(parity_dir)

Both dicts follow ``keys.json`` order and names exactly (official ``state_dict()`` keys without a
module prefix). Every tensor's SHA-256 of its C-contiguous float32 little-endian bytes is checked
against ``keys.json``; any mismatch raises ``AssertionError`` naming the key. The result is
memoised per process (the encoder half is 171M values): treat the returned tensors as read-only
(``load_state_dict`` copies them, which is fine).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import zlib
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch

#: Deviation B: encoder first convs whose coordinate input channels 3:5 are scaled by 1/512.
_DEVIATION_B = ("encoder.conv1.weight", "EHigh_encoder.net.0.weight")
#: Deviation C: renderer decoder input FC scaled by 32.
_DEVIATION_C = "decoder.net.0.weight"


def _fill(module: str, entry: dict) -> torch.Tensor:
    """One filled tensor by the README §2 rule (steps 1-4)."""
    key, shape = entry["key"], list(entry["shape"])
    seed = zlib.crc32(f"{module}/{key}".encode())
    gen = torch.Generator().manual_seed(seed)
    t = torch.randn(shape, generator=gen, dtype=torch.float32)
    if t.ndim >= 2:
        if module == "encoder":
            t *= 1 / math.sqrt(math.prod(shape[1:]))
    elif key.endswith("weight"):
        t = 1 + 0.1 * t
    else:
        t *= 0.1
    if module == "encoder" and key in _DEVIATION_B:
        t[:, 3:5] *= 1 / 512
    if module == "renderer" and key == _DEVIATION_C:
        t *= 32
    return t


def _sha256(t: torch.Tensor) -> str:
    arr = np.ascontiguousarray(t.detach().cpu().numpy(), dtype="<f4")
    return hashlib.sha256(arr.tobytes()).hexdigest()


def _build(module: str, entries: list[dict], kept: dict[str, np.ndarray]) -> OrderedDict:
    out: OrderedDict[str, torch.Tensor] = OrderedDict()
    bad: list[str] = []
    for entry in entries:
        key = entry["key"]
        if entry["kept_official"]:
            t = torch.from_numpy(np.array(kept[f"{module}.{key}"], dtype=np.float32))
        else:
            t = _fill(module, entry)
        if list(t.shape) != list(entry["shape"]):
            bad.append(f"{module}/{key}: shape {list(t.shape)} != {entry['shape']}")
        elif _sha256(t) != entry["sha256_f32le"]:
            bad.append(f"{module}/{key}: sha256 mismatch")
        out[key] = t
    if bad:
        raise AssertionError(f"{len(bad)} fixture tensors do not match keys.json: {bad[:10]}")
    return out


@functools.lru_cache(maxsize=2)
def _cached(parity_dir: str) -> tuple[OrderedDict, OrderedDict]:
    root = Path(parity_dir)
    keys = json.loads((root / "keys.json").read_text())
    with np.load(root / "kept_official_tensors.npz") as z:
        kept = {k: z[k] for k in z.files}
    return _build("encoder", keys["encoder"], kept), _build("renderer", keys["renderer"], kept)


def build_official_state_dicts(parity_dir: Path | str) -> tuple[OrderedDict, OrderedDict]:
    """(encoder_sd, renderer_sd): the fixture's official-format state dicts, every hash verified.

    Memoised per process and per resolved ``parity_dir``; the dicts are fresh shallow copies
    but the tensors are shared, so do not modify them in place.
    """
    enc, ren = _cached(str(Path(parity_dir).resolve()))
    return OrderedDict(enc), OrderedDict(ren)


@functools.lru_cache(maxsize=2)
def _renderer_only(parity_dir: str) -> OrderedDict:
    root = Path(parity_dir)
    keys = json.loads((root / "keys.json").read_text())
    with np.load(root / "kept_official_tensors.npz") as z:
        kept = {k: z[k] for k in z.files if k.startswith("renderer.")}
    return _build("renderer", keys["renderer"], kept)


def build_renderer_state_dict(parity_dir: Path | str) -> OrderedDict:
    """Only the renderer half (2.3M values, fast), hash-verified and memoised like the above."""
    return OrderedDict(_renderer_only(str(Path(parity_dir).resolve())))
