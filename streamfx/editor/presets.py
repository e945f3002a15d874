"""Editor configuration (``EditorConfig``) and named presets: ``3dpe`` (the paper) and smaller.

A preset is a function returning a fresh ``EditorConfig``; unknown names raise ``ConfigError``
listing what is available.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

from streamfx.editor.encoder.live3d import EncoderConfig
from streamfx.errors import ConfigError


@dataclass
class EditorConfig:
    """Configuration of a ``PortraitEditor``."""

    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    """Encoder widths/depths (defaults: the paper network)."""
    renderer: dict = field(default_factory=dict)
    """Keyword overrides for ``streamfx.editor.render.RenderConfig`` (empty: the paper renderer)."""
    prompt_cache_size: int = 8
    """How many prompts' MAE tokens ``prompt_tokens_for`` keeps (least recently used dropped)."""
    preset: str = ""
    """Name of the preset this config came from (informative only)."""

    def render_config(self):
        """The ``RenderConfig`` these overrides describe."""
        from streamfx.editor.render import RenderConfig

        try:
            return RenderConfig.from_dict(self.renderer)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"bad renderer settings {self.renderer}: {exc}") from exc

    def to_dict(self) -> dict:
        """JSON-friendly dict."""
        return {
            "encoder": self.encoder.to_dict(),
            "renderer": dict(self.renderer),
            "prompt_cache_size": self.prompt_cache_size,
            "preset": self.preset,
        }

    @classmethod
    def from_dict(cls, d: dict) -> EditorConfig:
        """Inverse of ``to_dict``; unknown or malformed fields raise ``ConfigError``."""
        known = {f.name for f in dataclasses.fields(cls)}
        extra = set(d) - known
        if extra:
            raise ConfigError(f"unknown editor config fields {sorted(extra)}; known: {known}")
        try:
            enc = EncoderConfig.from_dict(d.get("encoder", {}))
        except TypeError as exc:
            raise ConfigError(f"bad encoder config {d.get('encoder')}: {exc}") from exc
        return cls(
            encoder=enc,
            renderer=dict(d.get("renderer", {})),
            prompt_cache_size=int(d.get("prompt_cache_size", 8)),
            preset=str(d.get("preset", "")),
        )


PRESETS: dict[str, Callable[[], EditorConfig]] = {}


def register_preset(name: str, factory: Callable[[], EditorConfig]) -> None:
    """Register ``factory`` under ``name`` (replacing an existing entry of that name)."""
    PRESETS[name] = factory


def available_presets() -> list[str]:
    """Registered preset names, sorted."""
    return sorted(PRESETS)


def get_preset(name: str) -> EditorConfig:
    """A fresh ``EditorConfig`` for preset ``name``; ``ConfigError`` if unknown."""
    if name not in PRESETS:
        raise ConfigError(
            f"unknown editor preset {name!r}; available: {', '.join(available_presets())}"
        )
    cfg = PRESETS[name]()
    cfg.preset = name
    return cfg


def _paper() -> EditorConfig:
    """The released 3DPE network (Live3D LT encoder + prompt branch, EG3D renderer + SR)."""
    return EditorConfig()


def _tiny() -> EditorConfig:
    """Small widths, same interfaces and shapes at the boundaries: fast tests and benches."""
    enc = EncoderConfig(
        resnet_widths=(8, 16),
        resnet_blocks=(1, 1),
        aspp_width=16,
        low_dim=32,
        low_heads=2,
        low_depth=1,
        feat=16,
        high_stem=8,
        high_convs=1,
        query_width=8,
        mae={"image_size": 224, "patch": 16, "dim": 32, "depth": 1, "heads": 2, "mlp_ratio": 2.0},
        fusion_dim=32,
        fusion_heads=2,
        head_width=16,
    )
    return EditorConfig(encoder=enc, renderer=dict(TINY_RENDERER))


#: RenderConfig overrides for the tiny preset: 32^2 rays x (12 + 12) samples, SR to 128^2.
TINY_RENDERER: dict = {
    "neural_resolution": 32,
    "depth_resolution": 12,
    "depth_resolution_importance": 12,
    "decoder_hidden": 16,
    "sr_input_resolution": 32,
    "sr_channels": [16, 8],
}


def _student() -> EditorConfig:
    """A real-time CPU student: the same interfaces (512 crops in, EG3D cameras, prompt tokens),
    a 256 encoder input (the 512 crop is box-averaged by the engines), narrow encoders, an
    8-channel 128^2 triplane, 32^2 rays x (12 + 12) samples and three x2 SR blocks to 256^2.
    Sized for >= 20 fps at 256x256 on 2 CPU cores (docs/benchmarks.md); its weights come from
    distillation (the training issue), never from the paper's checkpoint."""
    enc = EncoderConfig(
        image_size=256,
        resnet_widths=(16, 32),
        resnet_blocks=(1, 1),
        aspp_width=32,
        aspp_rates=(6, 12, 18),
        low_dim=64,
        low_heads=2,
        low_depth=1,
        feat=16,
        high_stem=16,
        high_convs=1,
        query_width=16,
        mae={"image_size": 224, "patch": 16, "dim": 64, "depth": 2, "heads": 2, "mlp_ratio": 2.0},
        fusion_dim=32,
        fusion_heads=1,
        fusion_sr=2,
        head_width=16,
        planes=3 * STUDENT_RENDERER["plane_channels"],
    )
    return EditorConfig(encoder=enc, renderer=dict(STUDENT_RENDERER))


#: RenderConfig overrides for the student preset: 32^2 rays x (12 + 12) samples on an 8-channel
#: triplane, SR 32 -> 256 in three x2 blocks.
STUDENT_RENDERER: dict = {
    "neural_resolution": 32,
    "depth_resolution": 12,
    "depth_resolution_importance": 12,
    "plane_channels": 8,
    "decoder_hidden": 16,
    "decoder_output_dim": 16,
    "sr_input_resolution": 32,
    "sr_channels": [16, 8, 8],
}

register_preset("3dpe", _paper)
register_preset("tiny", _tiny)
register_preset("student", _student)
