"""The "reconnecting..." slate shown while a lost camera is being reopened."""

from __future__ import annotations

import numpy as np


def make_slate(
    base: np.ndarray | None, width: int, height: int, text: str = "reconnecting..."
) -> np.ndarray:
    """uint8 [height,width,3] RGB: ``base`` (the last good frame) darkened, or black, with
    ``text`` centred on it."""
    import cv2

    if base is not None and base.shape[:2] == (height, width):
        image = (base.astype(np.uint16) * 3 // 10).astype(np.uint8)
    else:
        image = np.zeros((height, width, 3), np.uint8)
    scale = max(0.5, min(width, height) / 480.0)
    thick = max(1, int(round(scale * 2)))
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    org = (max(0, (width - tw) // 2), (height + th) // 2)
    cv2.putText(
        image, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick, cv2.LINE_AA
    )
    return image
