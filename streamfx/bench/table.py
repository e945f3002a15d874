"""The one table printer and JSON writer every benchmark shares.

table = Table([Column("module"), Column("ms", ".1f"), Column("gflop", ".2f", "GFLOP")])
table.add(module="SR", ms=12.3, gflop=4.56)
print(table.render())
write_json("out.json", {"device": "cpu", "modules": table})

Numbers are right-aligned in fixed-width columns, text left-aligned. In JSON a table is its list
of rows (dicts keyed by column key), numpy numbers become plain numbers and NaN/inf become null.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GAP = "  "


@dataclass
class BenchOptions:
    """Options of every benchmark."""

    json: str | None = None
    """Write the table as JSON to this file."""

    def save_json(self, **payload: Any) -> None:
        """Write ``payload`` (tables, header info) plus this command's settings to ``--json``,
        when it was given."""
        if self.json is None:
            return
        settings = {k: v for k, v in dataclasses.asdict(self).items() if k != "json"}
        write_json(self.json, {**payload, "settings": settings})
        print(f"wrote {self.json}")


@dataclass(frozen=True)
class Column:
    """A column: ``key`` in the row dicts; ``fmt`` a format spec for numbers (".2f") or the two
    words of a yes/no column ("on/off"; default "yes/no"); ``title`` the header (default: key)."""

    key: str
    fmt: str = ""
    title: str | None = None

    @property
    def header(self) -> str:
        return self.key if self.title is None else self.title


def _is_number(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)) or _is_np(value)


def _is_np(value: Any) -> bool:
    return type(value).__module__ == "numpy" and hasattr(value, "item") and value.ndim == 0


def _cell(value: Any, fmt: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        yes, _, no = (fmt if "/" in fmt else "yes/no").partition("/")
        return yes if value else no
    if _is_number(value):
        return format(value.item() if _is_np(value) else value, fmt)
    return str(value)


class Table:
    """Rows (dicts) under fixed columns; ``rule()`` adds a separator line to the printout."""

    def __init__(self, columns: list[Column]) -> None:
        self.columns = list(columns)
        self._lines: list[dict[str, Any] | None] = []  # None: a separator

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The rows, without separators."""
        return [r for r in self._lines if r is not None]

    def add(self, row: dict[str, Any] | None = None, **values: Any) -> None:
        """Add a row: a dict and/or keyword values; missing columns print as ``-``."""
        self._lines.append({**(row or {}), **values})

    def rule(self) -> None:
        """A separator line at this point of the printout (not in the JSON)."""
        self._lines.append(None)

    def render(self) -> str:
        """Header, a rule, then the rows, each column as wide as its widest cell."""
        cells = [
            None if r is None else [_cell(r.get(c.key), c.fmt) for c in self.columns]
            for r in self._lines
        ]
        numeric = [
            any(r is not None and _is_number(r.get(c.key)) for r in self._lines)
            for c in self.columns
        ]
        widths = [
            max([len(c.header)] + [len(row[i]) for row in cells if row is not None])
            for i, c in enumerate(self.columns)
        ]

        def line(texts: list[str]) -> str:
            parts = [
                t.rjust(w) if num else t.ljust(w)
                for t, w, num in zip(texts, widths, numeric, strict=True)
            ]
            return GAP.join(parts).rstrip()

        rule = "-" * (sum(widths) + len(GAP) * (len(widths) - 1))
        out = [line([c.header for c in self.columns]), rule]
        out += [rule if row is None else line(row) for row in cells]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.render()


def _plain(value: Any) -> Any:
    """``value`` with tables as row lists, numpy values as Python ones, NaN/inf as None."""
    if isinstance(value, Table):
        return _plain(value.rows)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist") and type(value).__module__ == "numpy":
        return _plain(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def write_json(path: str | Path, payload: dict[str, Any]) -> Path:
    """Write ``payload`` (header info and ``Table`` values) to ``path`` as indented JSON."""
    path = Path(path)
    if path.parent != Path():
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_plain(payload), indent=2, default=str) + "\n")
    return path
