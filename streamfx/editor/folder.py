"""A network's weights folder: ``config.json`` (format name, version, ``EditorConfig``) and
``model.safetensors`` (no pickle). The 3DPE editor and the Live3D-LT teacher both use it; each
names its own format and says in its own words what is missing or foreign."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from torch import nn

from streamfx.editor.convert import CONFIG_NAME, WEIGHTS_NAME, check_state_dict, read_json
from streamfx.editor.presets import EditorConfig
from streamfx.errors import CheckpointError, ModelFileError


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


def load_folder(
    build: Callable[[EditorConfig], Any],
    directory: str | Path,
    fmt: str,
    missing: Callable[[Path, Path], str],
    foreign: Callable[[Path, str | None], str],
) -> Any:
    """``build(config)`` with the weights of ``directory`` loaded strictly (every key, every
    shape). ``missing(file, folder)`` and ``foreign(config file, its format)`` word the
    ModelFileError / CheckpointError."""
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
    model = build(EditorConfig.from_dict(meta))
    try:
        sd = load_file(str(w_path))
    except Exception as exc:
        raise CheckpointError(f"{w_path} is not a readable safetensors file: {exc}") from exc
    check_state_dict(model, sd, str(w_path))
    model.load_state_dict(sd, strict=True)
    return model
