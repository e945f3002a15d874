"""streamfx.compose"""
