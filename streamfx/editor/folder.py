"""A network's weights folder: ``config.json`` (format name, version, ``EditorConfig``) and
``model.safetensors`` (no pickle), and the strict key/shape check of any state dict. The 3DPE
editor and the Live3D-LT teacher both use it; each names its own format and says in its own
words what is missing or foreign."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from streamfx.editor.presets import EditorConfig
from streamfx.errors import CheckpointError, ModelFileError

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
_SHOW = 8


def shape_of(t) -> tuple[int, ...]:
    """A tensor's shape as a tuple."""
    return tuple(t.shape)


def check_state_dict(
    module: nn.Module,
    sd: Mapping[str, torch.Tensor],
    what: str,
    optional: Mapping[str, tuple[int, ...]] | None = None,
) -> None:
    """Raise ``CheckpointError`` naming every missing, unexpected or mis-shaped key of ``sd``.

    ``optional`` keys (name -> shape) may be present or absent, but must have their shape.
    """
    required = {k: shape_of(v) for k, v in module.state_dict().items()}
    expected = {**required, **(optional or {})}
    missing = [k for k in required if k not in sd]
    extra = [k for k in sd if k not in expected]
    bad = [k for k in sd if k in expected and not torch.is_tensor(sd[k])]
    wrong = [
        k for k in sd if k in expected and torch.is_tensor(sd[k]) and shape_of(sd[k]) != expected[k]
    ]
    if not (missing or extra or bad or wrong):
        return
    lines = [f"{what} does not match the network ({len(expected)} tensors expected):"]
    if missing:
        shown = ", ".join(f"{k} {list(expected[k])}" for k in missing[:_SHOW])
        lines.append(f"  {len(missing)} missing key(s): {shown}" + _more(missing))
    if extra:
        lines.append(f"  {len(extra)} unexpected key(s): {', '.join(extra[:_SHOW])}" + _more(extra))
    if wrong:
        shown = ", ".join(
            f"{k} expected {list(expected[k])} got {list(sd[k].shape)}" for k in wrong[:_SHOW]
        )
        lines.append(f"  {len(wrong)} wrong shape(s): {shown}" + _more(wrong))
    if bad:
        lines.append(f"  {len(bad)} non-tensor value(s): {', '.join(bad[:_SHOW])}" + _more(bad))
    raise CheckpointError("\n".join(lines))


def _more(items: list) -> str:
    return f" (+{len(items) - _SHOW} more)" if len(items) > _SHOW else ""


def read_json(path: Path) -> dict:
    """A JSON object from ``path``; a clear ``CheckpointError`` when it is not one."""
    import json

    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{path} is not a readable JSON config: {exc}") from exc
    if not isinstance(data, dict):
        raise CheckpointError(f"{path} must hold a JSON object, got {type(data).__name__}")
    return data


def save_folder(model: nn.Module, config: EditorConfig, directory: str | Path, fmt: str) -> Path:
    """Write ``model``'s weights and ``config`` as format ``fmt`` into ``directory``."""
    from safetensors.torch import save_file

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    meta = {"format": fmt, "version": 1, **config.to_dict()}
    (d / CONFIG_NAME).write_text(json.dumps(meta, indent=2) + "\n")
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(tensors, str(d / WEIGHTS_NAME), metadata={"format": fmt})
    return d


def read_folder(
    directory: str | Path,
    fmt: str,
    missing: Callable[[Path, Path], str],
    foreign: Callable[[Path, str | None], str],
) -> tuple[EditorConfig, dict[str, torch.Tensor]]:
    """(config, tensors) of a weights folder of format ``fmt``. ``missing(file, folder)`` and
    ``foreign(config file, its format)`` word the ModelFileError / CheckpointError."""
    from safetensors.torch import load_file

    d = Path(directory).expanduser()
    cfg_path, w_path = d / CONFIG_NAME, d / WEIGHTS_NAME
    for p in (cfg_path, w_path):
        if not p.is_file():
            raise ModelFileError(missing(p, d))
    meta = read_json(cfg_path)
    found = meta.pop("format", None)
    if found != fmt:
        raise CheckpointError(foreign(cfg_path, found))
    meta.pop("version", None)
    config = EditorConfig.from_dict(meta)
    try:
        return config, load_file(str(w_path))
    except Exception as exc:
        raise CheckpointError(f"{w_path} is not a readable safetensors file: {exc}") from exc


def load_folder(
    build: Callable[[EditorConfig], Any],
    directory: str | Path,
    fmt: str,
    missing: Callable[[Path, Path], str],
    foreign: Callable[[Path, str | None], str],
) -> Any:
    """``build(config)`` with the weights of ``directory`` (``read_folder``) loaded strictly:
    every key, every shape."""
    config, sd = read_folder(directory, fmt, missing, foreign)
    model = build(config)
    check_state_dict(model, sd, str(Path(directory).expanduser() / WEIGHTS_NAME))
    model.load_state_dict(sd, strict=True)
    return model
