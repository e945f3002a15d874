"""Identity distance between the original and the edited face: dlib ResNet or ArcFace ONNX.

Both embedders take a frame (uint8 [H,W,3] RGB) and that face's MediaPipe landmarks
([478,>=2] frame pixels) and align the face from five of them, so no second face detector runs.

- ``DlibIdentity``: dlib's 128-d face-recognition ResNet (``face-recognition-models``, CC0;
  ``dlib-bin``). Euclidean distance; on real faces the same person is about 0.1-0.5, different
  people about 0.7-0.9 (dlib's own threshold is 0.6).
- ``ArcFaceIdentity``: an ArcFace ONNX file the user provides (insightface layout: 112x112 RGB,
  (x - 127.5) / 127.5, NCHW). Cosine distance ``1 - cos`` (0 = same embedding, about 0.6-0.8
  for a typical same-person pair threshold, 1 = unrelated).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from streamfx.errors import ConfigError, DependencyError, InputError, require

#: MediaPipe indices of dlib's five-point layout: image-right eye (outer, inner), image-left
#: eye (outer, inner), base of the nose.
DLIB_FIVE = (263, 362, 33, 133, 2)
#: ArcFace's 112x112 five-point template (image-left eye, image-right eye, nose tip, mouth
#: corners image-left then image-right).
ARCFACE_TEMPLATE = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float32,
)


class Identity(Protocol):
    """A face embedder: ``embed`` one face, ``distance`` between two embeddings."""

    name: str
    scale: str

    def embed(self, image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
        """Embedding float32 [D] of the face with ``landmarks`` in ``image``."""
        ...

    def distance(self, a: np.ndarray, b: np.ndarray) -> float:
        """Distance between two embeddings (0 = the same)."""
        ...


def _models_folder() -> Path:
    """face_recognition_models/models without importing the package (its import warns)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise DependencyError(
            "the identity metric needs dlib's face-recognition model (face-recognition-models); "
            "pip install 'streamfx[eval]'"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "models"


class DlibIdentity:
    """dlib's 128-d face-recognition ResNet; Euclidean distance (see the module docstring)."""

    name = "dlib-resnet-128"
    scale = "Euclidean; same person ~0.1-0.5, different people ~0.7-0.9 (threshold 0.6)"

    def __init__(self) -> None:
        self._dlib = require("dlib", extra="eval")
        path = _models_folder() / "dlib_face_recognition_resnet_model_v1.dat"
        if not path.is_file():
            raise DependencyError(
                f"dlib face-recognition model missing at {path}; pip install 'streamfx[eval]'"
            )
        self._net = self._dlib.face_recognition_model_v1(str(path))

    def embed(self, image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
        """128-d descriptor of the face aligned on five MediaPipe points (no jitter)."""
        dlib = self._dlib
        lm = _check(image, landmarks)
        pts = lm[list(DLIB_FIVE), :2]
        lo, hi = lm[:, :2].min(0), lm[:, :2].max(0)
        rect = dlib.rectangle(int(lo[0]), int(lo[1]), int(hi[0]), int(hi[1]))
        parts = dlib.points()
        for x, y in pts:
            parts.append(dlib.point(int(round(x)), int(round(y))))
        shape = dlib.full_object_detection(rect, parts)
        img = np.ascontiguousarray(image)
        return np.asarray(self._net.compute_face_descriptor(img, shape), dtype=np.float32)

    def distance(self, a: np.ndarray, b: np.ndarray) -> float:
        """Euclidean distance."""
        return float(np.linalg.norm(np.asarray(a) - np.asarray(b)))


class ArcFaceIdentity:
    """An ArcFace ONNX model (insightface layout); cosine distance ``1 - cos``."""

    scale = "cosine distance 1 - cos; 0 = identical embedding"

    def __init__(self, path: str | Path) -> None:
        ort = require("onnxruntime", pip_name="onnxruntime")
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(f"identity model {self.path} does not exist (expected an .onnx file)")
        try:
            self._sess: Any = ort.InferenceSession(
                str(self.path), providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            raise InputError(f"cannot load identity model {self.path} as ONNX: {exc}") from None
        inp = self._sess.get_inputs()[0]
        shape = list(inp.shape)
        if len(shape) != 4 or shape[1] != 3:
            raise InputError(
                f"identity model {self.path}: expected an NCHW input with 3 channels, got {shape}"
            )
        side = shape[2] if isinstance(shape[2], int) else 112
        self.size = int(side)
        self._input = inp.name
        self.name = f"arcface:{self.path.name}"

    def embed(self, image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
        """L2-normalised embedding of the face aligned to the ArcFace template."""
        lm = _check(image, landmarks)
        src = np.stack(
            [
                lm[[33, 133], :2].mean(0),
                lm[[263, 362], :2].mean(0),
                lm[1, :2],
                lm[61, :2],
                lm[291, :2],
            ]
        ).astype(np.float32)
        dst = ARCFACE_TEMPLATE * (self.size / 112.0)
        m, _ = cv2.estimateAffinePartial2D(src, dst, method=cv2.LMEDS)
        if m is None:
            raise InputError("cannot align the face for ArcFace (degenerate landmarks)")
        chip = cv2.warpAffine(np.ascontiguousarray(image), m, (self.size, self.size))
        x = (chip.astype(np.float32) - 127.5) / 127.5
        out = self._sess.run(None, {self._input: x.transpose(2, 0, 1)[None]})[0]
        v = np.asarray(out, dtype=np.float32).reshape(-1)
        return v / max(float(np.linalg.norm(v)), 1e-12)

    def distance(self, a: np.ndarray, b: np.ndarray) -> float:
        """Cosine distance of two (normalised) embeddings."""
        return float(1.0 - np.dot(np.asarray(a), np.asarray(b)))


def _check(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    img = np.asarray(image)
    if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
        raise InputError(f"expected a uint8 RGB image [H,W,3], got {img.dtype} {img.shape}")
    lm = np.asarray(landmarks, dtype=np.float64)
    if lm.ndim != 2 or lm.shape[0] < 468 or lm.shape[1] < 2:
        raise InputError(f"expected MediaPipe landmarks [>=468, >=2], got {lm.shape}")
    return lm


def load_identity(model: str | None = None) -> Identity:
    """The embedder for ``model``: None or "dlib" -> dlib's ResNet; a path to an ``.onnx`` file
    -> that ArcFace model."""
    if model is None or model == "dlib":
        return DlibIdentity()
    if str(model).lower().endswith(".onnx"):
        return ArcFaceIdentity(model)
    raise ConfigError(
        f"identity model must be 'dlib' or a path to an ArcFace .onnx file, got {model!r}"
    )
