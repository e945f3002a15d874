"""``streamfx train --teacher-weights LIVE3D``: a Live3D-LT folder (imported from a synthetic
checkpoint in the official key names, tiny preset at 128) is the released recipe's teacher for
``--target recon``: its target triplane is ``reconstruct(gt)`` and its renders come from
``render``; a few steps run with finite terms; ``--target distil`` with it is a clear error; the
default teacher (a frozen copy of the student's start) still works. ``--weights LIVE3D`` starts the
student from it as released: what fits by name and shape loaded (E_low, E_high, E_t, renderer),
the prompt branch fresh, one line saying so; a folder whose tensors do not fit is refused."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from streamfx.cli.main import main

torch.set_num_threads(2)


@pytest.fixture(scope="module")
def lt(tmp_path_factory, tiny_dataset_maker) -> dict[str, Path]:
    """A student (3DPE, tiny at 128), a Live3D-LT teacher imported by ``import_live3d`` from an
    official-format checkpoint of other random weights, and a tiny dataset."""
    from streamfx.editor import PortraitEditor, get_preset
    from streamfx.editor.encoder.resnet import unused_resnet_keys
    from streamfx.editor.live3d_lt import import_live3d

    root = tmp_path_factory.mktemp("lt")
    cfg = get_preset("tiny")
    cfg.encoder.image_size = 128
    torch.manual_seed(0)
    PortraitEditor(cfg).save_pretrained(root / "student")
    torch.manual_seed(5)
    full = PortraitEditor(cfg)
    enc = {k: v for k, v in full.encoder.state_dict().items() if not k.startswith("Ref_encoder.")}
    g = torch.Generator().manual_seed(6)
    for k, shape in unused_resnet_keys(cfg.encoder.resnet_widths).items():
        enc[k] = torch.randn(shape, generator=g)
    ckpt = root / "encoder_render_LT_90000.pt"
    torch.save({"encoder_state_dict": enc, "renderer_state_dict": full.renderer.state_dict(),
                "step": 90000}, ckpt)  # fmt: skip
    return {
        "data": tiny_dataset_maker(root / "data", n=2, size=128),
        "student": root / "student",
        "live3d": import_live3d(ckpt, root / "live3d", cfg),
    }


def _argv(lt: dict[str, Path], out: Path, *extra: str) -> list[str]:
    return ["train", "--data", str(lt["data"]), "-o", str(out), "--weights", str(lt["student"]),
            "--teacher-weights", str(lt["live3d"]), "--no-progress", "--log-every", "1",
            "--lr", "1e-3", *extra]  # fmt: skip


def _first_sample(data: Path, seed: int = 42) -> dict:
    """The batch of step 1 of a --batch 1 run (the loop's data order and sample draws)."""
    from streamfx.training.train import EditDataset, _gen, to_batch

    dataset = EditDataset(data)
    order = torch.randperm(len(dataset), generator=_gen(seed, 0)).tolist()
    return to_batch([dataset.sample(order[0], _gen(seed, 0, 0))], 128, torch.device("cpu"))


def test_live3d_teacher_target_is_reconstruct_of_the_edit(lt) -> None:
    from streamfx.editor.live3d_lt import Live3DReconstructor
    from streamfx.geometry.camera import camera_from_angles
    from streamfx.training.config import TrainConfig
    from streamfx.training.teachers import is_live3d_folder, load_reconstructor
    from streamfx.training.train import load_editor, load_teacher, teacher_targets

    assert is_live3d_folder(lt["live3d"]) and not is_live3d_folder(lt["student"])
    student = load_editor(str(lt["student"]), "tiny")
    cfg = TrainConfig(teacher_weights=str(lt["live3d"]))
    teacher = load_teacher(cfg, student, torch.device("cpu"))
    assert isinstance(teacher, Live3DReconstructor)
    assert not teacher.training and not any(p.requires_grad for p in teacher.parameters())
    batch = _first_sample(lt["data"])
    cam = torch.as_tensor(camera_from_angles(0.3, 0.1), dtype=torch.float32).reshape(1, 25)
    tri, renders = teacher_targets(teacher, batch, [batch["camera"], cam], "recon")
    reference = load_reconstructor(lt["live3d"])
    with torch.no_grad():
        want = reference.reconstruct(batch["gt"])
        want_renders = [reference.render(want, c) for c in (batch["camera"], cam)]
    assert tri.shape == (1, 96, 64, 64) and torch.equal(tri, want)
    for got, exp in zip(renders, want_renders, strict=True):
        for key in ("image", "image_raw", "image_depth"):
            assert torch.equal(got[key], exp[key]), key
    # the input and the reference prompt play no part: only the edit is lifted
    other = {**batch, "input": -batch["input"], "ref": batch["ref"].flip(-1)}
    assert torch.equal(teacher_targets(teacher, other, [cam], "recon")[0], want)
    # the default teacher: a frozen copy of the student's start
    frozen = load_teacher(TrainConfig(), student, torch.device("cpu"))
    assert frozen is not student and not any(p.requires_grad for p in frozen.parameters())
    sd = student.state_dict()
    assert all(torch.equal(v, sd[k]) for k, v in frozen.state_dict().items())


def test_train_with_live3d_teacher(lt, tmp_path: Path) -> None:
    """Three steps (adversarial term from step 2: real = the 2-D edit): every term finite, and the
    logged triplane L1 of step 1 is |student(input, ref) - reconstruct(gt)| of its sample."""
    from streamfx.training.config import TRAINABLE
    from streamfx.training.teachers import load_reconstructor
    from streamfx.training.train import load_editor, set_trainable

    out = tmp_path / "run"
    argv = _argv(lt, out, "--steps", "3", "--batch", "1", "--adv-start", "2", "--lpips-weight", "0")
    assert main(argv) == 0
    lines = [json.loads(s) for s in (out / "log.jsonl").read_text().splitlines()]
    assert len(lines) == 3
    for line in lines:
        assert all(math.isfinite(v) for v in line.values()), line
        assert {"tri", "image", "raw", "depth", "mv/image", "mv/depth"} <= set(line)
    assert "adv" not in lines[0] and {"adv", "disc/real", "disc/fake"} <= set(lines[1])
    assert (out / "final" / "model.safetensors").is_file()

    batch = _first_sample(lt["data"])
    student = load_editor(str(lt["student"]), "tiny")
    student.renderer.unfold_styles()
    set_trainable(student, TRAINABLE)  # the modes the loop runs the student in
    with torch.no_grad():
        tri = student.encode(batch["input"], student.encode_prompt(batch["ref"]))
        want = load_reconstructor(lt["live3d"]).reconstruct(batch["gt"])
    expected = float(torch.nn.functional.l1_loss(tri, want))
    assert lines[0]["tri"] == pytest.approx(expected, rel=1e-5)


def test_live3d_teacher_cannot_distil(lt, tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    assert main(_argv(lt, out, "--steps", "1", "--target", "distil")) == 2
    err = capsys.readouterr().err
    assert "is a Live3D-LT reconstructor, which has no prompt branch" in err
    assert str(lt["live3d"]) in err and "3DPE weights folder" in err and "--target recon" in err
    assert not out.exists()  # refused before any work


def test_student_starts_from_live3d(lt, tmp_path: Path, capsys) -> None:
    """Every Live3D-LT tensor lands in the student, the prompt branch is the seed's fresh init;
    a run from it trains and leaves the frozen parts as Live3D-LT has them."""
    from safetensors.torch import load_file

    from streamfx.editor import PortraitEditor
    from streamfx.training.config import TrainConfig
    from streamfx.training.train import load_student

    live3d = load_file(str(lt["live3d"] / "model.safetensors"))
    torch.manual_seed(7)
    student = load_student(TrainConfig(weights=str(lt["live3d"])))
    line = capsys.readouterr().err
    fresh = [k for k in student.state_dict() if k not in live3d]
    assert fresh and all(k.startswith("encoder.Ref_encoder.") for k in fresh)
    assert line == (
        f"train: student from Live3D-LT {lt['live3d']}: {len(live3d)} tensors loaded "
        "(encoder.encoder, encoder.decoder, encoder.F_encoder, encoder.EHigh_encoder, "
        f"encoder.Final_encoder, renderer); {len(fresh)} fresh (encoder.Ref_encoder)\n"
    )
    sd = student.state_dict()
    assert all(torch.equal(sd[k], v) for k, v in live3d.items())
    torch.manual_seed(7)
    init = PortraitEditor(student.config).state_dict()  # what the seed gives the prompt branch
    assert all(torch.equal(sd[k], init[k]) for k in fresh)
    assert student.config.encoder.image_size == 128  # the folder's network

    out = tmp_path / "run"
    argv = ["train", "--data", str(lt["data"]), "-o", str(out), "--weights", str(lt["live3d"]),
            "--teacher-weights", str(lt["live3d"]), "--steps", "2", "--batch", "1",
            "--lpips-weight", "0", "--no-progress"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    assert f"train: student from Live3D-LT {lt['live3d']}: " in capsys.readouterr().err
    final = PortraitEditor.from_pretrained(out / "final").state_dict()
    frozen = [k for k in live3d if not k.startswith("encoder.Final_encoder.")]
    assert frozen and all(torch.equal(final[k], live3d[k]) for k in frozen)
    assert any(not torch.equal(final[k], live3d[k]) for k in live3d if k not in frozen)


def test_live3d_folder_that_does_not_fit_is_refused(lt, tmp_path: Path, capsys) -> None:
    """A Live3D-LT folder whose config.json names another network (the student preset): under
    half of the encoder and renderer would load, so train refuses before any work."""
    import shutil

    from streamfx.editor import get_preset
    from streamfx.editor.live3d_lt import FORMAT_NAME

    bad = tmp_path / "live3d"
    shutil.copytree(lt["live3d"], bad)
    meta = {"format": FORMAT_NAME, "version": 1, **get_preset("student").to_dict()}
    (bad / "config.json").write_text(json.dumps(meta))
    out = tmp_path / "run"
    argv = ["train", "--data", str(lt["data"]), "-o", str(out), "--weights", str(bad),
            "--steps", "1", "--no-progress"]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"--weights {bad}: a Live3D-LT folder, but only " in err
    assert "tensors fit the network its config.json describes" in err and "import-live3d" in err
    assert not out.exists()
