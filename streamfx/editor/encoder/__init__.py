"""The 3DPE encoder (Live3D LT + prompt branch) in pure torch, with the official key names."""

from streamfx.editor.encoder.live3d import EncoderConfig, Live3DEditingEncoder

__all__ = ["EncoderConfig", "Live3DEditingEncoder"]
