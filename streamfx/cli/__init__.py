"""The ``streamfx`` command line."""
