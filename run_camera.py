#!/usr/bin/env python3
"""Thin launcher: ``python run_camera.py [args]`` is ``streamfx camera [args]``."""

import sys

from streamfx.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["camera", *sys.argv[1:]]))
