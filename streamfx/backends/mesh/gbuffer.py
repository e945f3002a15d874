"""Render a lifted face mesh into a G-buffer: textured image, opacity, depth, normals, uv.

The geometry is rasterised at a working resolution (``work``, e.g. 256) and the per-pixel
texture coordinates are upsampled (bilinear: exact for a piecewise-affine map away from the
silhouette) to the output size, where the frame is sampled once with ``cv2.remap``.
Pixels the mesh does not cover take ``background`` (a 2x3 affine output -> frame pixels, e.g.
``face.from_crop``), so the output is the plain crop there and alpha is 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np

from streamfx.backends.mesh.lift import FLIP, LiftedMesh
from streamfx.backends.mesh.raster import (
    Raster,
    interpolate_planes,
    rasterize,
    vertex_normals,
)
from streamfx.backends.mesh.topology import CONTOURS, load_topology

#: Depth written where no surface is (EG3D-like units, far behind any head).
FAR = 10.0
#: Facing range (|n_z|) over which the opacity fades in at grazing angles.
GRAZING = (0.12, 0.42)
#: The grazing fade applies fully up to GRAZING_RINGS[0] edges from the mesh border and not at
#: all from GRAZING_RINGS[1] on (the silhouette of a turned head is near the border; the steep
#: underside of the nose is not and must stay opaque).
GRAZING_RINGS = (4, 7)


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
    box: (x0, y0, x1, y1) output pixels outside which alpha is 0 (the whole image if unknown).
    full_size, full_work_size: output and working (h, w) of the whole crop, and origin: (x, y)
        of this buffer in it (a ``crop`` of a G-buffer is a region of a larger one).

    ``normals`` and ``surface_uv`` may be given as ``lazy`` instead: name -> a function that
    makes the map on first read (a style that does not read them does not pay for them).
    """

    def __init__(
        self,
        image: np.ndarray,
        alpha: np.ndarray,
        normals: np.ndarray | None = None,
        depth: np.ndarray | None = None,
        surface_uv: np.ndarray | None = None,
        mask: np.ndarray | None = None,
        contours: dict[str, np.ndarray] | None = None,
        scale: float = 1.0,
        uvmap: np.ndarray | None = None,
        box: tuple[int, int, int, int] | None = None,
        lazy: dict[str, Callable[[], np.ndarray]] | None = None,
        full_size: tuple[int, int] | None = None,
        full_work_size: tuple[int, int] | None = None,
        origin: tuple[int, int] = (0, 0),
    ) -> None:
        self.image, self.alpha, self.depth, self.mask = image, alpha, depth, mask
        self.contours = contours if contours is not None else {}
        self.scale, self.uvmap = scale, uvmap
        self.box = box if box is not None else (0, 0, image.shape[1], image.shape[0])
        self._maps = {"normals": normals, "surface_uv": surface_uv}
        self._lazy = dict(lazy or {})
        self.full_size = full_size or (int(image.shape[0]), int(image.shape[1]))
        self.full_work_size = full_work_size or (int(mask.shape[0]), int(mask.shape[1]))
        self.origin = origin

    def _map(self, name: str) -> np.ndarray:
        value = self._maps[name]
        if value is None and name in self._lazy:
            value = self._maps[name] = self._lazy.pop(name)()
        return value

    def made(self, name: str) -> bool:
        """Whether map ``name`` ("normals", "surface_uv") exists yet (a lazy one once read)."""
        return self._maps[name] is not None

    @property
    def normals(self) -> np.ndarray:
        return self._map("normals")

    @property
    def surface_uv(self) -> np.ndarray:
        return self._map("surface_uv")

    @property
    def size(self) -> tuple[int, int]:
        """Output (h, w)."""
        return int(self.image.shape[0]), int(self.image.shape[1])

    @property
    def work_size(self) -> tuple[int, int]:
        """Working (h, w) of the geometry maps."""
        return int(self.mask.shape[0]), int(self.mask.shape[1])

    def style_region(self, margin: int) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) output pixels: ``box`` grown by ``margin`` working pixels and
        snapped outward to where output and working pixel edges meet, so that the working
        maps of the region are exactly the region's share of the whole buffer's."""
        (h, w), (wh, ww) = self.size, self.work_size
        if self.origin != (0, 0):
            return 0, 0, w, h
        step_y, step_x = h // math.gcd(h, wh), w // math.gcd(w, ww)
        x0, y0, x1, y1 = self.box
        if x1 <= x0 or y1 <= y0:
            return 0, 0, w, h
        my, mx = math.ceil(margin * h / wh), math.ceil(margin * w / ww)
        x0, y0 = max(x0 - mx, 0) // step_x * step_x, max(y0 - my, 0) // step_y * step_y
        x1 = min(-(-(x1 + mx) // step_x) * step_x, w)
        y1 = min(-(-(y1 + my) // step_y) * step_y, h)
        return x0, y0, x1, y1

    def crop(self, x0: int, y0: int, x1: int, y1: int) -> GBuffer:
        """The G-buffer of output region (x0, y0, x1, y1) (from ``style_region``): views of
        its maps, contours in its pixels; ``full_size``/``full_work_size``/``origin`` say
        where it sits, so an effect run on it gives the whole buffer's pixels there."""
        (h, w), (wh, ww) = self.size, self.work_size
        if (x0, y0, x1, y1) == (0, 0, w, h):
            return self
        wx0, wx1, wy0, wy1 = x0 * ww // w, x1 * ww // w, y0 * wh // h, y1 * wh // h
        ys, xs, wys, wxs = slice(y0, y1), slice(x0, x1), slice(wy0, wy1), slice(wx0, wx1)
        shift = np.array([x0, y0], np.float32)
        bx0, by0, bx1, by1 = self.box
        return GBuffer(
            image=self.image[ys, xs],
            alpha=self.alpha[ys, xs],
            depth=None if self.depth is None else self.depth[wys, wxs],
            mask=self.mask[wys, wxs],
            contours={k: c - shift for k, c in self.contours.items()},
            scale=self.scale,
            box=(bx0 - x0, by0 - y0, bx1 - x0, by1 - y0),
            lazy={
                "normals": lambda: self.normals[wys, wxs],
                "surface_uv": lambda: self.surface_uv[wys, wxs],
            },
            full_size=self.full_size,
            full_work_size=self.full_work_size,
            origin=(self.origin[0] + x0, self.origin[1] + y0),
        )


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
    return render_gbuffers([mesh], texture, [size], [work], [background], [base])[0]


def render_gbuffers(
    meshes: list[LiftedMesh],
    texture: np.ndarray,
    sizes: list[tuple[int, int]],
    works: list[int],
    backgrounds: list[np.ndarray | None],
    bases: list[np.ndarray | None],
    normals: list[bool] | None = None,
) -> list[GBuffer]:
    """:func:`render_gbuffer` for several meshes on one texture (the faces of one frame), each
    at its own output size. ``normals[i]``: make mesh i's normal map now, in the same gather
    as the other attributes (for a style known to read it), instead of on first read.

    The per-vertex attributes of all meshes are made at once and the per-pixel interpolation
    of every mesh's raster is one gather over their concatenated pixels; each mesh's result is
    exactly what :func:`render_gbuffer` gives it alone (same operations per pixel).
    """
    if not meshes:
        return []
    topo = load_topology()
    n_v, n_t = len(topo.canonical), len(topo.triangles)
    fs, shapes, rasters, attrs = [], [], [], []
    for i, (mesh, (h, w), work) in enumerate(zip(meshes, sizes, works, strict=True)):
        f = work / max(h, w)
        shape = (max(1, round(h * f)), max(1, round(w * f)))
        v = mesh.verts.astype(np.float64)
        vw = np.empty_like(v)
        vw[:, :2] = (v[:, :2] + 0.5) * f - 0.5  # pixel centres stay aligned
        vw[:, 2] = v[:, 2] * f
        rasters.append(rasterize(vw, topo.triangles, shape, cull=False))  # folds stay covered
        fs.append(f)
        shapes.append(shape)
        attrs.append(_eager_attributes(mesh, bool(normals and normals[i])))
    # eager columns: uv 0:2, opacity 2, depth 3, with alt views uv_alt 4:6, alt_weight 6, and
    # when asked for, the normals last
    width = max(a.shape[1] for a in attrs)
    attr = np.zeros((n_v * len(meshes), width), np.float32)
    for i, a in enumerate(attrs):
        attr[i * n_v : (i + 1) * n_v, : a.shape[1]] = a
    counts = [len(r.ys) for r in rasters]
    vals_all = interpolate_planes(
        np.concatenate([r.triangles + i * n_v for i, r in enumerate(rasters)]),
        np.concatenate([r.inv for r in rasters]),
        np.concatenate([r.tid + i * n_t for i, r in enumerate(rasters)]),
        np.concatenate([r.xs for r in rasters]),
        np.concatenate([r.ys for r in rasters]),
        attr,
    )
    out = []
    splits = np.cumsum([0, *counts])
    for i, mesh in enumerate(meshes):
        vals = vals_all[splits[i] : splits[i + 1], : attrs[i].shape[1]]
        r, bg, base = rasters[i], backgrounds[i], bases[i]
        eager = bool(normals and normals[i])
        out.append(_finish(mesh, texture, sizes[i], fs[i], shapes[i], r, vals, bg, base, eager))
    return out


def _eager_attributes(mesh: LiftedMesh, normals: bool = False) -> np.ndarray:
    """float32 [468,C] the attributes every style reads: uv 0:2, opacity 2, depth 3, and when
    the mesh has them uv_alt 4:6, alt_weight 6; with ``normals``, the vertex normals in the
    last three columns."""
    v = mesh.verts
    depth = 2.7 + (v[:, 2:3].astype(np.float64) - mesh.pivot[2]) / (10.0 * mesh.scale)
    attr = [mesh.uv, vertex_opacity(mesh)[:, None], depth]
    if mesh.uv_alt is not None:
        weight = np.zeros(len(v), np.float32) if mesh.alt_weight is None else mesh.alt_weight
        attr += [mesh.uv_alt, weight[:, None]]
    if normals:
        attr.append(vertex_normals(mesh.verts, load_topology().triangles))
    return np.concatenate(attr, 1).astype(np.float32)


def _finish(
    mesh: LiftedMesh,
    texture: np.ndarray,
    size: tuple[int, int],
    f: float,
    work_size: tuple[int, int],
    r: Raster,
    vals: np.ndarray,
    background: np.ndarray | None,
    base: np.ndarray | None,
    eager_normals: bool = False,
) -> GBuffer:
    """One mesh's G-buffer from its raster and interpolated eager attributes (with
    ``eager_normals``, the normals are their last three columns and the map is made now)."""
    h, w = size
    wh, ww = work_size
    if background is None:
        background = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    alt = mesh.uv_alt is not None
    grid = _grid_map(_work_to_out(background, f), (wh, ww))
    uvmaps = [_with_surface(grid, r, vals[:, 0:2])]
    scalars = [r.scatter(np.clip(vals[:, 2], 0.0, 1.0))[..., 0]]
    if alt:
        uvmaps.append(_with_surface(grid, r, vals[:, 4:6]))
        scalars.append(r.scatter(np.clip(vals[:, 6], 0.0, 1.0))[..., 0])
    box = None
    if (wh, ww) == (h, w):
        images = [
            cv2.remap(texture, m, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            for m in uvmaps
        ]
    else:
        images, scalars, box = _sample_upsampled(
            texture, uvmaps, scalars, r, f, base, background, (h, w)
        )
    image = images[0]
    if alt:  # the mirror side's texture where the source view hid the surface
        wgt = np.ascontiguousarray(scalars[1])
        image = cv2.blendLinear(image, images[1], 1.0 - wgt, wgt)
    topo = load_topology()

    def normals() -> np.ndarray:
        if eager_normals:  # interpolated with the rest: the last three columns
            nrm = vals[:, -3:].copy()
        else:
            nrm = r.interpolate(vertex_normals(mesh.verts, topo.triangles))
        nrm /= np.maximum(np.linalg.norm(nrm, axis=1, keepdims=True), 1e-6)
        return r.scatter(nrm, 0.0)

    def surface_uv() -> np.ndarray:
        return r.scatter(r.interpolate(topo.uv), -1.0)

    return GBuffer(
        image=image,
        alpha=scalars[0],
        depth=r.scatter(vals[:, 3], FAR)[..., 0],
        mask=(r.tri_id >= 0).astype(np.float32),
        contours={k: mesh.verts[idx, :2].astype(np.float32) for k, idx in CONTOURS.items()},
        scale=float(mesh.scale),
        uvmap=uvmaps[0] if (wh, ww) == (h, w) else None,
        box=box,
        normals=normals() if eager_normals else None,
        lazy={"normals": normals, "surface_uv": surface_uv},
    )


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
    base: np.ndarray | None,
    background: np.ndarray,
    size: tuple[int, int],
) -> tuple[list[np.ndarray], list[np.ndarray], tuple[int, int, int, int]]:
    """Upsample working-size texture coordinates and scalar maps (alpha, ...) to the output
    size inside the box the mesh covers and sample the texture at each uv map there; ``base``
    (the background; None: warped here from ``texture`` by ``background``, outside the box
    only) elsewhere, scalars 0 outside the box; -> (images, scalars, the box (x0, y0, x1, y1)
    in output pixels)."""
    h, w = size
    outs = [np.zeros((h, w), np.float32) for _ in scalars]
    x0 = y0 = x1 = y1 = 0
    if len(r.xs):
        lo = np.array([r.xs.min(), r.ys.min()]) - 2
        hi = np.array([r.xs.max(), r.ys.max()]) + 2
        x0, y0 = np.maximum(np.floor((lo + 0.5) / f - 0.5).astype(int), 0)
        x1, y1 = np.minimum(np.ceil((hi + 0.5) / f - 0.5).astype(int) + 1, (w, h))
    if x1 <= x0 or y1 <= y0:
        x0 = y0 = x1 = y1 = 0
    if base is None:
        base = _warp_outside(texture, background, (h, w), (x0, y0, x1, y1))
    images = [base.copy() for _ in uvmaps]
    if x1 <= x0:
        return images, outs, (0, 0, 0, 0)
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
    return images, outs, (int(x0), int(y0), int(x1), int(y1))


def _warp_outside(
    texture: np.ndarray,
    background: np.ndarray,
    size: tuple[int, int],
    box: tuple[int, int, int, int],
) -> np.ndarray:
    """The ``background`` warp of ``texture`` at ``size`` (bilinear), made only outside
    ``box`` (x0, y0, x1, y1), which the caller fills (the mesh is sampled there)."""
    h, w = size
    x0, y0, x1, y1 = box
    out = np.empty((h, w, *texture.shape[2:]), texture.dtype)
    b = np.asarray(background, np.float64)
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    strips = ((0, 0, w, y0), (0, y1, w, h), (0, y0, x0, y1), (x1, y0, w, y1))
    if x1 <= x0 or y1 <= y0:
        strips = ((0, 0, w, h),)
    for sx0, sy0, sx1, sy1 in strips:
        if sx1 > sx0 and sy1 > sy0:
            m = b.copy()
            m[:, 2] += b[:, :2] @ np.array([sx0, sy0], np.float64)
            out[sy0:sy1, sx0:sx1] = cv2.warpAffine(
                texture, m, (int(sx1 - sx0), int(sy1 - sy0)), flags=flags
            ).reshape(sy1 - sy0, sx1 - sx0, *texture.shape[2:])
    return out


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
