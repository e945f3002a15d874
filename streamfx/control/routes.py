"""The control API's routes (aiohttp handlers); the contract is in docs/control.md."""

from __future__ import annotations

import json
from typing import Any

from streamfx.errors import ConfigError
from streamfx.runtime.controls import UnknownStyle


def add_routes(app: Any, server: Any) -> None:
    """Register every route of ``server`` (a ``ControlServer``) on ``app``."""
    from aiohttp import WSMsgType, web

    async def body(request: Any) -> dict[str, Any]:
        try:
            data = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise web.HTTPBadRequest(
                text=json.dumps({"error": "expected a JSON object body"}),
                content_type="application/json",
            ) from None
        if not isinstance(data, dict):
            raise web.HTTPBadRequest(
                text=json.dumps({"error": f"expected a JSON object, got {type(data).__name__}"}),
                content_type="application/json",
            )
        return data

    def state() -> dict[str, Any]:
        return server.controls.snapshot().to_dict()

    def bad(exc: Exception) -> Any:
        return web.json_response({"error": str(exc)}, status=400)

    async def panel(request: Any) -> Any:
        return web.FileResponse(server_panel(), headers={"Cache-Control": "no-store"})

    async def styles(request: Any) -> Any:
        return web.json_response(server.style_list())

    async def thumbnail(request: Any) -> Any:
        entry = server.styles.get(request.match_info["name"])
        if entry is None or entry.thumbnail is None:
            return web.json_response({"error": "no thumbnail"}, status=404)
        return web.FileResponse(entry.thumbnail)

    async def get_state(request: Any) -> Any:
        return web.json_response(state())

    async def set_style(request: Any) -> Any:
        data = await body(request)
        style, track = data.get("style"), data.get("track")
        if track is not None and not isinstance(track, int):
            return bad(ConfigError(f"track: expected an integer track id, got {track!r}"))
        if style is None and track is not None:
            server.controls.clear_track_style(track)
            return web.json_response(state())
        if not isinstance(style, str):
            return bad(ConfigError(f"style: expected a style name, got {style!r}"))
        try:
            server.set_style(style, track)
        except UnknownStyle as exc:
            return web.json_response({"error": str(exc), "available": exc.available}, status=404)
        return web.json_response(state())

    def setter(mapping: dict[str, str]) -> Any:
        """A POST handler changing the controls named in ``mapping`` (body key -> control)."""

        async def handler(request: Any) -> Any:
            data = await body(request)
            unknown = set(data) - set(mapping)
            if unknown or not data:
                expected = ", ".join(sorted(mapping))
                return bad(ConfigError(f"expected keys among {expected}, got {sorted(data)}"))
            try:
                server.controls.update(**{mapping[k]: v for k, v in data.items()})
            except (ValueError, TypeError) as exc:
                return bad(exc)
            return web.json_response(state())

        return handler

    async def faces(request: Any) -> Any:
        return web.json_response(server.faces_fn())

    async def stats(request: Any) -> Any:
        s = dict(server.stats_fn() or {})
        lat = s.get("latency_ms") or {}
        s["latency"] = lat
        s["fps"] = s.get("fps_out", 0.0)
        s["latency_ms"] = lat.get("p50", 0.0) if isinstance(lat, dict) else lat
        s.setdefault("max_output_gap_ms", 0.0)
        return web.json_response(s)

    async def preview(request: Any) -> Any:
        import cv2

        image = server.preview_fn()
        if image is None:
            return web.json_response({"error": "no frame yet"}, status=503)
        h, w = image.shape[:2]
        width = min(int(request.query.get("width", 320)), 1280)
        small = cv2.resize(image, (width, max(1, round(h * width / w))), cv2.INTER_AREA)
        ok, jpg = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
        return web.Response(
            body=jpg.tobytes(), content_type="image/jpeg", headers={"Cache-Control": "no-store"}
        )

    async def openapi(request: Any) -> Any:
        return web.json_response(server.openapi())

    async def websocket(request: Any) -> Any:
        ws = web.WebSocketResponse(heartbeat=20)
        await ws.prepare(request)
        server._sockets.add(ws)
        try:
            await ws.send_json({"event": "controls", "data": state()})
            async for msg in ws:  # the socket only talks; incoming text is ignored
                if msg.type == WSMsgType.ERROR:
                    break
        finally:
            server._sockets.discard(ws)
        return ws

    app.router.add_get("/", panel)
    app.router.add_get("/api/styles", styles)
    app.router.add_get("/api/styles/{name}/thumbnail", thumbnail)
    app.router.add_get("/api/state", get_state)
    app.router.add_post("/api/style", set_style)
    app.router.add_post("/api/strength", setter({"strength": "strength"}))
    app.router.add_post(
        "/api/pose",
        setter(
            {
                "fraction": "pose_fraction",
                "max_deg": "pose_max_deg",
                "ease_frames": "pose_ease_frames",
            }
        ),
    )
    app.router.add_post(
        "/api/smoothing", setter({"smoothing": "smoothing", "landmarks": "landmark_smoothing"})
    )
    app.router.add_post("/api/passthrough", setter({"passthrough": "passthrough"}))
    app.router.add_post("/api/policy", setter({"policy": "policy"}))
    app.router.add_post("/api/crossfade", setter({"frames": "crossfade_frames"}))
    app.router.add_get("/api/faces", faces)
    app.router.add_get("/api/stats", stats)
    app.router.add_get("/api/preview.jpg", preview)
    app.router.add_get("/api/openapi.json", openapi)
    app.router.add_get("/ws", websocket)


def server_panel() -> Any:
    from streamfx.control.server import PANEL

    return PANEL
