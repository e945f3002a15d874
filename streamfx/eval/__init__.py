"""Measured edit quality: identity, temporal stability, seams, pose fidelity, containment.

``evaluate(original, edited)`` walks two aligned clips (videos, images or folders of images)
frame by frame and, per face found in the original, measures:

- identity distance between face embeddings of the original and the edited face
  (``streamfx.eval.identity``: dlib's 128-d ResNet, or an ArcFace ONNX file);
- flicker and flow-warped error inside the face (``streamfx.eval.metrics``, ``streamfx.eval.flow``);
- the colour and gradient step along the composite mask border (``streamfx.eval.seams``);
- head pose and landmarks re-detected on the edit against the original (``streamfx.eval.pose``);
- edit strength inside the face and change of the background (``streamfx.eval.metrics``).

``streamfx.eval.report.write_report`` turns the result into ``metrics.json``, PNG plots, a
contact sheet of the worst frames and a self-contained ``report.html``. The command
(``EvalCommand``/``run``) lives in ``streamfx.eval.cli``. The optional dependencies are the
``streamfx[eval]`` extra (dlib-bin, face-recognition-models, matplotlib).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from streamfx.eval.runner import EvalOptions, EvalResult, evaluate

__all__ = ["EvalOptions", "EvalResult", "evaluate"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from streamfx.eval import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'streamfx.eval' has no attribute {name!r}")
