"""RenderConfig: paper defaults, JSON round trip, clear errors."""

from __future__ import annotations

import json

import pytest

from streamfx.editor.render import RenderConfig
from streamfx.errors import ConfigError


def test_defaults_are_the_paper_renderer() -> None:
    cfg = RenderConfig()
    assert (cfg.neural_resolution, cfg.depth_resolution, cfg.depth_resolution_importance) == (
        128,
        48,
        48,
    )
    assert (cfg.ray_start, cfg.ray_end, cfg.box_warp, cfg.plane_channels) == (2.25, 3.3, 1.0, 32)
    assert cfg.image_resolution == 512 and cfg.sr_channels == (256, 128)


def test_round_trip_through_json() -> None:
    cfg = RenderConfig(neural_resolution=64, sr_channels=(64, 32, 16), ray_chunk=4096)
    back = RenderConfig.from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert back == cfg and back.image_resolution == 1024


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ray_start": 3.3, "ray_end": 2.25}, "ray_start < ray_end"),
        ({"depth_resolution": 2}, "depth_resolution must be >= 4"),
        ({"sr_channels": ()}, "sr_channels"),
        ({"box_warp": 0.0}, "box_warp"),
        ({"ray_chunk": 0}, "ray_chunk"),
    ],
)
def test_bad_settings_raise_config_error(overrides: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        RenderConfig(**overrides)


def test_unknown_keys_are_named() -> None:
    with pytest.raises(ConfigError, match="neural_res"):
        RenderConfig.from_dict({"neural_res": 64})
