"""``streamfx bench engines`` on the tiny preset: the table, the FLOP table and --json."""

from __future__ import annotations

import json

import pytest

from streamfx.bench.engines import EnginesBench, parse_engine, run
from streamfx.errors import ConfigError

pytest.importorskip("onnxruntime")


def test_variants_parse_and_bad_ones_fail():
    assert parse_engine("torch:bf16,graphs") == (
        "torch",
        {"dtype": "bfloat16", "cuda_graphs": True},
    )
    assert parse_engine("onnxruntime:arena") == ("onnxruntime", {"cpu_arena": True})
    with pytest.raises(ConfigError, match="variant"):
        EnginesBench(engines=("torch:turbo",))
    with pytest.raises(ConfigError, match="unknown engine"):
        EnginesBench(engines=("tflite",))
    with pytest.raises(ConfigError, match="repeat"):
        EnginesBench(repeat=0)


def test_bench_prints_the_table_and_writes_json(engine_cache, tmp_path, capsys):
    out = tmp_path / "engines.json"
    config = EnginesBench(
        engines=("torch", "onnxruntime"),
        presets=("tiny",),
        repeat=1,
        threads=2,
        isolate=False,
        cache_dir=str(engine_cache),
        json=str(out),
    )
    assert run(config) == 0
    text = capsys.readouterr().out
    assert "GFLOP/s" in text and "peak MB" in text and "rel L2" in text
    assert "x full" in text and "3dpe" in text  # the FLOP table compares with the full network
    data = json.loads(out.read_text())
    rows = {r["engine"]: r for r in data["rows"]}
    assert set(rows) == {"torch", "onnxruntime"}
    for row in rows.values():
        assert row["preset"] == "tiny" and row["batch"] == 1
        assert row["total"] == pytest.approx(row["encode"] + row["render"] + row["superres"])
        assert row["fps"] > 0 and row["peak_mb"] > 0 and row["gflop"] > 10
    assert rows["torch"]["rel_l2"] == 0.0 and rows["onnxruntime"]["rel_l2"] <= 1e-4
    flops = {r["preset"]: r for r in data["flops"]}
    assert flops["3dpe"]["frame"] > 600 and flops["tiny"]["ratio"] < 0.05
    assert data["settings"]["presets"] == ["tiny"]
