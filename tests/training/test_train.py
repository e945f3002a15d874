"""``streamfx train`` on a tiny dataset and a tiny preset (encoder input 128): the loss falls,
an interrupted run resumed from its checkpoint ends with the same parameters, torchrun with two
gloo processes runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
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


def test_a_few_steps_lower_the_loss(small, tmp_path: Path) -> None:
    out = tmp_path / "run"
    argv = _argv(small, out, "--steps", "6", "--target", "distil", "--no-multiview")
    assert main(argv + ["--val-every", "3"]) == 0
    losses = _losses(out)
    assert len(losses) == 6 and losses[-1] < 0.95 * losses[0]
    assert (out / "val" / "step_0000003.png").is_file() and (
        out / "final" / "config.json"
    ).is_file()
    assert (out / "checkpoints" / "latest.pt").is_file()


def test_resumed_run_equals_uninterrupted(small, tmp_path: Path) -> None:
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    assert main(_argv(small, whole, "--steps", "4")) == 0
    assert main(_argv(small, parts, "--steps", "2")) == 0  # "interrupted" after step 2
    assert main(_argv(small, parts, "--steps", "4", "--resume")) == 0
    a = load_file(str(whole / "final" / "model.safetensors"))
    b = load_file(str(parts / "final" / "model.safetensors"))
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=0, msg=k)
    assert _losses(whole) == _losses(parts)
    start = load_file(str(small["student"] / "model.safetensors"))
    changed = [k for k in a if not torch.equal(a[k], start[k])]
    assert changed and all(
        k.startswith(("encoder.Final_encoder", "encoder.Ref_encoder")) for k in changed
    )


def test_torchrun_two_gloo_processes(small, tmp_path: Path) -> None:
    out = tmp_path / "ddp"
    run = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    cmd = [*run, "-m", "streamfx.cli.main", *_argv(small, out, "--steps", "2", "--batch", "1")]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("step 2:") == 1  # rank 0 reports
    assert len(_losses(out)) == 2 and (out / "final" / "model.safetensors").is_file()
