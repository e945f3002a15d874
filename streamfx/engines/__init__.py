"""streamfx.engines"""
