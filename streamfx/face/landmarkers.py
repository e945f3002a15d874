"""MediaPipe's face landmarkers as the tracker runs them (with ``streamfx.face.detector``, the
only modules that call MediaPipe).

``Landmarkers`` owns every landmarker graph of one tracker: one on the whole frame (video mode
for a stream, image mode for stills), one image-mode instance for windows (tiles, crops around
new faces), and one video-mode landmarker per followed track (reused when a track ends), run on
up to ``face.follow_threads`` threads at once. Results come back as ``(landmarks [478,3] frame
pixels, pose [4,4] or None)`` per face; a window's results are mapped back to the frame
(``streamfx.face.zoom``). MediaPipe's native log lines of the first calls of each graph go to
``logging`` (``streamfx.face.quiet``).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from streamfx.cpu import usable_cores
from streamfx.errors import require
from streamfx.face.config import FaceConfig
from streamfx.face.quiet import quiet_native_stderr, silence_glog_env
from streamfx.face.zoom import Box, landmarks_to_frame, pose_to_frame, roi_window, window_image

QUIET_CALLS = 8  # MediaPipe calls whose native log lines are routed to logging (the first ones)
QUIET_CALLS_EACH = 3  # the same for each per-track landmarker's first calls

Raw = tuple[np.ndarray, Any]
"""One face as MediaPipe gives it: (landmarks [478,3] float64 frame pixels, pose [4,4] or None)."""


class Landmarkers:
    """The landmarker graphs of one tracker (module docstring); ``close()`` releases them."""

    def __init__(self, config: FaceConfig, model_path: Path) -> None:
        self.config, self.model_path = config, model_path
        silence_glog_env()
        self._mp = require("mediapipe", pip_name="mediapipe")
        self._video: Any = None
        self._image: Any = None
        self._window: Any = None
        self._followers: dict[int, Any] = {}  # track id -> its own video-mode landmarker
        self._spare: list[Any] = []  # landmarkers of ended tracks, reused by new ones
        self._pool: ThreadPoolExecutor | None = None  # face.follow_threads
        self._calls: dict[int, int] = {}  # id(landmarker) -> calls so far (log silencing)
        self._native_calls = 0
        self.helper_cpu_s = 0.0
        """CPU seconds ``follow_all`` spent on its threads since the caller zeroed it."""

    def _create(self, video: bool, num_faces: int | None = None) -> Any:
        from mediapipe.tasks.python import BaseOptions, vision

        c = self.config
        mode = vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE
        opts = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=mode,
            num_faces=num_faces or c.max_faces,
            min_face_detection_confidence=c.min_detection_confidence,
            min_face_presence_confidence=c.min_presence_confidence,
            min_tracking_confidence=c.min_tracking_confidence,
            output_facial_transformation_matrixes=True,
        )
        with quiet_native_stderr():
            return vision.FaceLandmarker.create_from_options(opts)

    def _native(self, call: Any, *args: Any) -> Any:
        """Call MediaPipe; its first calls print C++ log lines, which are routed to logging."""
        if self._native_calls >= QUIET_CALLS:
            return call(*args)
        self._native_calls += 1
        with quiet_native_stderr():
            return call(*args)

    def _native_each(self, lmk: Any, call: Any, *args: Any) -> Any:
        """``_native`` counted per landmarker (each new graph logs on its first calls)."""
        n = self._calls.get(id(lmk), 0)
        if n >= QUIET_CALLS_EACH:
            return call(*args)
        self._calls[id(lmk)] = n + 1
        with quiet_native_stderr():
            return call(*args)

    def whole(self, img: np.ndarray, timestamp_ms: int | None) -> list[Raw]:
        """The faces of the whole frame (video mode at ``timestamp_ms``; None: a still)."""
        mp_image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=img)
        if timestamp_ms is None:
            if self._image is None:
                self._image = self._create(video=False)
            res = self._native(self._image.detect, mp_image)
        else:
            if self._video is None:
                self._video = self._create(video=True)
            res = self._native(self._video.detect_for_video, mp_image, timestamp_ms)
        h, w = img.shape[:2]
        return results(res, np.array([w, h, w], dtype=np.float64))

    def window(
        self, img: np.ndarray, win: Box, crop: bool = False, lmk: Any = None, ts: int | None = None
    ) -> list[Raw]:
        """The faces in one square window, mapped back to frame pixels and camera.

        ``crop``: a crop around one face (resampled to ``follow_size``..``follow_max_size``, one
        face looked for) rather than a tile (``zoom_size``, up to ``max_faces``). ``lmk``: a
        video-mode landmarker to run at ``ts`` (None: the shared image-mode one).
        """
        c = self.config
        side = win[2] - win[0]
        size = int(np.clip(round(side), c.follow_size, c.follow_max_size)) if crop else c.zoom_size
        patch = window_image(img, win, size)
        mp_image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=patch)
        if lmk is not None:
            res = self._native_each(lmk, lmk.detect_for_video, mp_image, ts)
        else:
            if self._window is None:  # own image-mode instance: no time-stamp order to keep
                self._window = self._create(video=False)
            res = self._native(self._window.detect, mp_image)
        wh = (img.shape[1], img.shape[0])
        out = []
        for lm, pose in results(res, np.array([size, size, size], dtype=np.float64)):
            if pose is not None:
                pose = pose_to_frame(pose, win, size, wh)
            out.append((landmarks_to_frame(lm, win, size), pose))
        return out

    def follow_all(self, img: np.ndarray, boxes: dict[int, Box], ts: int) -> dict[int, list[Raw]]:
        """Each track's faces in a crop around its last box (``boxes``: track id -> box), by
        its own landmarker; the tracks on ``face.follow_threads`` threads at once (each
        landmarker sees the same crops in the same order either way, so the results do not
        depend on it). Their CPU is added to ``helper_cpu_s``."""
        c = self.config

        def follow(tid: int) -> list[Raw]:
            win = roi_window(boxes[tid], c.follow_factor)
            return self.window(img, win, crop=True, lmk=self.follower(tid), ts=ts)

        def follow_timed(tid: int) -> tuple[list[Raw], float]:
            c0 = time.thread_time()
            return follow(tid), time.thread_time() - c0

        for tid in boxes:  # made here, not on the workers
            self.follower(tid)
        workers = c.follow_threads or min(4, usable_cores())
        if workers <= 1 or len(boxes) <= 1:
            return {tid: follow(tid) for tid in boxes}
        if self._pool is None:
            self._pool = ThreadPoolExecutor(workers, thread_name_prefix="streamfx-follow")
        done = list(self._pool.map(follow_timed, boxes))
        self.helper_cpu_s += sum(cpu for _, cpu in done)
        return {tid: found for tid, (found, _) in zip(boxes, done, strict=True)}

    def follower(self, tid: int) -> Any:
        """The video-mode landmarker (one face) that follows track ``tid``."""
        lmk = self._followers.get(tid)
        if lmk is None:
            lmk = self._spare.pop() if self._spare else self._create(video=True, num_faces=1)
            self._followers[tid] = lmk
        return lmk

    def release(self, tid: int | None = None) -> None:
        """Keep track ``tid``'s landmarker for a later track (None: every track's)."""
        for t in list(self._followers) if tid is None else [tid]:
            lmk = self._followers.pop(t, None)
            if lmk is not None:
                self._spare.append(lmk)

    def close(self) -> None:
        """Release every graph (call it; their finaliser fails at interpreter exit)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        with quiet_native_stderr():  # closing a graph logs too
            for lmk in (self._video, self._image, self._window, *self._followers.values()):
                if lmk is not None:
                    lmk.close()
            for lmk in self._spare:
                lmk.close()
        self._video = self._image = self._window = None
        self._followers.clear()
        self._spare.clear()


def results(res: Any, scale: np.ndarray) -> list[Raw]:
    """A landmarker result as (landmarks [478,3] float64 scaled by ``scale`` (w, h, w), pose
    [4,4] or None) per face: one array build per face, no per-landmark arithmetic in Python."""
    mats = res.facial_transformation_matrixes or []
    out = []
    for i, pts in enumerate(res.face_landmarks):
        lm = np.array([(p.x, p.y, p.z) for p in pts], dtype=np.float64)
        lm *= scale
        pose = np.asarray(mats[i], dtype=np.float64) if i < len(mats) else None
        out.append((lm, pose))
    return out
