"""MediaPipe face-mesh index sets (478-point topology with irises), pure data.

"Image-left" means the left side of an upright, non-mirrored face in the picture, which is the
subject's right. MediaPipe's mesh follows the face, so these indices keep that meaning when the
head rolls; on a mirrored picture the mesh is placed by appearance, so index 33 still lands on the
eye at the picture's left.
"""

from __future__ import annotations

import numpy as np

NUM_LANDMARKS = 478

#: Eye contours (16 points each), image-left eye (subject's right) then image-right eye.
EYE_LEFT = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
EYE_RIGHT = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)
#: Iris centres (refined landmarks), image-left then image-right.
IRIS_LEFT = 468
IRIS_RIGHT = 473
#: Eye corners (outer, inner), image-left eye then image-right eye.
EYE_CORNERS_LEFT = (33, 133)
EYE_CORNERS_RIGHT = (263, 362)
NOSE_TIP = 1
#: Just above the nose tip, toward the bridge.
NOSE_ABOVE_TIP = 4
#: Outer lip corners, image-left then image-right.
MOUTH_LEFT = 61
MOUTH_RIGHT = 291

#: Face oval, in order around the face (36 points): the default compositing hull.
FACE_OVAL = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
    152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)  # fmt: skip


def check_landmarks(landmarks: np.ndarray) -> np.ndarray:
    """Return ``landmarks`` as float64 [N>=468, >=2]; raise InputError on another shape."""
    from streamfx.errors import InputError

    lm = np.asarray(landmarks, dtype=np.float64)
    if lm.ndim != 2 or lm.shape[0] < 468 or lm.shape[1] < 2:
        raise InputError(
            f"expected MediaPipe landmarks of shape [478, 2 or 3], got {tuple(lm.shape)}"
        )
    return lm
