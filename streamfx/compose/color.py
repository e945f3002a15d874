"""Colour matching of an edited face to the frame: mean/std transfer in CIE Lab (numpy + cv2).

Statistics come from a 2x-subsampled grid in float Lab inside the face mask; the transfer itself
is applied in OpenCV's 8-bit Lab (L scaled to 0..255, a and b offset by 128), whose table-driven
conversions are ~5x faster than float Lab at the cost of about one grey level of rounding.
"""

from __future__ import annotations

import cv2
import numpy as np

#: float Lab -> OpenCV 8-bit Lab: L * 255/100, a + 128, b + 128.
_LAB8_SCALE = np.array([255.0 / 100.0, 1.0, 1.0], dtype=np.float32)
_LAB8_OFFSET = np.array([0.0, 128.0, 128.0], dtype=np.float32)


def lab_stats(rgb: np.ndarray, mask: np.ndarray, step: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std [3] (float Lab) of ``rgb`` (uint8 [h,w,3]) where ``mask`` [h,w] > 0.5.

    ``mask`` is uint8 (0/255) or float in [0,1]; only every ``step``-th row and column is read.
    """
    sub = np.ascontiguousarray(rgb[::step, ::step])
    lab = cv2.cvtColor(sub.astype(np.float32) * np.float32(1 / 255), cv2.COLOR_RGB2Lab)
    m = np.asarray(mask)[::step, ::step]
    m8 = (m > (127 if m.dtype == np.uint8 else 0.5)).astype(np.uint8)
    if not m8.any():
        return np.zeros(3, np.float32), np.ones(3, np.float32)
    mean, std = cv2.meanStdDev(lab, mask=m8)
    return mean.reshape(3).astype(np.float32), np.maximum(std.reshape(3), 1e-3).astype(np.float32)


def transfer_matrix(
    edit: np.ndarray, frame: np.ndarray, mask: np.ndarray, strength: float = 1.0
) -> np.ndarray:
    """The 8-bit-Lab affine [3,4] (per-channel gain and offset) that gives ``edit`` (uint8
    [h,w,3] RGB) ``frame``'s Lab mean/std inside ``mask``; ``strength`` in [0,1] scales it."""
    m_e, s_e = lab_stats(edit, mask)
    m_f, s_f = lab_stats(frame, mask)
    gain = 1.0 + strength * (s_f / s_e - 1.0)
    target = m_e + strength * (m_f - m_e)
    # per channel, in 8-bit Lab units: y = gain * x + (target8 - gain * mean8)
    m_e8 = m_e * _LAB8_SCALE + _LAB8_OFFSET
    t8 = target * _LAB8_SCALE + _LAB8_OFFSET
    mat = np.zeros((3, 4), dtype=np.float32)
    mat[[0, 1, 2], [0, 1, 2]] = gain
    mat[:, 3] = t8 - gain * m_e8
    return mat


def apply_transfer(edit: np.ndarray, mat: np.ndarray) -> np.ndarray:
    """``edit`` (uint8 [h,w,3] RGB) with the 8-bit-Lab affine ``mat`` [3,4] applied."""
    lab8 = cv2.cvtColor(np.ascontiguousarray(edit), cv2.COLOR_RGB2Lab)
    return cv2.cvtColor(cv2.transform(lab8, mat), cv2.COLOR_Lab2RGB)


def match_colors(
    edit: np.ndarray,
    frame: np.ndarray,
    mask: np.ndarray,
    strength: float = 1.0,
) -> np.ndarray:
    """``edit`` (uint8 [h,w,3] RGB) recoloured so that its Lab mean/std inside ``mask`` match
    ``frame``'s inside the same mask; ``strength`` in [0,1] blends between none and full.
    """
    if strength <= 0.0:
        return edit
    return apply_transfer(edit, transfer_matrix(edit, frame, mask, strength))
