"""Configuration of the frozen EG3D renderer half of 3DPE."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from streamfx.errors import ConfigError


@dataclass(frozen=True)
class RenderConfig:
    """Settings of :class:`~streamfx.editor.render.TriplaneRenderer`; defaults are the paper's."""

    neural_resolution: int = 128
    """Side of the volume-rendered image (rays per side)."""
    depth_resolution: int = 48
    """Stratified (coarse) samples per ray."""
    depth_resolution_importance: int = 48
    """Importance (fine) samples per ray; 0 disables the second pass."""
    ray_start: float = 2.25
    """Near bound of every ray (world units, from the camera centre)."""
    ray_end: float = 3.3
    """Far bound of every ray."""
    box_warp: float = 1.0
    """Side of the cube the triplane covers, centred at the origin ([-0.5, 0.5]^3 for 1)."""
    plane_channels: int = 32
    """Channels per plane; the triplane tensor has 3 * plane_channels channels."""
    decoder_hidden: int = 64
    """Hidden width of the OSG decoder MLP."""
    decoder_output_dim: int = 32
    """Feature channels the decoder emits besides sigma (the first 3 are the raw RGB)."""
    decoder_lr_mul: float = 1.0
    """Equalised-learning-rate multiplier of the decoder FCs (EG3D FFHQ: 1)."""
    w_dim: int = 512
    """Width of the learned constant style ``const`` that modulates the super-resolution."""
    sr_input_resolution: int = 128
    """Resolution the super-resolution expects; other neural resolutions are resized to it."""
    sr_channels: tuple[int, ...] = (256, 128)
    """Output channels of each x2 super-resolution block (output side = input * 2**len)."""
    sr_antialias: bool = True
    """Antialias of the bilinear resize used only when neural_resolution != sr_input_resolution."""
    img_channels: int = 3
    """Channels of the output image."""
    ray_chunk: int | None = None
    """Rays rendered per chunk (bounds memory); None renders all rays at once. Deterministic
    renders are the same either way; random mode draws its numbers chunk by chunk."""

    def __post_init__(self) -> None:
        positive = ("neural_resolution", "plane_channels", "decoder_hidden", "w_dim")
        for name in (*positive, "sr_input_resolution", "decoder_output_dim", "img_channels"):
            if int(getattr(self, name)) < 1:
                raise ConfigError(f"RenderConfig.{name} must be >= 1, got {getattr(self, name)}")
        if self.depth_resolution < 4:
            raise ConfigError(f"depth_resolution must be >= 4, got {self.depth_resolution}")
        if self.depth_resolution_importance < 0:
            raise ConfigError(
                f"depth_resolution_importance must be >= 0, got {self.depth_resolution_importance}"
            )
        if not 0 < self.ray_start < self.ray_end:
            raise ConfigError(f"need 0 < ray_start < ray_end, got {self.ray_start}, {self.ray_end}")
        if self.box_warp <= 0:
            raise ConfigError(f"box_warp must be > 0, got {self.box_warp}")
        if self.decoder_output_dim < self.img_channels:
            raise ConfigError(
                f"decoder_output_dim ({self.decoder_output_dim}) must cover img_channels "
                f"({self.img_channels})"
            )
        if len(self.sr_channels) < 1 or min(self.sr_channels) < 1:
            raise ConfigError(f"sr_channels needs >= 1 positive widths, got {self.sr_channels}")
        if self.ray_chunk is not None and self.ray_chunk < 1:
            raise ConfigError(f"ray_chunk must be None or >= 1, got {self.ray_chunk}")

    @property
    def image_resolution(self) -> int:
        """Side of the super-resolved output image."""
        return self.sr_input_resolution * 2 ** len(self.sr_channels)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (tuples become lists)."""
        d = asdict(self)
        d["sr_channels"] = list(self.sr_channels)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RenderConfig:
        """Inverse of :meth:`to_dict`; unknown keys raise ``ConfigError`` naming them."""
        d = dict(d)
        unknown = sorted(set(d) - set(cls.__dataclass_fields__))
        if unknown:
            known = sorted(cls.__dataclass_fields__)
            raise ConfigError(f"unknown RenderConfig keys {unknown}; expected some of {known}")
        if "sr_channels" in d:
            d["sr_channels"] = tuple(d["sr_channels"])
        return cls(**d)
