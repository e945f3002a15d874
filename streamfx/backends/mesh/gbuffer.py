"""Render a lifted face mesh into a G-buffer: textured image, opacity, depth, normals, uv.

The geometry is rasterised at a working resolution (``work``, e.g. 256) and the per-pixel
texture coordinates are upsampled (bilinear: exact for a piecewise-affine map away from the
silhouette) to the output size, where the frame is sampled once with ``cv2.remap``.
Pixels the mesh does not cover take ``background`` (a 2x3 affine output -> frame pixels, e.g.
``face.from_crop``), so the output is the plain crop there and alpha is 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from streamfx.backends.mesh.lift import FLIP, LiftedMesh
from streamfx.backends.mesh.raster import Raster, rasterize, vertex_normals
from streamfx.backends.mesh.topology import CONTOURS, load_topology

#: Depth written where no surface is (EG3D-like units, far behind any head).
FAR = 10.0
#: Facing range (|n_z|) over which the opacity fades in at grazing angles.
GRAZING = (0.12, 0.42)
#: The grazing fade applies fully up to GRAZING_RINGS[0] edges from the mesh border and not at
#: all from GRAZING_RINGS[1] on (the silhouette of a turned head is near the border; the steep
#: underside of the nose is not and must stay opaque).
GRAZING_RINGS = (4, 7)


@dataclass
class GBuffer:
    """The rendered face, what styles work from.

    image: uint8 [H,W,3] the textured (unstyled) render at the output size.
    alpha: float32 [H,W] coverage in [0,1], fading to 0 at the mesh border.
    normals: float32 [h,w,3] unit normals in camera axes (x right, y down, z away; facing the
        camera means z < 0), zero where empty; h, w = the working size.
    depth: float32 [h,w] depth along the view axis, EG3D-like units (2.7 at the head centre,
        1 unit = the canonical face's 10 cm), ``FAR`` where empty.
    surface_uv: float32 [h,w,2] MediaPipe canonical texture coordinates (stick to the skin,
        for procedural textures), -1 where empty.
    mask: float32 [h,w] 1 where the mesh covers the pixel at the working size.
    contours: name -> float32 [k,2] feature polylines (eyes, brows, lips, nose) in output pixels.
    scale: output pixels per cm of the face.
    uvmap: float32 [H,W,2] the texture coordinates ``image`` was sampled at (texture pixels),
        kept only when the working size equals the output size (else None).
    """

    image: np.ndarray
    alpha: np.ndarray
    normals: np.ndarray
    depth: np.ndarray
    surface_uv: np.ndarray
    mask: np.ndarray
    contours: dict[str, np.ndarray] = field(default_factory=dict)
    scale: float = 1.0
    uvmap: np.ndarray | None = None

    @property
    def size(self) -> tuple[int, int]:
        """Output (h, w)."""
        return int(self.image.shape[0]), int(self.image.shape[1])

    @property
    def work_size(self) -> tuple[int, int]:
        """Working (h, w) of the geometry maps."""
        return int(self.mask.shape[0]), int(self.mask.shape[1])


def _grid_map(affine: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """float32 [h,w,2]: ``affine`` (2x3) applied to each pixel centre of an (h, w) image."""
    h, w = size
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    m = np.asarray(affine, np.float32)
    return np.stack(
        [m[0, 0] * xs + m[0, 1] * ys + m[0, 2], m[1, 0] * xs + m[1, 1] * ys + m[1, 2]], -1
    )


def grazing_fade(facing: np.ndarray, lo: float = GRAZING[0], hi: float = GRAZING[1]) -> np.ndarray:
    """Per-vertex factor [N] in [0,1] from ``facing`` (-n_z, 1 = toward the camera): 0 where the
    surface is seen edge-on (<= lo), 1 where it faces the camera (>= hi). Hides the texture
    streaks of steep, stretched triangles at the silhouette of a turned head."""
    t = np.clip((facing - lo) / (hi - lo), 0.0, 1.0)
    return (t * t * (3.0 - 2.0 * t)).astype(np.float32)


def vertex_opacity(mesh: LiftedMesh) -> np.ndarray:
    """Border opacity times the grazing fade near the border, float32 [468].

    Facing comes from the canonical face's normals turned by the fitted head rotation, not from
    the landmarks' own normals, which are noisy (a single flipped normal would punch a hole).
    """
    topo = load_topology()
    facing = -(topo.normals @ (mesh.rotation @ FLIP).T)[:, 2]
    lo, hi = GRAZING_RINGS
    near_border = np.clip((hi - topo.rings) / (hi - lo), 0.0, 1.0)
    return (mesh.opacity * (1.0 - near_border * (1.0 - grazing_fade(facing)))).astype(np.float32)


def texture_map(
    mesh: LiftedMesh, size: tuple[int, int], background: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Only the texture coordinates and opacity of ``mesh`` at ``size`` = (h, w) output pixels:
    (uvmap float32 [h,w,2] texture pixels, ``background`` affine where empty; alpha float32
    [h,w]). The cheap path for warping a whole image (the demo source)."""
    topo = load_topology()
    r = rasterize(mesh.verts, topo.triangles, size, cull=False)
    vals = r.interpolate(np.concatenate([mesh.uv, vertex_opacity(mesh)[:, None]], 1))
    if background is None:
        background = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    uvmap = _grid_map(background, size)
    uvmap[r.ys, r.xs] = vals[:, :2]
    return uvmap, r.scatter(np.clip(vals[:, 2], 0.0, 1.0))[..., 0]


def render_gbuffer(
    mesh: LiftedMesh,
    texture: np.ndarray,
    size: tuple[int, int] = (512, 512),
    work: int = 256,
    background: np.ndarray | None = None,
    base: np.ndarray | None = None,
) -> GBuffer:
    """Render ``mesh`` (vertices in output pixels) textured from ``texture`` (uint8 HxWx3).

    size: output (h, w); work: longer side of the geometry maps; background: 2x3 affine from
    output pixels to texture pixels used where the mesh is absent (None: identity);
    base: the output-size image of that background mapping when the caller has it (e.g.
    ``face.crop``), which saves a warp.
    """
    h, w = size
    f = work / max(h, w)
    wh, ww = max(1, round(h * f)), max(1, round(w * f))
    if background is None:
        background = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    r, vals = _rasterize_attributes(mesh, f, (wh, ww))
    alt = mesh.uv_alt is not None
    grid = _grid_map(_work_to_out(background, f), (wh, ww))
    uvmaps = [_with_surface(grid, r, vals[:, 0:2])]
    scalars = [r.scatter(np.clip(vals[:, 2], 0.0, 1.0))[..., 0]]
    if alt:
        uvmaps.append(_with_surface(grid, r, vals[:, 9:11]))
        scalars.append(r.scatter(np.clip(vals[:, 11], 0.0, 1.0))[..., 0])
    if (wh, ww) == (h, w):
        images = [
            cv2.remap(texture, m, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            for m in uvmaps
        ]
    else:
        if base is None:
            flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
            base = cv2.warpAffine(texture, np.asarray(background), (w, h), flags=flags)
        images, scalars = _sample_upsampled(texture, uvmaps, scalars, r, f, base)
    image = images[0]
    if alt:  # the mirror side's texture where the source view hid the surface
        wgt = np.ascontiguousarray(scalars[1])
        image = cv2.blendLinear(image, images[1], 1.0 - wgt, wgt)
    nrm = vals[:, 4:7] / np.maximum(np.linalg.norm(vals[:, 4:7], axis=1, keepdims=True), 1e-6)
    return GBuffer(
        image=image,
        alpha=scalars[0],
        normals=r.scatter(nrm, 0.0),
        depth=r.scatter(vals[:, 3], FAR)[..., 0],
        surface_uv=r.scatter(vals[:, 7:9], -1.0),
        mask=r.scatter(np.ones(len(r.ys), np.float32))[..., 0],
        contours={k: mesh.verts[idx, :2].astype(np.float32) for k, idx in CONTOURS.items()},
        scale=float(mesh.scale),
        uvmap=uvmaps[0] if (wh, ww) == (h, w) else None,
    )


def _rasterize_attributes(
    mesh: LiftedMesh, f: float, work_size: tuple[int, int]
) -> tuple[Raster, np.ndarray]:
    """Rasterise at the working size (``f`` working px per output px) and interpolate the
    vertex attributes; columns: uv 0:2, opacity 2, depth 3, normal 4:7, canonical uv 7:9, and
    when the mesh has them uv_alt 9:11, alt_weight 11."""
    topo = load_topology()
    v = mesh.verts.astype(np.float64)
    vw = np.empty_like(v)
    vw[:, :2] = (v[:, :2] + 0.5) * f - 0.5  # pixel centres stay aligned
    vw[:, 2] = v[:, 2] * f
    r = rasterize(vw, topo.triangles, work_size, cull=False)  # folds stay covered
    normals = vertex_normals(v, topo.triangles)
    depth = 2.7 + (v[:, 2:3] - mesh.pivot[2]) / (10.0 * mesh.scale)
    attr = [mesh.uv, vertex_opacity(mesh)[:, None], depth, normals, topo.uv]
    if mesh.uv_alt is not None:
        weight = np.zeros(len(v), np.float32) if mesh.alt_weight is None else mesh.alt_weight
        attr += [mesh.uv_alt, weight[:, None]]
    return r, r.interpolate(np.concatenate(attr, 1))


def _with_surface(grid: np.ndarray, r: Raster, uv: np.ndarray) -> np.ndarray:
    """A copy of the background ``grid`` map with the mesh's texture coordinates written in."""
    out = grid.copy()
    out[r.ys, r.xs] = uv
    return out


def _sample_upsampled(
    texture: np.ndarray,
    uvmaps: list[np.ndarray],
    scalars: list[np.ndarray],
    r: Raster,
    f: float,
    base: np.ndarray,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Upsample working-size texture coordinates and scalar maps (alpha, ...) to the output
    size inside the box the mesh covers and sample the texture at each uv map there; ``base``
    (the background) elsewhere, scalars 0 outside the box."""
    h, w = base.shape[:2]
    images = [base.copy() for _ in uvmaps]
    outs = [np.zeros((h, w), np.float32) for _ in scalars]
    if len(r.xs) == 0:
        return images, outs
    lo = np.array([r.xs.min(), r.ys.min()]) - 2
    hi = np.array([r.xs.max(), r.ys.max()]) + 2
    x0, y0 = np.maximum(np.floor((lo + 0.5) / f - 0.5).astype(int), 0)
    x1, y1 = np.minimum(np.ceil((hi + 0.5) / f - 0.5).astype(int) + 1, (w, h))
    if x1 <= x0 or y1 <= y0:
        return images, outs
    # output pixel (x0 + i, y0 + j) sits at working coordinate ((x0 + i + 0.5) f - 0.5, ...)
    m = np.array([[f, 0.0, (x0 + 0.5) * f - 0.5], [0.0, f, (y0 + 0.5) * f - 0.5]])
    box = (int(x1 - x0), int(y1 - y0))
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    for out, sc in zip(outs, scalars, strict=True):
        out[y0:y1, x0:x1] = cv2.warpAffine(sc, m, box, flags=flags)
    for img, uvmap in zip(images, uvmaps, strict=True):
        uv = cv2.warpAffine(uvmap, m, box, flags=flags, borderMode=cv2.BORDER_REPLICATE)
        img[y0:y1, x0:x1] = cv2.remap(
            texture, uv, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
    return images, outs


def _work_to_out(background: np.ndarray, f: float) -> np.ndarray:
    """Compose ``background`` (output px -> texture px) with working px -> output px."""
    m = np.asarray(background, np.float64)
    s = 1.0 / f
    off = 0.5 * s - 0.5
    return np.array(
        [
            [m[0, 0] * s, m[0, 1] * s, m[0, 0] * off + m[0, 1] * off + m[0, 2]],
            [m[1, 0] * s, m[1, 1] * s, m[1, 0] * off + m[1, 1] * off + m[1, 2]],
        ]
    )
