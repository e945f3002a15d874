"""The OBS script against a real running control API, with a small stand-in for ``obspython``."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "plugins" / "obs" / "streamfx_obs.py"


class FakeOBS(types.ModuleType):
    """What the script uses of OBS's ``obspython``: settings, properties, hotkeys, logging."""

    LOG_WARNING, OBS_TEXT_DEFAULT, OBS_TEXT_PASSWORD = 200, 0, 1

    def __init__(self) -> None:
        super().__init__("obspython")
        self.logs: list[str] = []
        self.hotkeys: dict[str, tuple[str, object]] = {}
        self.props: list[str] = []

    def script_log(self, level, text):
        self.logs.append(text)

    def obs_data_get_string(self, settings, key):
        return settings.get(key, "")

    def obs_data_set_default_string(self, settings, key, value):
        settings.setdefault(key, value)

    def obs_data_get_array(self, settings, key):
        return settings.get(key)

    def obs_data_set_array(self, settings, key, value):
        settings[key] = value

    def obs_data_array_release(self, array):
        pass

    def obs_hotkey_register_frontend(self, key, label, callback):
        self.hotkeys[key] = (label, callback)
        return key

    def obs_hotkey_load(self, hotkey, saved):
        pass

    def obs_hotkey_save(self, hotkey):
        return ["saved", hotkey]

    def obs_properties_create(self):
        return self.props

    def obs_properties_add_text(self, props, key, label, kind):
        props.append(key)


@pytest.fixture()
def script(monkeypatch):
    fake = FakeOBS()
    monkeypatch.setitem(sys.modules, "obspython", fake)
    spec = importlib.util.spec_from_file_location("streamfx_obs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, fake


def test_hotkeys_drive_a_running_streamfx(live, script) -> None:
    module, obs = script
    settings = {"address": live.server.control_line().split(" ", 1)[1]}
    module.script_defaults(settings)
    assert module.script_properties() == ["address", "token"]
    module.script_load(settings)
    assert module.state["token"] == live.server.token and "neon" in module.state["styles"]
    keys = set(obs.hotkeys)
    assert {"streamfx.next", "streamfx.previous", "streamfx.passthrough"} <= keys
    assert "streamfx.style.neon" in keys
    styles = module.state["styles"]
    start = live.controls.snapshot().default_style
    obs.hotkeys["streamfx.next"][1](True)
    nxt = styles[(styles.index(start) + 1) % len(styles)]
    assert live.controls.snapshot().default_style == nxt
    obs.hotkeys["streamfx.previous"][1](True)
    assert live.controls.snapshot().default_style == start
    obs.hotkeys["streamfx.style.neon"][1](False)  # key up: nothing
    assert live.controls.snapshot().default_style == start
    obs.hotkeys["streamfx.style.neon"][1](True)
    assert live.controls.snapshot().default_style == "neon"
    assert live.wait_for(lambda: any(s == "neon" for _, s, _ in live.sink.records[-3:]))
    obs.hotkeys["streamfx.passthrough"][1](True)
    assert live.controls.snapshot().passthrough
    module.script_save(settings)
    assert settings["streamfx.next"] == ["saved", "streamfx.next"]
    assert not obs.logs


def test_a_wrong_token_is_logged_not_raised(live, script) -> None:
    module, obs = script
    module.script_update({"address": live.server.url, "token": "wrong"})
    assert module.state["styles"] == [] and module.step_style(1) is None
    assert any("401" in line for line in obs.logs)
