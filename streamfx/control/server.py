"""The control API: HTTP + WebSocket (aiohttp) on its own thread, driving ``LiveControls``.

Security, since any web page a user visits can reach 127.0.0.1:
- bound to 127.0.0.1 by default; another address needs ``allow_remote`` (``--control-remote``);
- every route but ``/api/openapi.json`` needs the token, as ``Authorization: Bearer TOKEN`` or a
  ``token`` query parameter (401 otherwise); the token is random per run, printed at start in
  the ``control: http://HOST:PORT/?token=TOKEN`` line and written to a user-only (0600) file;
- a request whose ``Host`` is not this server's address (DNS rebinding) or whose ``Origin`` is
  another site (a page elsewhere posting to us) is refused with 403.
See docs/control.md for the endpoints (with curl examples) and ``OPENAPI`` for the schema.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streamfx.control.schema import OPENAPI
from streamfx.errors import ConfigError
from streamfx.runtime.controls import LiveControls, UnknownStyle

log = logging.getLogger(__name__)
PANEL = Path(__file__).with_name("panel.html")


@dataclass
class StyleEntry:
    """A style the API offers: name, editor and the thumbnail file (or None)."""

    name: str
    editor: str
    thumbnail: Path | None = None


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_address(spec: str) -> tuple[str, int]:
    """``PORT`` or ``HOST:PORT`` -> (host, port); the host defaults to 127.0.0.1."""
    host, sep, port = str(spec).rpartition(":")
    host = host if sep else "127.0.0.1"
    try:
        number = int(port)
    except ValueError:
        number = -1
    if not 0 <= number <= 65535:
        raise ConfigError(f"--control: expected [HOST:]PORT with a port 0..65535, got {spec!r}")
    return host.strip("[]") or "127.0.0.1", number


def default_token_file() -> Path:
    """Where the token is written: $XDG_RUNTIME_DIR/streamfx/control-token, else
    ~/.config/streamfx/control-token."""
    base = os.environ.get("XDG_RUNTIME_DIR") or os.path.join(
        os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config"), ""
    )
    return Path(base) / "streamfx" / "control-token"


def write_token(path: Path, token: str) -> None:
    """Write ``token`` to ``path`` readable by the user only (0600; folder 0700)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (token + "\n").encode())
    finally:
        os.close(fd)


class ControlServer:
    """Serves the API for one live run.

    controls: what the API changes. styles: the styles offered (``GET /api/styles``).
    stats: returns the runner's ``RunStats.summary()`` (or {} before the run starts).
    faces: returns ``[{"track", "style", "bbox"}]`` of the newest output frame.
    preview: returns the newest output frame (uint8 RGB) or None, for ``/api/preview.jpg``.
    host/port: where to listen (port 0: any free port; ``port`` holds the real one after
    ``start``). allow_remote: allow a non-loopback ``host``. token: fixed token (tests),
    else a random one. token_file: where to write it (None: ``default_token_file()``).
    """

    def __init__(
        self,
        controls: LiveControls,
        styles: list[StyleEntry],
        *,
        stats: Callable[[], dict[str, Any]] = dict,
        faces: Callable[[], list[dict[str, Any]]] = list,
        preview: Callable[[], Any] = lambda: None,
        host: str = "127.0.0.1",
        port: int = 0,
        allow_remote: bool = False,
        token: str | None = None,
        token_file: Path | None = None,
    ) -> None:
        if not is_loopback(host) and not allow_remote:
            raise ConfigError(
                f"--control {host}: not a loopback address; anyone who can reach it could "
                "drive the camera with the token: add --control-remote to allow it"
            )
        self.controls, self.styles = controls, {s.name: s for s in styles}
        self.stats_fn, self.faces_fn, self.preview_fn = stats, faces, preview
        self.host, self.port = host, port
        self.token = token or secrets.token_urlsafe(24)
        self.token_file = token_file or default_token_file()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._runner: Any = None
        self._sockets: set[Any] = set()
        self._unsubscribe: Callable[[], None] | None = None

    # -- life cycle ----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def control_line(self) -> str:
        """The line the runner prints: ``control: http://HOST:PORT/?token=TOKEN``."""
        return f"control: {self.url}/?token={self.token}"

    def start(self) -> ControlServer:
        """Listen (in a background thread) and write the token file; returns self."""
        self._thread = threading.Thread(target=self._serve, name="streamfx-control", daemon=True)
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise ConfigError(f"control API could not listen on {self.url}: {self._error}")
        write_token(self.token_file, self.token)
        self._unsubscribe = self.controls.subscribe(self._on_event)
        return self

    def close(self) -> None:
        """Stop serving (safe to call twice)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        loop = self._loop
        if loop is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def __enter__(self) -> ControlServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _serve(self) -> None:
        from aiohttp import web

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            app = self._app()
            self._runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, self.host, self.port)
            loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]  # the real port when 0
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _shutdown(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        await self._runner.cleanup()

    # -- events to WebSockets --------------------------------------------------------------------
    def _on_event(self, event: str, data: dict[str, Any]) -> None:
        loop = self._loop
        if loop is None or not self._sockets or loop.is_closed():
            return
        text = json.dumps({"event": event, "data": data}, default=str)
        try:
            loop.call_soon_threadsafe(self._broadcast, text)
        except RuntimeError:  # loop closing
            pass

    def _broadcast(self, text: str) -> None:
        for ws in list(self._sockets):
            if not ws.closed:
                asyncio.ensure_future(ws.send_str(text))

    # -- app -----------------------------------------------------------------------------------
    def _app(self) -> Any:
        from aiohttp import web

        from streamfx.control import routes

        app = web.Application(middlewares=[self._guard], client_max_size=64 * 1024)
        routes.add_routes(app, self)
        return app

    def allowed_hosts(self) -> set[str]:
        """``Host`` header values this server answers to."""
        names = (
            {self.host, "127.0.0.1", "localhost", "[::1]"}
            if is_loopback(self.host)
            else {f"[{self.host}]" if ":" in self.host else self.host}
        )
        return {f"{n}:{self.port}" for n in names}

    def authorised(self, request: Any) -> bool:
        header = request.headers.get("Authorization", "")
        given = header[7:].strip() if header.lower().startswith("bearer ") else ""
        given = given or request.query.get("token", "")
        return bool(given) and hmac.compare_digest(given.encode(), self.token.encode())

    @property
    def _guard(self) -> Any:
        from aiohttp import web

        @web.middleware
        async def guard(request: Any, handler: Any) -> Any:
            hosts = self.allowed_hosts()
            if request.headers.get("Host", "") not in hosts:
                return web.json_response({"error": "Host not allowed"}, status=403)
            origin = request.headers.get("Origin")
            if origin is not None and origin.split("://", 1)[-1] not in hosts:
                return web.json_response({"error": "cross-origin request refused"}, status=403)
            if request.path != "/api/openapi.json" and not self.authorised(request):
                return web.json_response(
                    {"error": "missing or wrong token (Authorization: Bearer TOKEN or ?token=)"},
                    status=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
            return await handler(request)

        return guard

    # -- helpers used by the routes ----------------------------------------------------------------
    def style_list(self) -> list[dict[str, Any]]:
        return [
            {
                "name": s.name,
                "editor": s.editor,
                "thumbnail": f"/api/styles/{s.name}/thumbnail" if s.thumbnail else None,
            }
            for s in self.styles.values()
        ]

    def set_style(self, style: str, track: int | None) -> None:
        if style not in self.styles:
            raise UnknownStyle(style, list(self.styles))
        self.controls.set_style(style, track)

    def openapi(self) -> dict[str, Any]:
        return OPENAPI
