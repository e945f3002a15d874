"""The shared bench table: fixed-width columns, right-aligned numbers, JSON rows."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from streamfx.bench.table import BenchOptions, Column, Table, write_json


def _table() -> Table:
    t = Table([Column("name"), Column("ms", ".1f"), Column("ok", "on/off"), Column("n", "d")])
    t.add(name="a", ms=1.25, ok=True, n=3)
    t.add({"name": "longer name", "ms": np.float32(123.4)}, ok=False)
    t.rule()
    t.add(name="total", ms=float("nan"), n=np.int64(7))
    return t


def test_render_aligns_columns_and_formats_cells() -> None:
    lines = _table().render().splitlines()
    assert lines[0].split() == ["name", "ms", "ok", "n"]
    assert set(lines[1]) == {"-"} and lines[1] == lines[4]
    assert lines[2].split() == ["a", "1.2", "on", "3"]
    assert lines[3].split() == ["longer", "name", "123.4", "off", "-"]
    assert lines[5].split() == ["total", "nan", "-", "7"]
    # text left-aligned, numbers right-aligned: every "ms" cell ends in the same column
    ends = {
        line.index(cell) + len(cell)
        for line, cell in zip(lines[2:4], ("1.2", "123.4"), strict=True)
    }
    assert len(ends) == 1 and lines[0].index("ms") + 2 in ends
    assert lines[2].startswith("a ") and all(len(x) <= len(lines[1]) for x in lines)


def test_write_json_rows_numbers_and_nan(tmp_path) -> None:
    path = write_json(tmp_path / "sub" / "out.json", {"device": "cpu", "rows": _table()})
    data = json.loads(path.read_text())
    assert data["device"] == "cpu"
    assert [r["name"] for r in data["rows"]] == ["a", "longer name", "total"]  # no rule
    assert data["rows"][1]["ms"] == np.float32(123.4).item() and data["rows"][1]["ok"] is False
    assert data["rows"][2] == {"name": "total", "ms": None, "n": 7}


@dataclass
class _Bench(BenchOptions):
    frames: int = 3
    """Frames."""


def test_bench_options_write_settings_only_when_asked(tmp_path, capsys) -> None:
    _Bench().save_json(rows=_table())
    assert capsys.readouterr().out == "" and not list(tmp_path.iterdir())
    out = tmp_path / "b.json"
    _Bench(json=str(out), frames=5).save_json(bench="x", rows=_table())
    data = json.loads(out.read_text())
    assert data["bench"] == "x" and data["settings"] == {"frames": 5}
    assert len(data["rows"]) == 3 and f"wrote {out}" in capsys.readouterr().out
