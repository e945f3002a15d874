"""A small vectorised CPU rasteriser for triangle meshes (numpy + OpenCV, no OpenGL).

Visibility: back-face culling plus the painter's algorithm (triangles drawn far to near with
``cv2.fillConvexPoly`` into an int32 id buffer, sub-pixel vertex precision). For a face mesh,
whose triangles are small and whose surface is a single height field seen from the front, this
matches a z-buffer except on a few pixels along self-occlusion edges (nose at large yaw).

Shading attributes are interpolated per pixel with barycentric weights (values clamped to
the triangle's range); texture sampling is then a piecewise-affine warp done by ``cv2.remap`` on the
interpolated texture coordinates.
Pixel centres are at integer coordinates (OpenCV's convention).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

SUBPIXEL_BITS = 4


@dataclass
class Raster:
    """Visibility of one mesh in an image of ``size`` = (h, w).

    tri_id: int32 [h,w] index of the visible triangle per pixel, -1 where empty.
    ys, xs: int [n] coordinates of the covered pixels; tid: int [n] their triangle ids.
    inv: float32 [T,3,3] per-triangle inverse of [[x0,x1,x2],[y0,y1,y2],[1,1,1]] (barycentrics).
    triangles: int [T,3] the mesh triangles.
    """

    tri_id: np.ndarray
    ys: np.ndarray
    xs: np.ndarray
    tid: np.ndarray
    inv: np.ndarray
    triangles: np.ndarray
    _flat: np.ndarray | None = field(default=None, repr=False, compare=False)  # ys * w + xs

    @property
    def size(self) -> tuple[int, int]:
        """(h, w)."""
        return int(self.tri_id.shape[0]), int(self.tri_id.shape[1])

    def interpolate(self, attr: np.ndarray) -> np.ndarray:
        """Per-vertex attributes [N,C] -> values at the covered pixels [n,C] (float32).

        Barycentric interpolation done as one affine plane per triangle and channel; each
        value is clamped to its triangle's range of that channel, so a pixel the fill rule gave
        to a sliver triangle cannot extrapolate far (a texture lookup across the face).
        """
        return interpolate_planes(self.triangles, self.inv, self.tid, self.xs, self.ys, attr)

    def scatter(self, values: np.ndarray, fill: float | np.ndarray = 0.0) -> np.ndarray:
        """Covered-pixel values [n,C] -> image [h,w,C] (float32), ``fill`` elsewhere."""
        v = np.asarray(values, np.float32)
        v = v[:, None] if v.ndim == 1 else v
        h, w = self.size
        out = np.empty((h * w, v.shape[1]), np.float32)
        out[...] = fill
        if self._flat is None:
            self._flat = self.ys * w + self.xs
        out[self._flat] = v
        return out.reshape(h, w, v.shape[1])


def interpolate_planes(
    triangles: np.ndarray,
    inv: np.ndarray,
    tid: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    attr: np.ndarray,
) -> np.ndarray:
    """:meth:`Raster.interpolate` on raw arrays (several rasters' pixels at once when their
    triangles, inverses and triangle ids are concatenated with offsets): per triangle, the
    plane of each channel and the channel's range [T,5,C], gathered once per pixel."""
    a = np.asarray(attr, np.float32)
    a = a[:, None] if a.ndim == 1 else a
    corners = a[triangles]  # [T,3,C]
    p = np.empty((len(corners), 5, a.shape[1]), np.float32)
    p[:, :3] = np.einsum("tkc,tkj->tjc", corners, inv)  # x, y, 1 coefficients
    c0, c1, c2 = corners[:, 0], corners[:, 1], corners[:, 2]
    np.minimum(np.minimum(c0, c1, out=p[:, 3]), c2, out=p[:, 3])
    np.maximum(np.maximum(c0, c1, out=p[:, 4]), c2, out=p[:, 4])
    m = np.take(p, tid, axis=0)  # [n,5,C]
    vals = m[:, 0] * xs.astype(np.float32)[:, None]
    vals += m[:, 1] * ys.astype(np.float32)[:, None]
    vals += m[:, 2]
    np.maximum(vals, m[:, 3], out=vals)
    np.minimum(vals, m[:, 4], out=vals)
    return vals


def signed_areas(xy: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """Twice the signed area of each triangle [T] in image axes (y down: < 0 is front-facing
    for meshes wound counter-clockwise in a y-up frame)."""
    p = xy[triangles]
    e1, e2 = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
    return e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]


def rasterize(
    verts: np.ndarray, triangles: np.ndarray, size: tuple[int, int], cull: bool = True
) -> Raster:
    """Rasterise ``verts`` [N,3] (x, y pixels, z away from the camera) into (h, w).

    With ``cull``, triangles that face away (see :func:`signed_areas`) are dropped.
    """
    h, w = size
    v = np.asarray(verts, np.float64)
    tris = np.asarray(triangles)
    p = v[tris]  # [T,3,3]
    e1, e2 = p[:, 1, :2] - p[:, 0, :2], p[:, 2, :2] - p[:, 0, :2]
    area = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]  # = signed_areas
    keep = area < -1e-6 if cull else np.abs(area) > 1e-6
    a, b, c = p[:, 0], p[:, 1], p[:, 2]
    lo, hi = np.minimum(np.minimum(a, b), c), np.maximum(np.maximum(a, b), c)
    keep &= (hi[:, 0] >= -1) & (hi[:, 1] >= -1) & (lo[:, 0] <= w) & (lo[:, 1] <= h)
    depth = (a[:, 2] + b[:, 2] + c[:, 2]) / 3.0
    # far to near, so nearer triangles overwrite farther ones
    order = np.flatnonzero(keep)[np.argsort(-depth[keep], kind="stable")]
    pts = np.round(p[order, :, :2] * (1 << SUBPIXEL_BITS)).astype(np.int32)
    buf = np.full((h, w), -1, np.int32)
    fill = cv2.fillConvexPoly
    for poly, i in zip(pts, order.tolist(), strict=True):  # ~1.5 us per triangle
        fill(buf, poly, i, cv2.LINE_8, SUBPIXEL_BITS)
    _fill_cracks(buf)
    ys, xs = np.nonzero(buf >= 0)
    inv = barycentric_inverse(v[:, :2], tris)
    return Raster(buf, ys, xs, buf[ys, xs], inv, tris)


def _fill_cracks(buf: np.ndarray) -> None:
    """Give one-pixel gaps between covered pixels (left/right or above/below) the triangle of
    their neighbour, in place: the fill rule can leave them along shared sliver edges."""
    empty = buf[1:-1, 1:-1] < 0
    horiz = empty & (buf[1:-1, :-2] >= 0) & (buf[1:-1, 2:] >= 0)
    buf[1:-1, 1:-1][horiz] = buf[1:-1, :-2][horiz]
    vert = (buf[1:-1, 1:-1] < 0) & (buf[:-2, 1:-1] >= 0) & (buf[2:, 1:-1] >= 0)
    buf[1:-1, 1:-1][vert] = buf[:-2, 1:-1][vert]


def barycentric_inverse(xy: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """Per-triangle inverse of [[x0,x1,x2],[y0,y1,y2],[1,1,1]] (float32 [T,3,3], closed form;
    zero for degenerate triangles): barycentrics = inv @ (x, y, 1)."""
    p = np.asarray(xy, np.float64)[triangles]
    x0, x1, x2 = p[:, 0, 0], p[:, 1, 0], p[:, 2, 0]
    y0, y1, y2 = p[:, 0, 1], p[:, 1, 1], p[:, 2, 1]
    det = (y1 - y2) * (x0 - x2) + (x2 - x1) * (y0 - y2)
    ok = np.abs(det) > 1e-9
    r = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
    inv = np.empty((len(p), 3, 3))
    inv[:, 0] = np.stack([y1 - y2, x2 - x1, x1 * y2 - x2 * y1], 1)
    inv[:, 1] = np.stack([y2 - y0, x0 - x2, x2 * y0 - x0 * y2], 1)
    inv[:, 2] = np.stack([y0 - y1, x1 - x0, x0 * y1 - x1 * y0], 1)
    return (inv * r[:, None, None]).astype(np.float32)


def vertex_normals(verts: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """Unit per-vertex normals [N,3] (area-weighted), pointing toward the camera (z < 0)."""
    v = np.asarray(verts, np.float64)
    p = v[triangles]
    fn = np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
    n = np.zeros_like(v)
    idx = np.asarray(triangles).reshape(-1)
    for c in range(3):
        n[:, c] = np.bincount(idx, weights=np.repeat(fn[:, c], 3), minlength=len(v))
    if n[:, 2].sum() > 0:  # orient toward the camera
        n = -n
    norm = np.linalg.norm(n, axis=1, keepdims=True)
    return (n / np.maximum(norm, 1e-12)).astype(np.float32)
