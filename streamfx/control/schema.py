"""The OpenAPI 3 description of the control API (served at ``/api/openapi.json``)."""

from __future__ import annotations

from typing import Any


def _post(summary: str, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"type": "object", "properties": props}}
                },
            },
            "responses": {
                "200": {"description": "the new control state"},
                "400": {"description": "a bad value (the error says what was expected)"},
            },
        }
    }


def _get(summary: str) -> dict[str, Any]:
    return {"get": {"summary": summary, "responses": {"200": {"description": "OK"}}}}


NUM = {"type": "number"}
OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "streamfx control API", "version": "1"},
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "query": {"type": "apiKey", "in": "query", "name": "token"},
        }
    },
    "security": [{"bearer": []}, {"query": []}],
    "paths": {
        "/api/styles": _get("styles: [{name, editor, thumbnail}]"),
        "/api/styles/{name}/thumbnail": _get("a style's thumbnail (PNG)"),
        "/api/state": _get("the live controls (styles per track, strength, pose, ...)"),
        "/api/faces": _get("faces of the newest frame: [{track, style, bbox}]"),
        "/api/stats": _get("fps, latency_ms (p50), max_output_gap_ms, drops, per-stage ms"),
        "/api/preview.jpg": _get("the newest output frame as a small JPEG (?width=320)"),
        "/api/style": _post(
            "set the style of every face, or of one track ({style: null, track} clears it); "
            "404 with the available names for an unknown style",
            {"style": {"type": "string", "nullable": True}, "track": {"type": "integer"}},
        ),
        "/api/strength": _post("edit strength in [0, 1]", {"strength": NUM}),
        "/api/pose": _post(
            "pose correction toward frontal",
            {"fraction": NUM, "max_deg": NUM, "ease_frames": {"type": "integer"}},
        ),
        "/api/smoothing": _post(
            "temporal smoothing in [0, 1] and landmark smoothing on/off",
            {"smoothing": NUM, "landmarks": {"type": "boolean"}},
        ),
        "/api/passthrough": _post("show the real frame", {"passthrough": {"type": "boolean"}}),
        "/api/policy": _post(
            "which faces are edited: all, largest, id:N", {"policy": {"type": "string"}}
        ),
        "/api/crossfade": _post("frames of the style cross-fade", {"frames": {"type": "integer"}}),
        "/ws": _get("WebSocket of events: controls, style, swap, face, stats (JSON text)"),
    },
}
