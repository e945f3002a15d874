"""Clips for the batch tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from face_clips import write_face_clip


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> Path:
    """A folder of three short face clips (one in a sub-folder)."""
    folder = tmp_path_factory.mktemp("batch_in")
    (folder / "sub").mkdir()
    write_face_clip(folder / "a.mp4", 5)
    write_face_clip(folder / "b.mkv", 6, start=1.0)
    write_face_clip(folder / "sub" / "c.mp4", 4, start=2.0)
    return folder


@pytest.fixture(scope="session")
def single(clips, face_model, tmp_path_factory) -> dict[str, bytes]:
    """The bytes of each clip edited on its own (sketch style), the reference of a batch."""
    from batch_media import edit_one_by_one

    return edit_one_by_one(clips, tmp_path_factory.mktemp("single"), ["--style", "sketch"])
