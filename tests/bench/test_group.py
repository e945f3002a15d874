"""``streamfx bench``: the group lists every benchmark; an unknown one is a clear error."""

from __future__ import annotations

from streamfx.cli.bench import SUBCOMMANDS
from streamfx.cli.main import main

NAMES = ["editor", "face", "mesh", "pipeline", "temporal", "engines", "quality"]


def test_bench_without_arguments_lists_every_bench(capsys) -> None:
    assert list(SUBCOMMANDS) == NAMES
    assert main(["bench"]) == 2
    out = capsys.readouterr().out
    for name, (_, help_) in SUBCOMMANDS.items():
        assert f"  {name}" in out and help_ in out


def test_unknown_bench_names_the_list(capsys) -> None:
    assert main(["bench", "nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'nope'" in err and "pipeline" in err


def test_each_own_bench_has_flag_help(capsys) -> None:
    for name, flag in (("editor", "--preset"), ("face", "--frames"), ("mesh", "--sizes")):
        assert main(["bench", name, "--help"]) == 0
        out = capsys.readouterr().out
        assert flag in out and "--json" in out and "Write the table as JSON" in out
