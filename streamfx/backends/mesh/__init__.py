"""The mesh editor backend: a 3-D-aware face edit on the CPU with no downloaded weights."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from streamfx.backends.mesh.config import MeshConfig

if TYPE_CHECKING:
    from streamfx.backends.mesh.editor import MeshEditor

__all__ = ["MeshConfig", "MeshEditor"]


def __getattr__(name: str) -> Any:
    if name == "MeshEditor":
        from streamfx.backends.mesh.editor import MeshEditor

        return MeshEditor
    raise AttributeError(f"module 'streamfx.backends.mesh' has no attribute {name!r}")
