"""streamfx.editor"""
