"""streamfx.outputs"""
