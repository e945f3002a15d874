"""The OBS tests drive the same live run as the control tests (tests/control/conftest.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_path = Path(__file__).resolve().parents[1] / "control" / "conftest.py"
_spec = importlib.util.spec_from_file_location("streamfx_tests_control_live", _path)
_live = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _live  # dataclasses look their module up
_spec.loader.exec_module(_live)
live = _live.live
