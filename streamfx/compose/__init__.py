"""streamfx.compose: paste-back of edited face crops (inverse warp, mask, colour match, blend).

Names are imported on first use, so ``streamfx.compose.config`` stays free of OpenCV.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from streamfx.lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "ComposeConfig": "streamfx.compose.config",
    "Compositor": "streamfx.compose.compositor",
    "feather": "streamfx.compose.mask",
    "hull_mask": "streamfx.compose.mask",
    "match_colors": "streamfx.compose.color",
}
__all__ = [
    "ComposeConfig",
    "Compositor",
    "feather",
    "hull_mask",
    "match_colors",
]

if TYPE_CHECKING:
    from streamfx.compose.color import match_colors
    from streamfx.compose.compositor import Compositor
    from streamfx.compose.config import ComposeConfig
    from streamfx.compose.mask import feather, hull_mask

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
