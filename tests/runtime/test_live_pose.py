"""Pose correction ("look at the camera"): the corrected camera and its easing per track."""

from __future__ import annotations

import math

import numpy as np

from streamfx.backends.base import EditorBackend
from streamfx.geometry.camera import camera_from_angles, split_label
from streamfx.runtime.controls import ControlState, LiveControls
from streamfx.runtime.stages import EditStage, corrected_camera


def _angles(label: np.ndarray) -> tuple[float, float]:
    o = split_label(label)[0][:3, 3].astype(np.float64)
    r = np.linalg.norm(o)
    pitch = (1 - o[1] / r) / 2 * math.pi - math.pi / 2
    return math.atan2(o[2], -o[0]) - math.pi / 2, pitch


def test_yaw_and_pitch_pulled_toward_frontal_and_clamped() -> None:
    cam = camera_from_angles(0.3, -0.2)
    half = corrected_camera(cam, 0.5, math.radians(45))
    np.testing.assert_allclose(_angles(half), (0.15, -0.1), atol=1e-4)
    np.testing.assert_allclose(
        split_label(half)[0], split_label(camera_from_angles(0.15, -0.1))[0], atol=1e-4
    )
    clamped = corrected_camera(cam, 1.0, math.radians(5))
    np.testing.assert_allclose(
        _angles(clamped), (0.3 - math.radians(5), -0.2 + math.radians(5)), atol=1e-4
    )
    np.testing.assert_allclose(corrected_camera(cam, 0.0, 1.0), cam, atol=1e-5)
    np.testing.assert_allclose(split_label(half)[1], split_label(cam)[1])  # same intrinsics


class Recorder(EditorBackend):
    name = "rec"

    def __init__(self) -> None:
        self.cameras = []

    def edit(self, frame_rgb, face, camera=None):
        return self.edit_faces(frame_rgb, [face], [camera])[0]

    def set_style(self, style: str) -> None:
        self.style = style

    def edit_faces(self, image, faces, cameras):
        from streamfx.record import FaceEdit

        self.cameras.append(cameras[0])
        return [FaceEdit(image=np.zeros((512, 512, 3), np.uint8)) for _ in faces]

    def reset(self, track_id=None) -> None:
        pass


def test_correction_eases_in_and_out_without_jumps() -> None:
    from streamfx.face.types import Face
    from streamfx.record import Frame

    face = Face(
        0, np.zeros((478, 3), np.float32), (0, 0, 10, 10), camera=camera_from_angles(0.4, 0.0)
    )
    controls = LiveControls(ControlState(pose_fraction=0.0, pose_ease_frames=5, pose_max_deg=60))
    backend = Recorder()
    stage = EditStage(backend, controls=controls)

    def step() -> float:
        stage.process(
            Frame(image=np.zeros((8, 8, 3), np.uint8), pts=None, t_capture=0.0, faces=[face])
        )
        cam = backend.cameras[-1]
        return 0.4 if cam is None else _angles(cam)[0]

    assert step() == 0.4  # off: the face's own camera
    controls.update(pose_fraction=1.0)
    ramp = [step() for _ in range(7)]
    assert ramp[-1] < 1e-4 and ramp[-2] < 1e-4  # reached frontal and stays
    moves = np.diff([0.4, *ramp])
    assert np.all(moves <= 1e-9) and np.abs(moves).max() < 0.4 / 5 * 1.6  # eased, no jump
    assert abs(moves[0]) < abs(moves[2])  # slow start (smoothstep)
    controls.update(pose_fraction=0.0)
    back = [step() for _ in range(7)]
    assert back[-1] == 0.4 and np.all(np.diff([0.0, *back[:-1]]) >= -1e-9)
