"""The command line never ends in a traceback: errors are one line and a non-zero exit."""

from __future__ import annotations

import dataclasses
import types

import pytest

from streamfx.cli import main as cli_main


@pytest.fixture
def broken_command(monkeypatch):
    """A real subcommand module whose function fails with an unforeseen error."""

    module = types.ModuleType("streamfx_test_broken", "A command that always fails.")

    @dataclasses.dataclass
    class Command:
        """``streamfx broken``."""

    module.Command = Command
    module.run = lambda cmd: {}["missing"]
    import sys

    monkeypatch.setitem(sys.modules, "streamfx_test_broken", module)
    monkeypatch.setitem(cli_main.COMMANDS, "broken", ("streamfx_test_broken", "fails"))


def test_unforeseen_error_is_one_line(broken_command, capsys, monkeypatch) -> None:
    monkeypatch.delenv("STREAMFX_DEBUG", raising=False)
    assert cli_main.main(["broken"]) == 1
    err = capsys.readouterr().err
    assert "internal error: KeyError" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_debug_env_shows_the_traceback(broken_command, capsys, monkeypatch) -> None:
    monkeypatch.setenv("STREAMFX_DEBUG", "1")
    assert cli_main.main(["broken"]) == 1
    assert "Traceback" in capsys.readouterr().err
