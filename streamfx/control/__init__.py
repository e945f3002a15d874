"""The control API (HTTP + WebSocket) and its web panel; see docs/control.md."""
