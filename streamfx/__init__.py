"""streamfx: real-time 3D-aware portrait editing (3DPE) as a virtual camera and stream plugin."""

__version__ = "0.1.0"
