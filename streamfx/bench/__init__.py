"""Benchmarks: ``streamfx bench NAME`` (the list is in ``streamfx.cli.bench``).

Each module defines a ``Command`` dataclass (its flags, a docstring under each field) that
subclasses ``streamfx.bench.table.BenchOptions`` (``--json FILE``) and ``run(cmd) -> int``,
which prints its tables through ``streamfx.bench.table.Table`` and writes them as JSON when
``--json`` is given. Weights, photos and clips come from the package, so every bench runs on a
base install.
"""
