"""The style catalog: built-in and folder styles, the TOML format, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamfx.backends.mesh.styles import EFFECTS
from streamfx.backends.styles_catalog import (
    BUILTIN_STYLES,
    list_styles,
    load_style,
    parse_style,
)
from streamfx.errors import ConfigError


def _write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "style.toml").write_text(text)
    return folder


def test_builtin_mesh_styles_are_listed_with_repo_folders() -> None:
    names = {s.name: s for s in list_styles()}
    for n in ("identity", "cartoon", "sketch", "bronze", "marble", "neon", "golden"):
        assert names[n].editor == "mesh"
    spec = names["cartoon"]
    assert spec.folder == BUILTIN_STYLES / "cartoon"
    assert spec.thumbnail is not None and spec.thumbnail.is_file()


def test_builtin_style_folders_are_package_data() -> None:
    """Every file of the built-in styles matches a [tool.setuptools.package-data] pattern, so a
    plain pip install (not only a clone) has them."""
    import fnmatch

    from streamfx.backends.styles_catalog import _toml_load

    data = _toml_load(Path(__file__).resolve().parents[2] / "pyproject.toml")
    patterns = data["tool"]["setuptools"]["package-data"]["streamfx"]
    pkg = BUILTIN_STYLES.parent
    files = [p for p in BUILTIN_STYLES.rglob("*") if p.is_file()]
    assert any(p.suffix == ".png" for p in files)
    for f in files:
        rel = f.relative_to(pkg).as_posix()
        assert any(fnmatch.fnmatch(rel, pat) for pat in patterns), rel


def test_repo_style_params_are_known_to_their_effects() -> None:
    for spec in list_styles():
        if spec.editor == "mesh":
            assert set(spec.params) <= set(EFFECTS[spec.effect].defaults), spec.name


def test_unknown_style_lists_the_available_ones() -> None:
    with pytest.raises(ConfigError) as err:
        load_style("does-not-exist")
    assert "cartoon" in str(err.value) and "does-not-exist" in str(err.value)


def test_user_folder_adds_and_overrides_styles(tmp_path: Path, monkeypatch) -> None:
    _write(
        tmp_path / "ink",
        'name = "ink"\neditor = "mesh"\neffect = "cartoon"\ndescription = "x"\n'
        "[params]\nlevels = 3\n",
    )
    ref = _write(
        tmp_path / "pixar",
        'name = "pixar"\neditor = "3dpe"\nreference = "ref.png"\ndescription = "3d cartoon"\n',
    )
    (ref / "ref.png").write_bytes(b"\x89PNG")
    monkeypatch.setenv("STREAMFX_STYLES", str(tmp_path))
    ink = load_style("ink")
    assert (ink.effect, ink.params) == ("cartoon", {"levels": 3})
    pixar = load_style("pixar")
    assert pixar.editor == "3dpe" and pixar.reference == (ref / "ref.png").resolve()
    assert pixar.effect is None


@pytest.mark.parametrize(
    "text, match",
    [
        ('name = "bad"\neditor = "gan"\n', "editor must be one of"),
        ('name = "other"\neditor = "mesh"\n', "must match its folder"),
        ('name = "bad"\neditor = "3dpe"\n', "needs reference"),
        ('name = "bad"\neditor = "mesh"\nparams = 3\n', "must be a table"),
        ("name = [unclosed\n", "cannot read style file"),
        (
            'name = "bad"\neditor = "mesh"\neffect = "cartoon"\n[defaults]\nstrength = 2.0\n',
            "in \\[0, 1\\]",
        ),
        (
            'name = "bad"\neditor = "mesh"\neffect = "cartoon"\n[defaults]\nstrength = "high"\n',
            "expected a number",
        ),
        (
            'name = "bad"\neditor = "mesh"\neffect = "cartoon"\n[defaults]\nwobble = 1\n',
            "unknown key 'wobble'",
        ),
        (
            'name = "bad"\neditor = "mesh"\neffect = "cartoon"\ndelta = "d.safetensors"\n',
            "3dpe styles only",
        ),
    ],
)
def test_bad_style_files_fail_clearly(tmp_path: Path, text: str, match: str) -> None:
    folder = _write(tmp_path / "bad", text)
    with pytest.raises(ConfigError, match=match):
        parse_style(folder)


def test_mesh_editor_rejects_3dpe_styles(tmp_path: Path, monkeypatch) -> None:
    from streamfx.backends.mesh import MeshEditor

    _write(tmp_path / "ref3d", 'name = "ref3d"\neditor = "3dpe"\nreference = "r.png"\n')
    monkeypatch.setenv("STREAMFX_STYLES", str(tmp_path))
    with pytest.raises(ConfigError, match="3dpe"):
        MeshEditor("ref3d")


def test_defaults_source_and_delta_are_read(tmp_path: Path) -> None:
    folder = _write(
        tmp_path / "gold",
        'name = "gold"\neditor = "3dpe"\nreference = "r.png"\ndelta = "d.safetensors"\n'
        "[defaults]\nstrength = 0.5\npose_fraction = 1\nsmoothing = 0.2\n"
        '[source]\ntext = "make it gold"\nseed = 3\n',
    )
    spec = parse_style(folder)
    assert spec.defaults == {"strength": 0.5, "pose_fraction": 1.0, "smoothing": 0.2}
    assert spec.source == {"text": "make it gold", "seed": 3}
    assert spec.delta == (folder / "d.safetensors").resolve()
    assert load_style(str(folder)).name == "gold"  # a folder path works as a style
    with pytest.raises(ConfigError, match="no style.toml"):
        load_style(str(tmp_path / "nothing"))
