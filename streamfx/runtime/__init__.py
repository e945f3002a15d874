"""streamfx.runtime"""
