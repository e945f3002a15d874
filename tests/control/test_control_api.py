"""End to end: a live run (demo source, mesh editor) driven through the real control API."""

from __future__ import annotations

import stat
import time

import numpy as np


def test_token_is_required_and_stored_for_the_user_only(live) -> None:
    assert live.call("/api/styles", token=None)[0] == 401
    assert live.call("/api/styles", token="wrong")[0] == 401
    status, styles = live.call("/api/styles")
    assert status == 200
    names = {s["name"] for s in styles}
    assert {"cartoon", "neon"} <= names and all(s["editor"] == "mesh" for s in styles)
    assert all(set(s) == {"name", "editor", "thumbnail"} for s in styles)
    # the token as a query parameter works too (the panel's address)
    assert live.call(f"/api/styles?token={live.server.token}", token=None)[0] == 200
    mode = stat.S_IMODE(live.server.token_file.stat().st_mode)
    assert mode == 0o600 and live.server.token_file.read_text().strip() == live.server.token
    line = live.server.control_line()
    assert line == f"control: http://127.0.0.1:{live.server.port}/?token={live.server.token}"


def test_other_origins_and_hosts_are_refused(live) -> None:
    assert live.call("/api/styles", Origin="http://evil.example")[0] == 403
    assert live.call("/api/styles", Host="evil.example:80")[0] == 403
    own = f"http://127.0.0.1:{live.server.port}"
    assert live.call("/api/styles", Origin=own)[0] == 200


def test_global_swap_reaches_the_output_without_a_gap(live) -> None:
    assert live.wait_for(lambda: any(s == "cartoon" for _, s, _ in live.sink.records))
    assert live.wait_for(lambda: live.runner.stats.sent > 30)  # warmed up
    status, body = live.call("/api/style", {"style": "no-such"})
    assert status == 404 and "neon" in body["available"]
    before = [c for _, s, c in live.sink.records[-10:] if s == "cartoon"]
    t0 = time.monotonic()
    status, state = live.call("/api/style", {"style": "neon"})
    assert status == 200 and state["default_style"] == "neon"
    assert live.wait_for(lambda: live.runner.stats.swap_latency.count >= 1)
    n0 = len(live.sink.records)
    assert live.wait_for(lambda: len(live.sink.records) > n0 + 25)
    after = [c for t, s, c in live.sink.records[n0:] if s == "neon"]
    assert after and len(before) > 0
    # the face region really changed look (neon recolours the face)
    assert np.abs(np.mean(after[-5:], axis=0) - np.mean(before, axis=0)).max() > 10
    seconds, intervals = live.runner.stats.max_gap_since(t0)
    assert 1 <= intervals <= 2, intervals  # longest gap during the swap: at most 2 intervals
    status, stats = live.call("/api/stats")
    assert status == 200 and stats["fps"] > 0 and stats["latency_ms"] > 0
    assert stats["max_output_gap_ms"] > 0 and stats["swap_latency_ms"]["count"] >= 1


def test_one_track_style_pose_and_controls(live) -> None:
    assert live.wait_for(lambda: live.call("/api/faces")[1])
    (face,) = live.call("/api/faces")[1]
    tid = face["track"]
    status, state = live.call("/api/style", {"style": "bronze", "track": tid})
    assert status == 200 and state["track_styles"] == {str(tid): "bronze"}
    assert live.wait_for(lambda: live.call("/api/faces")[1][0]["style"] == "bronze")
    assert state["default_style"] == "cartoon"
    status, state = live.call("/api/pose", {"fraction": 0.8, "max_deg": 15})
    assert status == 200 and state["pose_fraction"] == 0.8 and state["pose_max_deg"] == 15
    assert live.call("/api/pose", {"fraction": 2})[0] == 400
    assert live.call("/api/strength", {"strength": 0.5})[1]["strength"] == 0.5
    assert live.call("/api/smoothing", {"smoothing": 0.3, "landmarks": False})[0] == 200
    assert live.call("/api/passthrough", {"passthrough": True})[1]["passthrough"]
    n0 = len(live.sink.records)
    assert live.wait_for(lambda: len(live.sink.records) > n0 + 10)
    assert all(s is None for _, s, _ in live.sink.records[-3:])  # no edits in passthrough
    status, state = live.call("/api/style", {"style": None, "track": tid})
    assert status == 200 and state["track_styles"] == {}
    assert live.call("/api/openapi.json", token=None)[1]["openapi"].startswith("3.")
