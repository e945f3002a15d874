"""streamfx.temporal"""
