"""streamfx.capture"""
