"""Adapted weights on a shared network: a style's ``delta.safetensors`` swapped into a copy of
the module tree that shares every other parameter.

``streamfx adapt`` writes a style's delta: the tuned tensors (the prompt branch and E_t's norm
layers) keyed by parameter name. ``swap_parameters(editor, delta)`` gives a network that runs
with those tensors in place of the base ones without copying anything else: only the modules
on the path to a swapped parameter are new (shallow) objects, every other submodule, parameter
and buffer is the base network's own. The base network is left untouched, so the base and any
number of adapted styles run side by side (per-face styles, cross-fades), each costing only its
delta's memory.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

from streamfx.errors import InputError


def read_delta(path: str | Path) -> tuple[dict[str, torch.Tensor], str]:
    """(tensors on the CPU by parameter name, sha256 of the file) of a ``delta.safetensors``;
    InputError naming the file when it is missing, unreadable or empty."""
    from safetensors.torch import load

    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"adapted weights {p} cannot be read: {exc.strerror or exc}") from exc
    try:
        tensors = load(data)
    except Exception as exc:
        raise InputError(f"adapted weights {p} are not a readable safetensors file: {exc}") from exc
    if not tensors:
        raise InputError(f"adapted weights {p} hold no tensors")
    return tensors, hashlib.sha256(data).hexdigest()


def swap_parameters(
    module: nn.Module, tensors: Mapping[str, torch.Tensor], where: str = "delta"
) -> nn.Module:
    """A network that is ``module`` with ``tensors`` (full parameter names, e.g.
    ``encoder.Ref_encoder.cross.norm.weight``) in place of its parameters; every other
    parameter, buffer and submodule is shared with ``module``, which is not changed. Each tensor
    is moved to its parameter's device and dtype (and memory format, for 4-D weights). A name
    that is not a parameter of ``module``, or a tensor of another shape, is an InputError
    naming ``where`` (the delta was adapted on other weights)."""
    if not tensors:
        return module
    return _swap(module, dict(tensors), "", where)


def _swap(module: nn.Module, tensors: dict[str, torch.Tensor], prefix: str, where: str):
    clone = copy.copy(module)  # a new object whose attribute dict shares the values ...
    clone.__dict__["_parameters"] = dict(module._parameters)  # ... but not these three
    clone.__dict__["_buffers"] = dict(module._buffers)
    clone.__dict__["_modules"] = dict(module._modules)
    children: dict[str, dict[str, torch.Tensor]] = {}
    for name, value in tensors.items():
        head, dot, rest = name.partition(".")
        if dot:
            if not isinstance(module._modules.get(head), nn.Module):
                raise _misfit(where, prefix + name, "is not a parameter of these weights")
            children.setdefault(head, {})[rest] = value
            continue
        old = module._parameters.get(head)
        if old is None:
            raise _misfit(where, prefix + name, "is not a parameter of these weights")
        if tuple(old.shape) != tuple(value.shape):
            raise _misfit(
                where, prefix + name, f"has shape {tuple(value.shape)}, not {tuple(old.shape)}"
            )
        new = value.detach().to(old.device, old.dtype)
        if old.ndim == 4 and old.is_contiguous(memory_format=torch.channels_last):
            new = new.contiguous(memory_format=torch.channels_last)
        clone._parameters[head] = nn.Parameter(new, requires_grad=False)
    for head, sub in children.items():
        clone._modules[head] = _swap(module._modules[head], sub, f"{prefix}{head}.", where)
    return clone


def _misfit(where: str, name: str, why: str) -> InputError:
    return InputError(f"{where}: tensor {name} {why} (adapted on other base weights?)")
