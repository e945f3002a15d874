"""Checkpoint import/export: strict checks, the official ``3dpe.pt`` importer, ``inspect``.

Our format is a folder with ``config.json`` (``EditorConfig`` + format tag) and
``model.safetensors`` (the editor's ``state_dict``: ``encoder.*`` and ``renderer.*``).
The official format is a torch pickle with ``encoder_state_dict`` and ``renderer_state_dict``;
it is read with ``weights_only=True`` only.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

from streamfx.editor.encoder.resnet import unused_resnet_keys
from streamfx.editor.folder import (
    CONFIG_NAME,
    WEIGHTS_NAME,
    check_state_dict,
    read_json,
    shape_of,
)
from streamfx.errors import CheckpointError, ModelFileError

FORMAT_NAME = "streamfx-3dpe-editor"
OFFICIAL_KEYS = ("encoder_state_dict", "renderer_state_dict")
GET_HINT = (
    "get the official checkpoint with `streamfx weights fetch 3dpe.pt` (Google Drive archive "
    "1ZRH9WGHcostGAywqdJJp1kJBUiqN-xxF, pretrained_models/3dpe.pt), then convert it with "
    "`streamfx weights import PATH/TO/3dpe.pt -o models/3dpe`"
)


def split_official_encoder(
    sd: Mapping[str, torch.Tensor], encoder: nn.Module
) -> dict[str, torch.Tensor]:
    """Check an official encoder dict strictly and drop its never-executed ResNet
    ``encoder.layer3/4.*`` tensors (optional, but shape-checked when present)."""
    unused = unused_resnet_keys(encoder.config.resnet_widths)
    check_state_dict(encoder, sd, "encoder_state_dict", optional=unused)
    return {k: v for k, v in sd.items() if k not in unused}


def _torch_load(path: Path):
    """``torch.load(weights_only=True)``, memory-mapped when the file allows it."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except RuntimeError as exc:  # legacy (non-zip) files cannot be memory-mapped
        if "mmap" not in str(exc):
            raise
        return torch.load(path, map_location="cpu", weights_only=True)


def load_official_dicts(
    path: Path, what: str = "official 3DPE checkpoint", hint: str = GET_HINT
) -> tuple[dict, dict]:
    """Read an official ``3dpe.pt`` -> (encoder_state_dict, renderer_state_dict).

    ``what``/``hint`` name the checkpoint and how to get it in the errors (the Live3D-LT
    teacher's ``encoder_render_LT_90000.pt`` has the same two dictionaries)."""
    if not path.is_file():
        raise ModelFileError(
            f"{path} not found: expected the {what} (a dict with "
            f"{' and '.join(OFFICIAL_KEYS)}); {hint}"
        )
    try:
        ck = _torch_load(path)
    except pickle.UnpicklingError as exc:
        if "Unsupported global" not in str(exc):
            raise CheckpointError(f"{path} is not a readable torch checkpoint") from exc
        first = next((ln for ln in str(exc).splitlines() if "Unsupported global" in ln), "")
        first = first.split(" Please use")[0]
        raise CheckpointError(
            f"refusing to load {path}: it needs more than torch.load(weights_only=True) allows "
            f"(pickled objects are never executed; {first.strip()}). Re-save it as a plain dict "
            f"of tensors with keys {list(OFFICIAL_KEYS)}."
        ) from exc
    except Exception as exc:  # garbage bytes fail deep in the unpickler with any error type
        raise CheckpointError(
            f"{path} is not a readable torch checkpoint ({type(exc).__name__}: {exc})"
        ) from exc
    if not isinstance(ck, dict) or any(k not in ck for k in OFFICIAL_KEYS):
        found = sorted(ck)[:10] if isinstance(ck, dict) else type(ck).__name__
        raise CheckpointError(
            f"{path} is not an {what}: expected a dict with keys "
            f"{list(OFFICIAL_KEYS)}, found {found}"
        )
    for k in OFFICIAL_KEYS:
        if not isinstance(ck[k], Mapping):
            raise CheckpointError(f"{path}: {k} must be a dict of tensors, got {type(ck[k])}")
    return dict(ck[OFFICIAL_KEYS[0]]), dict(ck[OFFICIAL_KEYS[1]])


def import_official(src: Path, out_dir: Path, config=None) -> Path:
    """Strictly convert an official ``3dpe.pt`` into our folder format; returns ``out_dir``.

    ``config`` (preset name or ``EditorConfig``, default ``3dpe``) is the network it must match.
    """
    from streamfx.editor.editor import PortraitEditor

    editor = PortraitEditor.from_official_checkpoint(Path(src), config)
    return editor.save_pretrained(Path(out_dir))


def _read_shapes(path: Path) -> tuple[str, dict[str, tuple[int, ...]], dict]:
    """(format, {key: shape}, config dict) of an official ``.pt`` or one of our folders."""
    if path.is_dir() or path.suffix == ".safetensors":
        from safetensors import safe_open

        folder = path if path.is_dir() else path.parent
        wfile = folder / WEIGHTS_NAME if path.is_dir() else path
        if not wfile.is_file():
            raise ModelFileError(f"{wfile} not found (expected {CONFIG_NAME} + {WEIGHTS_NAME})")
        cfg_file = folder / CONFIG_NAME
        cfg = read_json(cfg_file) if cfg_file.is_file() else {}
        try:
            with safe_open(str(wfile), framework="pt") as f:
                shapes = {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}  # noqa: SIM118
        except Exception as exc:
            raise CheckpointError(f"{wfile} is not a readable safetensors file: {exc}") from exc
        return FORMAT_NAME, shapes, cfg
    enc, ren = load_official_dicts(path)
    shapes = {f"encoder.{k}": shape_of(v) for k, v in enc.items()}
    shapes.update({f"renderer.{k}": shape_of(v) for k, v in ren.items()})
    return "official 3dpe.pt (encoder_state_dict + renderer_state_dict)", shapes, {}


def expected_shapes(preset: str = "3dpe", official: bool = False) -> dict[str, tuple[int, ...]]:
    """{key: shape} of a preset's editor (built on the meta device: no memory, no time)."""
    from streamfx.editor.editor import PortraitEditor

    with torch.device("meta"):
        model = PortraitEditor(preset)
    shapes = {k: shape_of(v) for k, v in model.state_dict().items()}
    if official:
        widths = model.config.encoder.resnet_widths
        unused = {f"encoder.{k}": v for k, v in unused_resnet_keys(widths).items()}
        shapes.update(unused)
    return shapes


def inspect_checkpoint(path: Path) -> str:
    """Human-readable summary: format, keys, parameters, per-module shapes, 3dpe match."""
    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"{path} not found; {GET_HINT}")
    fmt, shapes, cfg = _read_shapes(path)
    n_params = sum(_numel(s) for s in shapes.values())
    lines = [f"{path}", f"  format: {fmt}", f"  tensors: {len(shapes)}", f"  values: {n_params:,}"]
    if cfg.get("preset"):
        lines.append(f"  preset: {cfg['preset']}")
    groups: dict[str, list[int]] = {}
    for k, s in shapes.items():
        g = ".".join(k.split(".")[:2])
        groups.setdefault(g, [0, 0])
        groups[g][0] += 1
        groups[g][1] += _numel(s)
    lines.append("  modules:")
    lines += [f"    {g:<32} {n:>4} tensors {p:>13,} values" for g, (n, p) in groups.items()]
    lines.append("  " + _match_line(shapes, official=fmt != FORMAT_NAME))
    return "\n".join(lines)


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def _match_line(shapes: dict[str, tuple[int, ...]], official: bool) -> str:
    want = expected_shapes("3dpe", official=official)
    optional = set(unused_resnet_keys()) if official else set()
    optional = {f"encoder.{k}" for k in optional}
    missing = [k for k in want if k not in shapes and k not in optional]
    extra = [k for k in shapes if k not in want]
    wrong = [k for k in shapes if k in want and shapes[k] != want[k]]
    if not (missing or extra or wrong):
        return "matches the 3dpe preset: yes"
    parts = []
    if missing:
        parts.append(f"{len(missing)} missing (e.g. {missing[0]} {list(want[missing[0]])})")
    if extra:
        parts.append(f"{len(extra)} unexpected (e.g. {extra[0]})")
    if wrong:
        k = wrong[0]
        parts.append(f"{len(wrong)} wrong shape (e.g. {k} {list(shapes[k])} vs {list(want[k])})")
    return "matches the 3dpe preset: no; " + "; ".join(parts)
