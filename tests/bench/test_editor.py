"""``streamfx bench editor`` on the tiny preset: runs through the real CLI and prints the table."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("streamfx.editor.render", reason="renderer not built yet")

from streamfx.cli.main import main  # noqa: E402

MODULES = ["E_low", "E_high", "MAE prompt", "cross-attention", "E_t", "rendering", "SR"]


def test_bench_editor_tiny_prints_every_module(capsys):
    rc = main(["bench", "editor", "--preset", "tiny", "--repeat", "1", "--threads", "2"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "random weights" in out and "preset tiny" in out
    rows = {}
    for line in out.splitlines():
        m = re.match(r"^(.+?)\s+([0-9.]+)\s+([0-9.]+)$", line)
        if m:
            rows[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    for name in MODULES:
        assert name in rows, out
        assert rows[name][0] > 0 and rows[name][1] > 0
    total_gf = sum(rows[n][1] for n in MODULES)
    assert rows["total"][1] == pytest.approx(total_gf, abs=0.05)
    assert rows["total, cached prompt"][1] == pytest.approx(
        total_gf - rows["MAE prompt"][1], abs=0.05
    )


def test_bench_editor_unknown_preset_is_one_clear_error(capsys):
    assert main(["bench", "editor", "--preset", "nope", "--repeat", "1"]) == 2
    err = capsys.readouterr().err
    assert "unknown editor preset 'nope'" in err and "3dpe" in err and "Traceback" not in err
