"""Mesh-editor styles: effects that restyle the rendered face using its G-buffer.

Each effect is ``fn(g: GBuffer, **params) -> uint8 [H,W,3]`` and only has to look right where
``g.alpha > 0``: the compositor blends the result back with that opacity, so the edit stays on
the face. Expensive filters run at the working size of the G-buffer (e.g. 256 px), cheap ones at
the output size. Effects that use ``g.normals`` or ``g.surface_uv`` are 3-D aware: the shading
follows the head pose and procedural textures stick to the skin as the head turns.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import cv2
import numpy as np

from streamfx.backends.mesh.gbuffer import GBuffer
from streamfx.errors import ConfigError

StyleFn = Callable[..., np.ndarray]


@dataclass(frozen=True)
class Effect:
    """A registered effect: its function, default parameters and a one-line description."""

    fn: StyleFn
    defaults: dict[str, Any] = field(default_factory=dict)
    description: str = ""


EFFECTS: dict[str, Effect] = {}


def effect(name: str, description: str, **defaults: Any) -> Callable[[StyleFn], StyleFn]:
    """Register ``fn`` as effect ``name`` with default parameters."""

    def deco(fn: StyleFn) -> StyleFn:
        EFFECTS[name] = Effect(fn, dict(defaults), description)
        return fn

    return deco


def effect_names() -> list[str]:
    """Names of the registered effects."""
    return sorted(EFFECTS)


def get_effect(name: str) -> Effect:
    """The effect called ``name``; unknown names list the available ones."""
    if name not in EFFECTS:
        raise ConfigError(f"unknown mesh effect {name!r}; available: {', '.join(effect_names())}")
    return EFFECTS[name]


def apply_effect(name: str, g: GBuffer, params: dict[str, Any] | None = None) -> np.ndarray:
    """Run effect ``name`` on ``g`` with its defaults updated by ``params``; uint8 [H,W,3]."""
    eff = get_effect(name)
    unknown = set(params or {}) - set(eff.defaults)
    if unknown:
        raise ConfigError(
            f"unknown parameter(s) {sorted(unknown)} for mesh effect {name!r}; "
            f"expected some of {sorted(eff.defaults)}"
        )
    return eff.fn(g, **{**eff.defaults, **(params or {})})


#: Working pixels around the face box that a boxed effect still computes: more than the
#: reach of any effect's filters there (Gaussian kernels up to 3 sigma, sigma <= 5 working px
#: at the default max_work 256; bilateral 7 px; resizes 2 px), so its pixels where the face is
#: are those of the whole crop.
BOX_MARGIN = 16


def apply_effect_boxed(name: str, g: GBuffer, params: dict[str, Any] | None = None) -> np.ndarray:
    """:func:`apply_effect` computed only where the face is: on ``g.style_region`` (the face
    box plus ``BOX_MARGIN`` working pixels, more for larger working sizes), the unstyled render
    elsewhere (alpha is 0 there). Where alpha > 0 the pixels equal ``apply_effect``'s up to the
    rounding of anti-aliased feature lines (a few grey levels on a few pixels)."""
    margin = max(BOX_MARGIN, math.ceil(g.work_size[0] / 16))
    x0, y0, x1, y1 = g.style_region(margin)
    if (x0, y0, x1, y1) == (0, 0, g.size[1], g.size[0]):
        return apply_effect(name, g, params)
    out = g.image.copy()
    out[y0:y1, x0:x1] = apply_effect(name, g.crop(x0, y0, x1, y1), params)
    return out


# ---------------------------------------------------------------------------- helpers


def _small(g: GBuffer, img: np.ndarray) -> np.ndarray:
    """Resize an output-size image to the working size."""
    h, w = g.work_size
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)


def _big(g: GBuffer, img: np.ndarray) -> np.ndarray:
    """Resize a working-size map to the output size."""
    h, w = g.size
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)


def _face_box(g: GBuffer, margin: int = 6) -> tuple[slice, slice]:
    """Working-size slices around the pixels the mesh covers (the whole map if none)."""
    rows = np.flatnonzero(g.mask.any(1))
    cols = np.flatnonzero(g.mask.any(0))
    if len(rows) == 0:
        return slice(None), slice(None)
    h, w = g.work_size
    return (
        slice(max(rows[0] - margin, 0), min(rows[-1] + margin + 1, h)),
        slice(max(cols[0] - margin, 0), min(cols[-1] + margin + 1, w)),
    )


def _lambert(g: GBuffer, light: tuple[float, float, float]) -> np.ndarray:
    """max(0, n . l) at the working size, float32 [h,w] (light points from the surface)."""
    lv = np.asarray(light, np.float32)
    lv = lv / np.linalg.norm(lv)
    return np.clip(g.normals @ lv, 0.0, 1.0)


def _specular(g: GBuffer, light: tuple[float, float, float], power: float) -> np.ndarray:
    """Blinn-Phong specular term, viewer along -z, float32 [h,w]."""
    lv = np.asarray(light, np.float32)
    lv = lv / np.linalg.norm(lv)
    hv = lv + np.array([0.0, 0.0, -1.0], np.float32)
    hv = hv / np.linalg.norm(hv)
    return np.clip(g.normals @ hv, 0.0, 1.0) ** power * g.mask


def _luma(img: np.ndarray) -> np.ndarray:
    """float32 luminance in [0,1]."""
    return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0


def _draw_contours(
    img: np.ndarray, g: GBuffer, color: tuple[int, ...], width: float, names: tuple[str, ...]
) -> None:
    """Anti-aliased feature lines (eyes, brows, lips, nose) drawn in place."""
    t = max(1, round(width * g.scale / 9.0))
    pts = [np.round(g.contours[n] * 16).astype(np.int32) for n in names if n in g.contours]
    cv2.polylines(img, pts, False, color, t, cv2.LINE_AA, 4)


def _soft_posterize(x: np.ndarray, levels: int, softness: float = 0.15) -> np.ndarray:
    """Quantise 0..255 values to ``levels`` bands with smooth steps ``softness`` of a band wide,
    so camera noise near a band edge does not make pixels pop between bands (flicker)."""
    step = 255.0 / max(int(levels), 2)
    q = x / step
    edge = np.round(q)  # nearest band edge; bands map to their centres
    t = np.clip((q - edge) / softness + 0.5, 0.0, 1.0)
    return np.clip((edge - 0.5 + t * t * (3.0 - 2.0 * t)) * step, 0.0, 255.0)


def _to_u8(x: np.ndarray) -> np.ndarray:
    return np.clip(x * 255.0 + 0.5, 0, 255).astype(np.uint8)


FEATURES = ("lips_outer", "left_eye", "right_eye", "left_brow", "right_brow", "nose")


# ---------------------------------------------------------------------------- effects


@effect("identity", "the face as the camera sees it (re-rendered through the mesh)")
def identity(g: GBuffer) -> np.ndarray:
    """The unstyled render."""
    return g.image


@effect(
    "cartoon",
    "flat cel-shaded colours with ink outlines",
    passes=2,
    levels=5,
    saturation=1.35,
    line_strength=0.85,
    line_width=1.0,
)
def cartoon(
    g: GBuffer,
    passes: int,
    levels: int,
    saturation: float,
    line_strength: float,
    line_width: float,
) -> np.ndarray:
    """Edge-preserving flattening (bilateral at the working size), posterised light, ink lines
    from a difference of Gaussians plus the mesh's feature contours."""
    small = _small(g, g.image)
    box = _face_box(g)
    face = small[box]
    for _ in range(int(passes)):  # only the face box: the rest is transparent anyway
        face = cv2.bilateralFilter(face, 7, 45, 5)
    small[box] = face
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.float32)
    lab[..., 0] = _soft_posterize(lab[..., 0], levels)
    lab[..., 1:] = (lab[..., 1:] - 128.0) * saturation + 128.0
    flat = cv2.cvtColor(np.clip(lab, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB)
    gray = _luma(small)
    dog = cv2.GaussianBlur(gray, (0, 0), 1.0) - cv2.GaussianBlur(gray, (0, 0), 2.0)
    keep = _to_u8(1.0 - np.clip(-dog * 30.0 - 0.1, 0.0, 1.0) * line_strength)
    flat = cv2.multiply(flat, cv2.merge([keep, keep, keep]), scale=1.0 / 255.0)
    out = _big(g, flat)
    brows = [np.round(g.contours[n] * 16).astype(np.int32) for n in ("left_brow", "right_brow")]
    cv2.fillPoly(out, brows, (70, 45, 32), cv2.LINE_AA, 4)
    _draw_contours(out, g, (40, 22, 18), line_width, FEATURES)
    return out


#: Narrowest hatching period (output pixels): finer stripes would alias into bands.
MIN_HATCH_PERIOD = 3.0


@lru_cache(maxsize=8)
def _hatch(h: int, w: int, period: float) -> np.ndarray:
    """Diagonal hatching pattern, uint8 [h,w] in 0..255 (255 on a stroke), its stroke edges
    anti-aliased over about a pixel."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    k = 2 * np.pi / period
    wave = np.sin((xx + yy) * k)
    # about one pixel of ramp: the wave changes by at most k * sqrt(2) per pixel along x + y
    cover = np.clip((wave - 0.4) / (k * np.sqrt(2.0)) + 0.5, 0.0, 1.0)
    return (cover * 255.0 + 0.5).astype(np.uint8)


def _hatch_at(g: GBuffer, period: float) -> np.ndarray:
    """The hatching of the whole crop (``period`` in pixels of a 512 crop, at least
    ``MIN_HATCH_PERIOD`` output pixels), at ``g``'s place in it."""
    (h, w), (x0, y0) = g.size, g.origin
    p = max(period * g.full_size[0] / 512.0, MIN_HATCH_PERIOD)
    return _hatch(*g.full_size, p)[y0 : y0 + h, x0 : x0 + w]


@lru_cache(maxsize=8)
def _paper_lut(paper: tuple[int, int, int], gamma: float) -> np.ndarray:
    """uint8 [1,256,3]: tone -> graphite-to-paper colour."""
    ramp = np.linspace(0.0, 1.0, 256)[:, None]
    lut = 46.0 + (np.asarray(paper, np.float64)[None] - 46.0) * ramp**gamma
    return lut.astype(np.uint8)[None]


@effect(
    "sketch",
    "graphite pencil drawing on warm paper, hatched from the 3-D shading",
    blur=10.0,
    hatch=0.3,
    gamma=2.6,
    paper=(246, 240, 228),
)
def sketch(
    g: GBuffer, blur: float, hatch: float, gamma: float, paper: tuple[int, int, int]
) -> np.ndarray:
    """Colour-dodge pencil sketch (the blur runs at the working size) plus diagonal hatching
    where the mesh faces away from the light; feature contours in graphite."""
    gray = cv2.cvtColor(g.image, cv2.COLOR_RGB2GRAY)
    inv_small = 255 - _small(g, gray)
    blurred = _big(g, cv2.GaussianBlur(inv_small, (0, 0), blur * g.full_work_size[0] / 512.0))
    dodge = cv2.divide(gray, 255 - blurred, scale=256.0)
    shade = np.clip((0.7 - _lambert(g, (-0.5, -0.6, -0.65))) * 2.5, 0.0, 1.0) * g.mask
    dark = cv2.multiply(_big(g, _to_u8(shade * hatch)), _hatch_at(g, 5.0), scale=1.0 / 255.0)
    tone = cv2.subtract(dodge, dark)
    out = cv2.LUT(cv2.merge([tone, tone, tone]), _paper_lut(tuple(paper), float(gamma)))
    _draw_contours(out, g, (70, 66, 62), 0.6, FEATURES)
    return out


@effect(
    "bronze",
    "a polished bronze bust lit from the upper left",
    color=(0.72, 0.45, 0.2),
    shininess=24.0,
    detail=0.35,
)
def bronze(
    g: GBuffer, color: tuple[float, float, float], shininess: float, detail: float
) -> np.ndarray:
    """Metal shading from the mesh normals (key + rim light, Blinn-Phong highlights), with a
    little of the photo's fine detail engraved in."""
    key, rim = (-0.6, -0.7, -0.5), (0.9, -0.2, 0.3)
    diff = 0.18 + 0.9 * _lambert(g, key) + 0.35 * _lambert(g, rim)
    spec = _specular(g, key, shininess) + 0.5 * _specular(g, rim, shininess)
    base = np.asarray(color, np.float32)
    col = diff[..., None] * base + spec[..., None] * np.array([1.0, 0.85, 0.6], np.float32)
    return _with_detail(g, _big(g, _to_u8(col)), detail)


def _with_detail(g: GBuffer, img: np.ndarray, amount: float) -> np.ndarray:
    """Engrave the photo's fine detail (luminance high-pass) into ``img`` (uint8 [H,W,3])."""
    gray = cv2.cvtColor(g.image, cv2.COLOR_RGB2GRAY)
    low = cv2.GaussianBlur(gray, (0, 0), 3.0 * g.full_size[0] / 512.0)
    hp = cv2.subtract(gray, low, dtype=cv2.CV_16S)
    gain = cv2.convertScaleAbs(hp, alpha=amount * 4.0, beta=128.0)  # 128 = no change
    gain3 = cv2.merge([gain, gain, gain])
    return cv2.multiply(img, gain3, scale=1.0 / 128.0)


@lru_cache(maxsize=4)
def _vein_texture(size: int = 256, seed: int = 7) -> np.ndarray:
    """Procedural marble veins in canonical-uv space, float32 [size,size] in [0,1]."""
    rng = np.random.default_rng(seed)
    noise = np.zeros((size, size), np.float32)
    for octave, amp in ((4, 1.0), (8, 0.5), (16, 0.25), (32, 0.12)):
        n = rng.standard_normal((octave, octave)).astype(np.float32)
        noise += amp * cv2.resize(n, (size, size), interpolation=cv2.INTER_CUBIC)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    band = np.sin((xx * 2.0 + yy * 4.0 + noise * 0.8) * np.pi * 2.0)
    return np.clip(1.0 - np.abs(band) * 4.0, 0.0, 1.0) ** 1.5 + 0.15 * noise.clip(0, 1)


@effect(
    "marble",
    "a white marble statue with grey veins that stick to the skin",
    color=(0.97, 0.95, 0.91),
    veins=0.6,
    detail=0.15,
)
def marble(
    g: GBuffer, color: tuple[float, float, float], veins: float, detail: float
) -> np.ndarray:
    """Soft stone shading from the normals with veins sampled in surface (canonical uv) space."""
    tex = _vein_texture()
    uv = g.surface_uv * (tex.shape[0] - 1)
    v = cv2.remap(tex, uv[..., 0], uv[..., 1], cv2.INTER_LINEAR, borderValue=0.0)
    key = (-0.4, -0.6, -0.7)
    light = 0.38 + 0.55 * _lambert(g, key) + 0.2 * _lambert(g, (0.7, 0.2, -0.4))
    light = light + 0.2 * _specular(g, key, 8.0)
    vein_col = np.array([0.45, 0.47, 0.5], np.float32)
    albedo = np.asarray(color, np.float32) + (vein_col - color) * (veins * v[..., None])
    return _with_detail(g, _big(g, _to_u8(albedo * light[..., None])), detail)


@effect(
    "neon",
    "glowing neon outlines and rim light on a dark face",
    dark=0.18,
    glow=6.0,
    colors=((0, 255, 240), (255, 40, 200)),
)
def neon(g: GBuffer, dark: float, glow: float, colors: tuple[tuple[int, ...], ...]) -> np.ndarray:
    """Dark tinted face, bright feature lines with a blurred glow, fresnel rim light from the
    normals (3-D: the rim follows the silhouette as the head turns)."""
    c1, c2 = (np.asarray(c, np.float32) / 255.0 for c in colors[:2])
    small = _small(g, g.image)
    base = small.mean(2, keepdims=True, dtype=np.float32) / 255.0 * dark
    rim = (1.0 - np.abs(g.normals[..., 2])) ** 2.5 * g.mask
    gray = _luma(small)
    dog = cv2.GaussianBlur(gray, (0, 0), 1.5) - cv2.GaussianBlur(gray, (0, 0), 3.0)
    edges = np.clip(-dog * 25.0 - 0.5, 0.0, 1.0) * 255.0  # soft dark-line edges: no flicker
    glow_src = np.zeros(g.work_size, np.float32)
    f = g.full_work_size[0] / g.full_size[0]
    pts = [np.round(g.contours[n] * f * 16).astype(np.int32) for n in FEATURES]
    cv2.polylines(glow_src, pts, False, 1.0, 2, cv2.LINE_AA, 4)
    halo = cv2.GaussianBlur(glow_src, (0, 0), glow * g.full_work_size[0] / 512.0)
    col = (
        base * np.array([0.5, 0.6, 1.0], np.float32)
        + rim[..., None] * c2
        + (edges[..., None] / 255.0 * 0.6) * c2
        + (2.5 * halo)[..., None] * c1
    )
    out = _big(g, _to_u8(col))
    _draw_contours(out, g, tuple(int(x) for x in (c1 * 255)), 1.0, FEATURES)
    return out


@effect(
    "golden",
    "a warm golden-hour colour grade with a soft key light from the side",
    warmth=0.7,
    saturation=1.3,
    contrast=1.15,
    light=0.45,
)
def golden(
    g: GBuffer, warmth: float, saturation: float, contrast: float, light: float
) -> np.ndarray:
    """Film-like grade (warm highlights, teal-leaning shadows, more saturation and contrast) and
    a warm key light shaded from the mesh normals. Computed at the working size and applied to
    the full-size image as an upsampled difference, so fine detail is kept."""
    small = _small(g, g.image)
    img = small.astype(np.float32) / 255.0
    lum = img.mean(2, keepdims=True)
    img = lum + (img - lum) * saturation
    img = (img - 0.5) * contrast + 0.5
    warm = np.array([1.0, 0.55, -0.35], np.float32) * warmth * 0.25
    teal = np.array([-0.25, 0.05, 0.2], np.float32) * warmth * 0.25
    img = img + warm * lum + teal * (1.0 - lum) * 0.5
    key = _lambert(g, (0.75, -0.35, -0.55)) * g.mask
    img = img * (1.0 - light * 0.5 + light * key[..., None] * np.array([1.1, 0.85, 0.55]))
    diff = (np.clip(img, 0.0, 1.0) * 255.0 - small).astype(np.float32)
    return cv2.add(g.image, _big(g, diff), dtype=cv2.CV_8U)
