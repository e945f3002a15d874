"""EG3D camera label from MediaPipe's head pose (pure numpy)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from streamfx.errors import InputError
from streamfx.face.pose import camera_angles, camera_from_pose
from streamfx.geometry.camera import FOCAL_OFFICIAL, RADIUS


def _rot(axis: str, deg: float) -> np.ndarray:
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return {
        "x": np.array([[1, 0, 0], [0, c, -s], [0, s, c]]),
        "y": np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]]),
        "z": np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]),
    }[axis]


def _pose(rot: np.ndarray, t=(0.0, 0.0, -60.0)) -> np.ndarray:
    m = np.eye(4)
    m[:3, :3], m[:3, 3] = rot, t
    return m


def test_frontal_head_gives_the_fixture_frontal_label(parity_dir) -> None:
    ref = np.load(parity_dir / "cameras.npz")["frontal_label25"].reshape(-1)
    label = camera_from_pose(_pose(np.eye(3)))
    assert label.dtype == np.float32 and label.shape == (25,)
    assert np.allclose(label, ref, atol=1e-5)


@pytest.mark.parametrize("seed", range(5))
def test_rotation_orthonormal_radius_and_intrinsics(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rot = _rot("x", rng.uniform(-25, 25)) @ _rot("y", rng.uniform(-40, 40))
    rot = rot @ _rot("z", rng.uniform(-30, 30))
    label = camera_from_pose(_pose(rot, (rng.uniform(-9, 9), rng.uniform(-9, 9), -55)))
    c2w = label[:16].reshape(4, 4).astype(np.float64)
    assert np.allclose(c2w[:3, :3] @ c2w[:3, :3].T, np.eye(3), atol=1e-5)
    assert np.linalg.det(c2w[:3, :3]) == pytest.approx(1.0, abs=1e-5)
    assert np.linalg.norm(c2w[:3, 3]) == pytest.approx(RADIUS, abs=1e-5)
    fwd = np.array([0, 0, 0.2]) - c2w[:3, 3]
    assert np.allclose(c2w[:3, 2], fwd / np.linalg.norm(fwd), atol=1e-5)  # looks at the pivot
    k = label[16:].reshape(3, 3)
    assert k[0, 0] == pytest.approx(FOCAL_OFFICIAL) and k[0, 2] == 0.5 and k[1, 2] == 0.5


def test_head_turn_moves_camera_the_other_way_and_mirror_negates_yaw() -> None:
    # head turned to its own left (toward -x in camera view) => camera sits toward the head's +x
    yaw, pitch, _ = camera_angles(camera_from_pose(_pose(_rot("y", -20.0) @ _rot("x", 10.0))))
    assert math.degrees(yaw) == pytest.approx(20.0, abs=0.5)
    flip = np.diag([-1.0, 1.0, 1.0])  # mirror the picture: x -> -x in camera and head
    m = _pose(flip @ _rot("y", -20.0) @ _rot("x", 10.0) @ flip)
    yaw_m, pitch_m, _ = camera_angles(camera_from_pose(m))
    assert yaw_m == pytest.approx(-yaw, abs=1e-6)
    assert pitch_m == pytest.approx(pitch, abs=1e-6)


@pytest.mark.parametrize("deg", [-30.0, 15.0])
def test_in_plane_roll_becomes_camera_roll(deg: float) -> None:
    label = camera_from_pose(_pose(_rot("z", deg)))
    yaw, pitch, roll = camera_angles(label)
    assert abs(yaw) < 1e-6 and abs(pitch) < 1e-6
    assert math.degrees(roll) == pytest.approx(deg, abs=1e-4)


def test_fixture_yaw30_angles(parity_dir) -> None:
    yaw, pitch, roll = camera_angles(np.load(parity_dir / "cameras.npz")["yaw30_label25"])
    assert math.degrees(yaw) == pytest.approx(30.0, abs=1e-3)
    assert abs(pitch) < 1e-5 and abs(roll) < 1e-5


def test_bad_pose_is_an_input_error() -> None:
    with pytest.raises(InputError, match="4x4"):
        camera_from_pose(np.eye(3))
    with pytest.raises(InputError, match="origin"):
        camera_from_pose(np.eye(4))
