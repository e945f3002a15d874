"""streamfx.compose: paste-back of edited face crops (inverse warp, mask, colour match, blend)."""

from streamfx.compose.color import match_colors
from streamfx.compose.compositor import ComposeConfig, Compositor
from streamfx.compose.mask import feather, hull_mask

__all__ = ["ComposeConfig", "Compositor", "feather", "hull_mask", "match_colors"]
