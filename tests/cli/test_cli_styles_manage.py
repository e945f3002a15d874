"""``streamfx styles add|show|remove|export|import`` on a user styles folder of the test."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from streamfx.backends.styles_catalog import load_style, user_styles_dir
from streamfx.cli.main import main


@pytest.fixture(autouse=True)
def user_dir(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("STREAMFX_STYLES", raising=False)
    return user_styles_dir()


@pytest.fixture
def ref(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    p = tmp_path / "statue.jpg"
    Image.fromarray(rng.integers(0, 255, (300, 240, 3), dtype=np.uint8)).save(p)
    return p


def _tree(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_add_show_list_remove(user_dir: Path, ref: Path, capsys) -> None:
    argv = ["styles", "add", "statue", "--reference", str(ref), "--strength", "0.7"]
    assert main(argv) == 0
    folder = user_dir / "statue"
    assert {"style.toml", "reference.png", "thumbnail.png"} <= set(_tree(folder))
    spec = load_style("statue")
    assert spec.editor == "3dpe" and spec.reference == (folder / "reference.png").resolve()
    assert spec.defaults == {"strength": 0.7}
    assert Image.open(spec.thumbnail).size == (160, 160)
    assert main(["styles", "list"]) == 0
    out = capsys.readouterr().out
    assert "statue" in out and "user" in out and "cartoon" in out
    assert main(["styles", "show", "statue"]) == 0
    out = capsys.readouterr().out
    assert "reference.png" in out and "defaults.strength" in out
    # a second add of the same name needs --force
    assert main(argv) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["styles", "remove", "statue"]) == 0
    assert not folder.exists()
    assert main(["styles", "remove", "cartoon"]) == 2  # built-in
    assert "not a user style" in capsys.readouterr().err


def test_bad_reference_or_defaults_write_nothing(user_dir: Path, tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    assert main(["styles", "add", "x", "--reference", str(bad)]) == 2
    assert "not a readable image" in capsys.readouterr().err
    assert main(["styles", "add", "x", "--reference", str(tmp_path / "missing.png")]) == 2
    assert "does not exist" in capsys.readouterr().err
    good = tmp_path / "g.png"
    Image.new("RGB", (64, 64), (200, 100, 50)).save(good)
    assert main(["styles", "add", "x", "--reference", str(good), "--strength", "3"]) == 2
    assert "[0, 1]" in capsys.readouterr().err
    assert main(["styles", "add", "../x", "--reference", str(good)]) == 2
    assert not any(p.name != "styles" for p in user_dir.parent.rglob("*") if p.is_file())
    assert _tree(user_dir) == {}


def test_export_import_round_trip(user_dir: Path, ref: Path, tmp_path: Path) -> None:
    assert main(["styles", "add", "statue", "--reference", str(ref), "--smoothing", "0.3"]) == 0
    before = _tree(user_dir / "statue")
    spec_before = load_style("statue")
    out = tmp_path / "statue.zip"
    assert main(["styles", "export", "statue", "-o", str(out)]) == 0
    assert main(["styles", "export", "statue", "-o", str(out)]) == 2  # exists: not replaced
    assert main(["styles", "remove", "statue"]) == 0
    clean = tmp_path / "clean"
    assert main(["styles", "import", str(out), "--dir", str(clean)]) == 0
    assert _tree(clean / "statue") == before
    assert main(["styles", "import", str(out)]) == 0
    spec = load_style("statue")
    assert spec.defaults == spec_before.defaults and spec.reference.read_bytes() == (
        spec_before.reference.read_bytes()
    )


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize(
    "kind, match",
    [
        ("garbage", "not a readable zip"),
        ("traversal", "unsafe member path"),
        ("two_tops", "one top folder"),
        ("no_toml", "style.toml is missing"),
        ("missing_ref", "reference ref.png is missing"),
        ("bad_toml", "unknown key"),
    ],
)
def test_bad_zips_are_clear_and_change_nothing(
    kind: str, match: str, user_dir: Path, ref: Path, tmp_path: Path, capsys
) -> None:
    assert main(["styles", "add", "keep", "--reference", str(ref)]) == 0
    before = _tree(user_dir)
    toml = b'name = "s"\neditor = "3dpe"\nreference = "ref.png"\n'
    z = tmp_path / "bad.zip"
    if kind == "garbage":
        z.write_bytes(b"PK\x03\x04 this is not a zip")
    elif kind == "traversal":
        _zip(z, {"s/style.toml": toml, "s/../../evil.txt": b"x"})
    elif kind == "two_tops":
        _zip(z, {"s/style.toml": toml, "t/ref.png": b"x"})
    elif kind == "no_toml":
        _zip(z, {"s/ref.png": ref.read_bytes()})
    elif kind == "missing_ref":
        _zip(z, {"s/style.toml": toml})
    else:
        _zip(z, {"s/style.toml": toml + b"colour = 3\n", "s/ref.png": ref.read_bytes()})
    assert main(["styles", "import", str(z)]) == 2
    assert match in capsys.readouterr().err
    assert _tree(user_dir) == before
    assert not (tmp_path / "evil.txt").exists()


def test_style_accepts_a_folder_path(user_dir: Path, ref: Path) -> None:
    assert main(["styles", "add", "statue", "--reference", str(ref)]) == 0
    spec = load_style(str(user_dir / "statue"))
    assert spec.name == "statue" and spec.editor == "3dpe"
    from streamfx.backends.select import _style_editor

    assert _style_editor(str(user_dir / "statue")) == "3dpe"
