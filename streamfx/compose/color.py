"""Colour matching of an edited face to the frame: mean/std transfer in CIE Lab (numpy + cv2)."""

from __future__ import annotations

import cv2
import numpy as np


def lab_stats(rgb: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean and std [3] of ``rgb`` (uint8 [h,w,3]) in Lab, weights float [h,w]."""
    lab = cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab).reshape(-1, 3)
    w = weight.reshape(-1, 1).astype(np.float32)
    total = float(w.sum())
    if total < 1e-6:
        return np.zeros(3, np.float32), np.ones(3, np.float32)
    mean = (lab * w).sum(axis=0) / total
    std = np.sqrt(((lab - mean) ** 2 * w).sum(axis=0) / total)
    return mean, np.maximum(std, 1e-3)


def match_colors(
    edit: np.ndarray,
    frame: np.ndarray,
    weight: np.ndarray,
    strength: float = 1.0,
) -> np.ndarray:
    """``edit`` (uint8 [h,w,3] RGB) recoloured so that its Lab mean/std under ``weight`` match
    ``frame``'s under the same weight; ``strength`` in [0,1] blends between none and full.
    """
    if strength <= 0.0:
        return edit
    m_e, s_e = lab_stats(edit, weight)
    m_f, s_f = lab_stats(frame, weight)
    gain = 1.0 + strength * (s_f / s_e - 1.0)
    shift = strength * (m_f - m_e)
    lab = cv2.cvtColor(edit.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    lab = (lab - m_e) * gain + m_e + shift
    rgb = cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)
    return np.clip(rgb * 255.0 + 0.5, 0, 255).astype(np.uint8)
