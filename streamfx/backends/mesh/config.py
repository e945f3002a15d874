"""Settings of the mesh editor (plain dataclass, no heavy imports)."""

from __future__ import annotations

from dataclasses import dataclass

from streamfx.errors import check_field


@dataclass
class MeshConfig:
    """Settings of the mesh editor."""

    work_size: int = 0
    """Resolution (side) of the geometry maps and of the expensive style filters; the output
    crop is always 512. 0 (auto): the resolution the crop has in the frame (512 / crop scale,
    so nothing finer than the source pixels is computed), rounded to 16 and kept within
    [min_work, max_work]."""

    min_work: int = 128
    """Smallest automatic working size."""

    max_work: int = 256
    """Largest automatic working size (256 keeps one face above 30 fps on two CPU cores)."""

    crossfade_frames: int = 0
    """After ``set_style``, each face cross-fades from the old style to the new one over this
    many of its frames (counted per track, so offline runs are deterministic); 0 = cut."""

    crop_size: int = 512
    """Output crop size (the EG3D crop: 512)."""

    def __post_init__(self) -> None:
        ok = self.work_size == 0 or 32 <= self.work_size <= 2048
        check_field(ok, "mesh.work_size", "0 (auto) or 32..2048", self.work_size)
        ok = 32 <= self.min_work <= self.max_work <= 2048
        expected = "32 <= min_work <= max_work <= 2048"
        check_field(ok, "mesh.min_work/max_work", expected, (self.min_work, self.max_work))
        ok = self.crossfade_frames >= 0
        check_field(ok, "mesh.crossfade_frames", ">= 0", self.crossfade_frames)
