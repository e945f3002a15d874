"""Registries open to other packages: run-time registration and pip-installed entry points."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from streamfx.errors import ConfigError, DependencyError
from streamfx.registry import Registry

PLUGIN = """
from streamfx.backends.base import EditorBackend
from streamfx.record import FaceEdit


class PluginEditor(EditorBackend):
    name = "plugin"

    def __init__(self, style=None):
        self.style = style or ""

    def edit(self, frame_rgb, face, camera=None):
        return FaceEdit(image=face.crop, backend=self.name)

    def set_style(self, style):
        self.style = style
"""


@pytest.fixture
def installed_plugin(tmp_path: Path) -> Path:
    """A package 'installed' the way pip leaves one: a module and its .dist-info with an
    entry_points.txt declaring a streamfx backend."""
    (tmp_path / "streamfx_plugin_demo.py").write_text(PLUGIN)
    info = tmp_path / "streamfx_plugin_demo-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: streamfx-plugin-demo\nVersion: 0.1\n"
    )
    (info / "entry_points.txt").write_text(
        "[streamfx.backends]\nplugin = streamfx_plugin_demo:PluginEditor\n"
        "mesh = streamfx_plugin_demo:PluginEditor\n"
    )
    return tmp_path


def test_register_get_and_unknown_names() -> None:
    reg: Registry[object] = Registry("widget", {"lazy": "json:loads"})
    reg.register("now", dict)
    assert reg.names() == ["lazy", "now"] and "now" in reg
    assert reg.get("now") is dict and reg.get("lazy")("[1]") == [1]
    with pytest.raises(ConfigError, match="unknown widget 'nope'; available: lazy, now"):
        reg.get("nope")
    with pytest.raises(ConfigError, match="already registered"):
        reg.register("now", list)
    reg.register("now", list, replace=True)
    assert reg.get("now") is list
    reg.register("broken", "streamfx_no_such_module:thing")
    with pytest.raises(DependencyError, match="broken"):
        reg.get("broken")


def test_entry_points_appear_and_cannot_shadow_builtins(installed_plugin, monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(installed_plugin))
    reg: Registry[object] = Registry("editor backend", {"mesh": "x:y"}, group="streamfx.backends")
    assert reg.names() == ["mesh", "plugin"]
    backend = reg.get("plugin")(style="anything")
    assert backend.name == "plugin" and backend.style == "anything"
    assert "mesh" in reg.plugin_errors  # a plugin may not replace a built-in by name


def test_a_pip_installed_editor_shows_in_doctor_and_runs(installed_plugin, tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": str(installed_plugin)}
    cmd = [sys.executable, "-m", "streamfx.cli.main"]
    doctor = subprocess.run(
        [*cmd, "doctor", "--no-cameras"], capture_output=True, text=True, env=env, timeout=300
    )
    assert doctor.returncode == 0, doctor.stderr
    line = next(ln for ln in doctor.stdout.splitlines() if "editor backends:" in ln)
    assert "plugin" in line and "3dpe" in line and "mesh" in line
    assert "mesh: ignored" in doctor.stdout  # the clash is reported, the built-in kept
    out = tmp_path / "o.mp4"
    run = subprocess.run(
        [*cmd, "edit", "demo", "-o", str(out), "--editor", "plugin", "--max-frames", "3"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "editor plugin" in run.stdout and out.is_file()
