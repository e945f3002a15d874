"""Settings of the mesh editor (plain dataclass, no heavy imports)."""

from __future__ import annotations

from dataclasses import dataclass

from streamfx.errors import check_field


@dataclass
class MeshConfig:
    """Settings of the mesh editor."""

    work_size: int = 0
    """Resolution (side) of the geometry maps and of the expensive style filters (see also
    output_size). 0 (auto): the resolution the crop has in the frame (512 / crop scale,
    so nothing finer than the source pixels is computed), rounded to 16 and kept within
    [min_work, max_work]."""

    min_work: int = 128
    """Smallest automatic working size."""

    max_work: int = 256
    """Largest automatic working size (256 keeps one face above 30 fps on two CPU cores)."""

    output_size: int = 0
    """Side of the returned edit, in pixels of the face's crop. 0 (auto): the resolution the
    crop has in the frame, rounded to 16 and kept within [working size, crop_size], so a small
    face of a group is styled at its own resolution, not at 512 only to be shrunk back into
    the frame; crop_size (512): always the full crop."""

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
        ok = self.output_size == 0 or 32 <= self.output_size <= self.crop_size
        expected = f"0 (auto) or 32..crop_size ({self.crop_size})"
        check_field(ok, "mesh.output_size", expected, self.output_size)
        ok = self.crossfade_frames >= 0
        check_field(ok, "mesh.crossfade_frames", ">= 0", self.crossfade_frames)
