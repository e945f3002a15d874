"""Moved to ``streamfx.geometry.camera`` (shared by face/, editor/ and the mesh backend)."""

from streamfx.geometry.camera import *  # noqa: F403
from streamfx.geometry.camera import FOCAL_OFFICIAL, LOOKAT, RADIUS  # noqa: F401
