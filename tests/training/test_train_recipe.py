"""``streamfx train --config NAME|FILE.toml``: named recipes and TOML recipes set the run's
values, flags given on the command line win (also a flag equal to the built-in default), what
--print-config prints reads back, bad recipes are clear errors; --help shows every loss weight
and one --config (the train command has no pipeline --config)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tomli_w

from streamfx.cli.main import main
from streamfx.training.config import WEIGHT_FIELDS, TrainConfig
from streamfx.training.recipes import RECIPES

try:
    import tomllib
except ImportError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


def _effective(capsys, *argv: str) -> dict:
    assert main(["train", *argv, "--print-config"]) == 0
    return tomllib.loads(capsys.readouterr().out)


def test_named_recipe_and_flags_win(capsys) -> None:
    tiny = _effective(capsys, "--config", "tiny")
    assert {k: tiny[k] for k in RECIPES["tiny"]} == RECIPES["tiny"]
    assert tiny["preset"] == "tiny" and tiny["adv_start"] == 100 and tiny["lr"] == 1e-3
    for name in WEIGHT_FIELDS:
        assert name in tiny  # every loss weight is printed
    # --steps 1000 is TrainConfig's default, yet given on the command line it wins
    given = _effective(capsys, "--config", "tiny", "--steps", "1000", "--lr", "0.5",
                       "--adv-weight", "0", "--preset", "student")  # fmt: skip
    assert (given["steps"], given["lr"], given["adv_weight"], given["preset"]) == (
        1000, 0.5, 0.0, "student")  # fmt: skip
    assert given["disc_width"] == 32  # the rest from the recipe
    plain = _effective(capsys)
    assert plain["steps"] == TrainConfig.steps and plain["lpips_weight"] == 2.0
    student = _effective(capsys, "--config", "student")
    assert student["preset"] == "student" and student["target"] == "distil"
    assert _effective(capsys, "--config", "3dpe")["adv_start"] == 10000


def test_toml_recipe_with_base_and_round_trip(tmp_path: Path, capsys) -> None:
    recipe = tmp_path / "mine.toml"
    recipe.write_text('base = "student"\nsteps = 5\nadv_weight = 0.1\nlr = 1\n')
    mine = _effective(capsys, "--config", str(recipe), "--adv-weight", "0.2")
    assert (mine["preset"], mine["steps"], mine["adv_weight"], mine["lr"]) == (
        "student", 5, 0.2, 1.0)  # fmt: skip
    printed = tmp_path / "printed.toml"
    printed.write_text(tomli_w.dumps(mine))
    assert _effective(capsys, "--config", str(printed)) == mine


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("stepz = 3\n", "unknown key 'stepz'; a recipe sets data, output"),
        ("multiview = false\n", "on/off switches are flags"),
        ('steps = "3"\n', "key 'steps' expected int, got '3'"),
        ("lr = true\n", "key 'lr' expected float, got True"),
        ('base = "huge"\n', "base 'huge' is not a recipe (3dpe, student, tiny)"),
        ("steps = \n", "not valid TOML"),
    ],
)
def test_bad_toml_recipes_are_clear_errors(text: str, message: str, tmp_path: Path, capsys):
    recipe = tmp_path / "bad.toml"
    recipe.write_text(text)
    assert main(["train", "--config", str(recipe), "--print-config"]) == 2
    err = capsys.readouterr().err
    assert message in err and "bad.toml" in err


def test_unknown_recipe_and_bad_values(tmp_path: Path, capsys) -> None:
    assert main(["train", "--config", "huge", "--print-config"]) == 2
    assert "--config huge: expected a recipe name (3dpe, student, tiny) or a TOML file" in (
        capsys.readouterr().err
    )
    for flag, value, message in [
        ("--adv-weight", "-1", "--adv-weight: expected >= 0, got -1.0"),
        ("--r1-every", "0", "--r1-every: expected >= 1, got 0"),
        ("--lpips-net", "squeeze", "--lpips-net: expected alex or vgg, got 'squeeze'"),
    ]:
        assert main(["train", flag, value, "--print-config"]) == 2
        assert message in capsys.readouterr().err


def test_help_lists_every_weight_and_one_config(capsys) -> None:
    assert main(["train", "--help"]) == 0
    text = capsys.readouterr().out
    flags = [w.replace("_", "-") for w in WEIGHT_FIELDS] + ["r1-gamma", "adv-start", "lpips"]
    for flag in flags:
        assert f"--{flag} " in text, flag
    assert len(re.findall(r"--config NAME\|FILE\s", text)) == 1 and "Training recipe" in text
    assert "pipeline" in text.split("Training recipe", 1)[1][:400]  # says it is not one
