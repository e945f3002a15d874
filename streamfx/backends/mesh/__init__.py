"""The mesh editor backend: a 3-D-aware face edit on the CPU with no downloaded weights."""

from streamfx.backends.mesh.editor import MeshConfig, MeshEditor

__all__ = ["MeshConfig", "MeshEditor"]
