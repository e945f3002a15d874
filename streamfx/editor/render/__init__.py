"""The frozen EG3D renderer half of 3DPE in pure torch.

``TriplaneRenderer(RenderConfig())`` loads the official ``renderer_state_dict`` strictly and
renders a [B,96,256,256] triplane at [B,25] EG3D cameras to a 512x512 image (plus the 128x128
raw image, depth, features and accumulated alpha).
"""

from streamfx.editor.render.config import RenderConfig
from streamfx.editor.render.renderer import TriplaneRenderer

__all__ = ["RenderConfig", "TriplaneRenderer"]
