"""streamfx.training"""
