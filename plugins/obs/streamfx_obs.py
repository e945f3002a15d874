"""streamfx control for OBS Studio (Tools -> Scripts -> +): hotkeys that switch streamfx styles.

Talks to a running ``streamfx camera --control PORT`` over its HTTP API (docs/control.md) with
the standard library only (OBS's Python has no extra packages). Properties: the control URL
and token (paste the ``control: http://HOST:PORT/?token=TOKEN`` line streamfx prints into
"Control address" and both are taken from it). Hotkeys (Settings -> Hotkeys): next style,
previous style, passthrough on/off, and one per style ("streamfx: style NAME").
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import obspython as obs  # provided by OBS (tests use a stand-in)

TIMEOUT_S = 2.0
state = {"url": "http://127.0.0.1:8765", "token": "", "styles": [], "hotkeys": {}}


# -- the API -------------------------------------------------------------------------------------
def split_address(address: str) -> tuple[str, str]:
    """``http://HOST:PORT/?token=T`` (or a bare URL) -> (base URL, token or "")."""
    parts = urllib.parse.urlsplit(address.strip())
    token = urllib.parse.parse_qs(parts.query).get("token", [""])[0]
    return f"{parts.scheme or 'http'}://{parts.netloc}", token


def call(path: str, body: dict | None = None) -> object:
    """GET (or POST ``body``) ``path`` on the API; the decoded JSON (None on failure, logged)."""
    req = urllib.request.Request(state["url"].rstrip("/") + path)
    req.add_header("Authorization", "Bearer " + state["token"])
    if body is not None:
        req.data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
            return json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        obs.script_log(obs.LOG_WARNING, f"streamfx: {path} -> HTTP {exc.code}: {exc.read()!r}")
    except (OSError, ValueError) as exc:
        obs.script_log(obs.LOG_WARNING, f"streamfx: {path} failed: {exc}")
    return None


def fetch_styles() -> list[str]:
    styles = call("/api/styles")
    state["styles"] = [s["name"] for s in styles] if isinstance(styles, list) else []
    return state["styles"]


def set_style(name: str) -> bool:
    return call("/api/style", {"style": name}) is not None


def step_style(step: int) -> str | None:
    """Switch to the next (``step`` 1) or previous (-1) style; the new name."""
    styles = state["styles"] or fetch_styles()
    current = call("/api/state")
    if not styles or not isinstance(current, dict):
        return None
    cur = current.get("default_style")
    i = styles.index(cur) if cur in styles else -1
    name = styles[(i + step) % len(styles)]
    return name if set_style(name) else None


def toggle_passthrough() -> bool | None:
    current = call("/api/state")
    if not isinstance(current, dict):
        return None
    new = call("/api/passthrough", {"passthrough": not current.get("passthrough", False)})
    return new.get("passthrough") if isinstance(new, dict) else None


# -- hotkey callbacks (OBS calls them with pressed=True on key down) ----------------------------
def on_next(pressed: bool) -> None:
    if pressed:
        step_style(1)


def on_previous(pressed: bool) -> None:
    if pressed:
        step_style(-1)


def on_passthrough(pressed: bool) -> None:
    if pressed:
        toggle_passthrough()


def style_callback(name: str):
    def callback(pressed: bool) -> None:
        if pressed:
            set_style(name)

    return callback


# -- OBS script interface ------------------------------------------------------------------------
def script_description() -> str:
    return (
        "Switch streamfx styles with hotkeys. Start streamfx with --control PORT and paste the "
        "'control: http://...' line it prints below."
    )


def script_properties():
    props = obs.obs_properties_create()
    obs.obs_properties_add_text(props, "address", "Control address", obs.OBS_TEXT_DEFAULT)
    obs.obs_properties_add_text(
        props, "token", "Token (if not in the address)", obs.OBS_TEXT_PASSWORD
    )
    return props


def script_defaults(settings) -> None:
    obs.obs_data_set_default_string(settings, "address", "http://127.0.0.1:8765")


def script_update(settings) -> None:
    url, token = split_address(obs.obs_data_get_string(settings, "address"))
    state["url"] = url
    state["token"] = obs.obs_data_get_string(settings, "token") or token
    fetch_styles()


def _register(settings, key: str, label: str, callback) -> None:
    hotkey = obs.obs_hotkey_register_frontend(key, label, callback)
    saved = obs.obs_data_get_array(settings, key)
    obs.obs_hotkey_load(hotkey, saved)
    obs.obs_data_array_release(saved)
    state["hotkeys"][key] = hotkey


def script_load(settings) -> None:
    script_update(settings)
    _register(settings, "streamfx.next", "streamfx: next style", on_next)
    _register(settings, "streamfx.previous", "streamfx: previous style", on_previous)
    _register(settings, "streamfx.passthrough", "streamfx: passthrough on/off", on_passthrough)
    for name in state["styles"]:
        _register(
            settings, f"streamfx.style.{name}", f"streamfx: style {name}", style_callback(name)
        )


def script_save(settings) -> None:
    for key, hotkey in state["hotkeys"].items():
        saved = obs.obs_hotkey_save(hotkey)
        obs.obs_data_set_array(settings, key, saved)
        obs.obs_data_array_release(saved)
