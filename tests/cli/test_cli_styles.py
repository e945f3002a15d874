"""``streamfx styles list|thumbnails``."""

from __future__ import annotations

from pathlib import Path

import cv2

from streamfx.cli.main import main


def test_styles_list(capsys) -> None:
    assert main(["styles", "list"]) == 0
    out = capsys.readouterr().out
    for name in ("cartoon", "sketch", "bronze", "marble", "neon", "golden"):
        assert name in out


def test_styles_thumbnails_to_a_folder(tmp_path: Path, capsys) -> None:
    assert main(["styles", "thumbnails", "neon", "--out", str(tmp_path), "--size", "96"]) == 0
    img = cv2.imread(str(tmp_path / "neon.png"))
    assert img is not None and img.shape == (96, 96, 3)
    assert str(tmp_path / "neon.png") in capsys.readouterr().out


def test_unknown_style_is_one_clear_error(capsys) -> None:
    assert main(["styles", "thumbnails", "nope", "--out", "/tmp"]) == 2
    assert "available" in capsys.readouterr().err
