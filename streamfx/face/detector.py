"""MediaPipe's full-range face detector (BlazeFace full range) through the Tasks ``FaceDetector``.

The face landmarker's own detector is BlazeFace *short range*: it misses faces narrower than
~15% of the picture. The full-range model (``face_detection_full_range_sparse.tflite``, 192x192
input, Apache-2.0; fetched by the model-file manager) finds smaller faces: measured on the
astronaut pasted into a 1280x720 frame (score >= 0.5), the whole frame finds faces from ~80-90 px
wide (a 60 px face scores ~0.44); in the six-face bench scene a 60 px face scores 0.26-0.43 in
a 720x720 window, 0.69-0.80 in a 480x480 one, 0.93 in a 360x360 one. So a full pass runs the
detector on the whole frame and on square windows of 2/3 of the frame's height that cover it
(``detect_windows``; eight for 1280x720), ~4-7 ms each on one core. The Tasks
``FaceDetector`` accepts this model (checked with mediapipe 1.2.3); the sparse model makes LiteRT
print a warning on every call, so every call runs under ``quiet_native_stderr``.

Boxes come back as (x0, y0, x1, y1, score) in frame pixels; the landmarker then runs on a square
crop around each box (``streamfx.face.tracker``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from streamfx.errors import ModelFileError, require
from streamfx.face.quiet import quiet_native_stderr, silence_glog_env
from streamfx.face.zoom import Box, same_face, tile_windows

DETECTOR_MODEL = "face_detection_full_range_sparse.tflite"
Detection = tuple[float, float, float, float, float]


def find_detector_model(model_path: str | Path | None = None) -> Path:
    """The full-range detector model: ``model_path`` if given, else the model-file manager's."""
    if model_path is not None:
        p = Path(model_path)
        if not p.is_file():
            raise ModelFileError(
                f"face detector model {p} does not exist (expected {DETECTOR_MODEL})"
            )
        return p
    from streamfx.modelfiles import ensure

    return Path(ensure(DETECTOR_MODEL))


def detect_windows(
    w: int, h: int, frac: float = 2.0 / 3.0, min_side: int = 256
) -> list[Box | None]:
    """Where one full pass looks: None (the whole frame) then square windows of side ``frac``
    of the shorter side covering the frame (35% overlap), when that side is >= ``min_side``."""
    side = frac * min(w, h)
    if side < min_side:
        return [None]
    return [None, *tile_windows(w, h, frac, 0.35)]


class FullRangeDetector:
    """Face boxes from the full-range BlazeFace model (image mode; one instance, reused)."""

    def __init__(self, model_path: str | Path | None = None, min_confidence: float = 0.5) -> None:
        self.model_path = find_detector_model(model_path)
        self.min_confidence = float(min_confidence)
        silence_glog_env()
        self._mp = require("mediapipe", pip_name="mediapipe")
        self._det: Any = None
        self.runs = 0
        """Detector calls so far (one per window)."""

    def _detector(self) -> Any:
        if self._det is None:
            from mediapipe.tasks.python import BaseOptions, vision

            opts = vision.FaceDetectorOptions(
                base_options=BaseOptions(model_asset_path=str(self.model_path)),
                running_mode=vision.RunningMode.IMAGE,
                min_detection_confidence=self.min_confidence,
            )
            with quiet_native_stderr():
                self._det = vision.FaceDetector.create_from_options(opts)
        return self._det

    def detect(self, img: np.ndarray, win: Box | None = None) -> list[Detection]:
        """Boxes (x0, y0, x1, y1, score), frame pixels, of the faces in ``img`` (uint8 RGB,
        C-contiguous) or in its window ``win`` (rounded to whole pixels; MediaPipe needs
        contiguous rows, so that window is copied, ~0.2 ms for 720x720)."""
        ox = oy = 0
        if win is not None:
            ox, oy = int(round(win[0])), int(round(win[1]))
            img = np.ascontiguousarray(img[oy : int(round(win[3])), ox : int(round(win[2]))])
        det = self._detector()
        mp_image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=img)
        self.runs += 1
        with quiet_native_stderr():  # the sparse model warns on every call
            res = det.detect(mp_image)
        out = []
        for d in res.detections:
            b = d.bounding_box
            score = float(d.categories[0].score) if d.categories else 1.0
            x0, y0 = ox + float(b.origin_x), oy + float(b.origin_y)
            out.append((x0, y0, x0 + float(b.width), y0 + float(b.height), score))
        return out

    def detect_all(self, img: np.ndarray, windows: list[Box | None]) -> list[Detection]:
        """Boxes found in any of ``windows`` (None: the whole frame), duplicates merged (the
        higher score kept), by decreasing score."""
        found: list[Detection] = []
        for win in windows:
            found += self.detect(img, win)
        found.sort(key=lambda d: -d[4])
        out: list[Detection] = []
        for d in found:
            if not any(same_face(d[:4], o[:4]) for o in out):
                out.append(d)
        return out

    def close(self) -> None:
        """Release the detector graph (safe to call twice)."""
        if self._det is not None:
            self._det.close()
            self._det = None
