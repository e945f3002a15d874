"""``streamfx bench editor`` on the tiny preset: every module timed and counted, totals add up."""

from __future__ import annotations

import json
import re

import pytest

from streamfx.cli.main import main

MODULES = ["E_low", "E_high", "MAE prompt", "cross-attention", "E_t", "rendering", "SR"]


def test_bench_editor_tiny_prints_and_writes_every_module(capsys, tmp_path) -> None:
    out_json = tmp_path / "editor.json"
    argv = ["--preset", "tiny", "--repeat", "1", "--threads", "2", "--json", str(out_json)]
    assert main(["bench", "editor", *argv]) == 0
    out = capsys.readouterr().out
    assert "random weights" in out and "preset tiny" in out
    printed = {}
    for line in out.splitlines():
        m = re.match(r"^(.+?)\s+([0-9.]+)\s+([0-9.]+)$", line)
        if m:
            printed[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    assert list(printed) == MODULES + ["total", "total, cached prompt"], out
    data = json.loads(out_json.read_text())
    assert data["bench"] == "editor" and data["device"] == "cpu" and data["threads"] == 2
    assert data["settings"]["preset"] == "tiny"
    rows = {r["module"]: r for r in data["modules"]}
    assert list(rows) == list(printed)
    for name in MODULES:
        assert rows[name]["ms"] > 0 and rows[name]["gflop"] > 0
        assert printed[name][1] == pytest.approx(rows[name]["gflop"], abs=0.005)
    total_gf = sum(rows[n]["gflop"] for n in MODULES)
    assert rows["total"]["gflop"] == pytest.approx(total_gf)
    cached = total_gf - rows["MAE prompt"]["gflop"]
    assert rows["total, cached prompt"]["gflop"] == pytest.approx(cached)


def test_bench_editor_bad_settings_are_one_clear_error(capsys) -> None:
    assert main(["bench", "editor", "--preset", "nope", "--repeat", "1"]) == 2
    err = capsys.readouterr().err
    assert "unknown editor preset 'nope'" in err and "3dpe" in err and "Traceback" not in err
    assert main(["bench", "editor", "--repeat", "0"]) == 2
    assert "repeat" in capsys.readouterr().err
