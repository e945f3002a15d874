"""The numpy camera helper reproduces the official EG3D labels of the parity fixture."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from streamfx.errors import InputError
from streamfx.geometry import camera as cam


@pytest.fixture(scope="module")
def labels(parity_dir: Path) -> dict[str, np.ndarray]:
    with np.load(parity_dir / "cameras.npz") as z:
        return {k: z[k] for k in z.files}


@pytest.mark.parametrize(("name", "yaw"), [("frontal", 0.0), ("yaw30", math.pi / 6)])
def test_camera_from_angles_matches_fixture(
    labels: dict[str, np.ndarray], name: str, yaw: float
) -> None:
    label = cam.camera_from_angles(yaw, 0.0)
    assert label.dtype == np.float32 and label.shape == (25,)
    assert np.abs(label - labels[f"{name}_label25"][0]).max() <= 1e-6


@pytest.mark.parametrize("name", ["frontal", "yaw30"])
def test_look_at_with_official_angles(labels: dict[str, np.ndarray], name: str) -> None:
    pitch, yaw = labels[f"{name}_pitch_yaw_f64"]
    c2w = cam.look_at_cam2world(yaw, pitch)
    assert np.abs(c2w - labels[f"{name}_cam2world"]).max() <= 1e-6
    assert np.abs(cam.intrinsics() - labels[f"{name}_intrinsics"]).max() == 0


def test_focal_and_geometry_conventions() -> None:
    assert cam.FOCAL_OFFICIAL == pytest.approx(4.26339102, abs=1e-7)
    c2w = cam.look_at_cam2world(math.pi / 2 + 0.3, math.pi / 2 + 0.2)
    origin, forward = c2w[:3, 3], c2w[:3, 2]
    assert np.linalg.norm(origin) == pytest.approx(cam.RADIUS, abs=1e-5)  # orbits the origin
    to_pivot = np.asarray(cam.LOOKAT) - origin
    np.testing.assert_allclose(forward, to_pivot / np.linalg.norm(to_pivot), atol=1e-6)
    assert origin[1] < 0  # pitch > 0 lowers the camera
    np.testing.assert_allclose(c2w[:3, :3] @ c2w[:3, :3].T, np.eye(3), atol=1e-6)
    assert abs(c2w[1, 0]) < 1e-6  # no roll: camera x stays horizontal


def test_label_round_trip_and_errors() -> None:
    label = cam.camera_from_angles(0.1, -0.1, focal=cam.FOCAL_DATASET)
    c2w, k = cam.split_label(label)
    np.testing.assert_array_equal(cam.make_label(c2w, k), label)
    assert k[0, 0] == np.float32(cam.FOCAL_DATASET) and k[0, 2] == 0.5
    with pytest.raises(InputError, match="25 numbers, got 16"):
        cam.split_label(np.zeros(16))
