"""``streamfx train`` on a tiny dataset and a tiny preset (encoder input 128): the loss falls,
an interrupted run resumed from its checkpoint ends with the same parameters (also with the
adversarial term and its discriminator on), every loss term (LPIPS from saved weights, the
adversarial and R1 terms) is in the log, torchrun with two gloo processes runs."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from lpips_files import official_lpips_folder
from safetensors.torch import load_file

from streamfx.cli.main import main


@pytest.fixture(scope="module")
def small(tmp_path_factory, tiny_dataset_maker) -> dict[str, Path]:
    from streamfx.editor import PortraitEditor, get_preset

    root = tmp_path_factory.mktemp("train")
    cfg = get_preset("tiny")
    cfg.encoder.image_size = 128
    torch.manual_seed(0)
    PortraitEditor(cfg).save_pretrained(root / "student")
    torch.manual_seed(1)
    PortraitEditor(cfg).save_pretrained(root / "teacher")
    return {
        "data": tiny_dataset_maker(root / "data", n=2, size=128),
        "student": root / "student",
        "teacher": root / "teacher",
    }


def _argv(small: dict[str, Path], out: Path, *extra: str) -> list[str]:
    return ["train", "--data", str(small["data"]), "-o", str(out),
            "--weights", str(small["student"]), "--teacher-weights", str(small["teacher"]),
            "--lr", "1e-3", "--no-progress", "--log-every", "1", *extra]  # fmt: skip


def _losses(out: Path) -> list[float]:
    return [json.loads(line)["loss"] for line in (out / "log.jsonl").read_text().splitlines()]


def _lines(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]


def test_a_few_steps_lower_the_loss(small, tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    argv = _argv(small, out, "--steps", "6", "--target", "distil", "--no-multiview")
    assert main(argv + ["--val-every", "3"]) == 0
    losses = _losses(out)
    assert len(losses) == 6 and losses[-1] < 0.95 * losses[0]
    assert capsys.readouterr().err.count("LPIPS term off") == 1  # said once, not per step
    assert (out / "val" / "step_0000003.png").is_file() and (
        out / "final" / "config.json"
    ).is_file()
    assert (out / "checkpoints" / "latest.pt").is_file()


def test_resumed_run_equals_uninterrupted(small, tmp_path: Path) -> None:
    """With the adversarial term from step 2: the first part stops before it (no discriminator
    yet), the second builds it and trains it, the third restores it and its optimiser."""
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    adv = ("--adv-start", "2", "--adv-weight", "0.5", "--d-lr", "1e-3")
    assert main(_argv(small, whole, "--steps", "4", *adv)) == 0
    assert main(_argv(small, parts, "--steps", "1", *adv)) == 0  # "interrupted" after step 1
    assert "disc" not in torch.load(parts / "checkpoints" / "latest.pt", weights_only=False)
    assert main(_argv(small, parts, "--steps", "3", "--resume", *adv)) == 0
    assert main(_argv(small, parts, "--steps", "4", "--resume", *adv)) == 0
    a = load_file(str(whole / "final" / "model.safetensors"))
    b = load_file(str(parts / "final" / "model.safetensors"))
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=0, msg=k)
    ck_a, ck_b = (torch.load(d / "checkpoints" / "latest.pt", weights_only=False)
                  for d in (whole, parts))  # fmt: skip
    assert ck_a["disc"].keys() == ck_b["disc"].keys()
    for k in ck_a["disc"]:
        torch.testing.assert_close(ck_a["disc"][k], ck_b["disc"][k], rtol=0, atol=0, msg=k)
    assert ck_a["disc_optimizer"]["state"][0]["step"] == 3  # D stepped at steps 2, 3, 4
    assert _lines(whole) == _lines(parts)  # every term of every step, D's included
    assert "adv" not in _lines(whole)[0] and {"adv", "disc/r1"} <= set(_lines(whole)[1])
    start = load_file(str(small["student"] / "model.safetensors"))
    changed = [k for k in a if not torch.equal(a[k], start[k])]
    assert changed and all(
        k.startswith(("encoder.Final_encoder", "encoder.Ref_encoder")) for k in changed
    )


def test_torchrun_two_gloo_processes(small, tmp_path: Path) -> None:
    out = tmp_path / "ddp"
    run = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    argv = _argv(small, out, "--steps", "2", "--batch", "1", "--adv-start", "2")
    cmd = [*run, "-m", "streamfx.cli.main", *argv]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("step 2:") == 1  # rank 0 reports
    assert len(_losses(out)) == 2 and (out / "final" / "model.safetensors").is_file()
    assert "adv" in _lines(out)[1]  # the discriminator's gradients averaged over the processes


def test_recipe_lpips_and_adversarial_terms_are_logged(small, tmp_path: Path, capsys) -> None:
    """--config tiny (lr 1e-3 from the recipe), LPIPS from saved official-format weights, the
    adversarial term from step 1 with R1 every 2nd step, the feature term on: all in the log."""
    out = tmp_path / "run"
    argv = ["train", "--config", "tiny", "--data", str(small["data"]), "-o", str(out),
            "--weights", str(small["student"]), "--teacher-weights", str(small["teacher"]),
            "--lpips", str(official_lpips_folder(tmp_path / "lpips")), "--steps", "2",
            "--adv-start", "1", "--r1-every", "2", "--feature-weight", "0.1",
            "--no-progress", "--log-every", "1"]  # fmt: skip
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "LPIPS term off" not in captured.err
    first, second = _lines(out)
    render = {"image", "raw", "depth", "feature", "lpips", "raw_lpips"}
    expected = {"tri", "adv", *render, *(f"mv/{t}" for t in render)}
    assert expected | {"disc/real", "disc/fake"} <= set(first)
    assert "disc/r1" not in first and "disc/r1" in second  # R1 on every 2nd D step
    for line in (first, second):
        assert all(math.isfinite(v) for v in line.values()), line
        assert line["lr"] == 1e-3  # the tiny recipe's learning rate
    assert "terms adv," in captured.out and "lpips" in captured.out


def test_missing_lpips_weights_name_the_file(small, tmp_path: Path, capsys) -> None:
    lp = tmp_path / "lp"
    lp.mkdir()
    (lp / "alex.pth").write_bytes(b"")  # heads only: the backbone is missing
    argv = _argv(small, tmp_path / "run", "--steps", "1", "--lpips", str(lp))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "alexnet*.pth" in err and str(lp) in err and "alexnet-owt-7be5be79" in err
    assert not (tmp_path / "run").exists()  # failed before any work
    assert main(_argv(small, tmp_path / "run", "--steps", "1", "--lpips", str(lp / "x"))) == 2
    assert f"{lp / 'x'}: no such file or folder" in capsys.readouterr().err
